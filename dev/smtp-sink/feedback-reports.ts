// What the sink sends for a `bounce` or `complaint` rule once it accepted a mail, as the recipient's side
// would: a delivery status notification (RFC 3464, in a multipart/report of RFC 6522) to the mail's
// envelope sender — its VERP address, which the feedback service's listener takes — and/or mailfleet's
// signed webhook (docs/feedback-webhooks.md), as a provider reports bounces and complaints.
import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import { signMailfleetWebhook } from '@mailfleet/webhooks';
import type { FaultRule } from './fault-plan';

export interface AcceptedMail {
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  readonly messageId: string | undefined;
  /** The message's header block as received (quoted in the report, RFC 3462 text/rfc822-headers). */
  readonly rawHeaders: string;
}

const REPORTING_MTA = 'smtp-sink.mailfleet.local';

/** The DSN for a recipient the rule bounces. */
export function deliveryStatusNotification(mail: AcceptedMail, recipient: string, rule: FaultRule): string {
  const status = rule.enhanced ?? '5.1.1';
  const code = status.startsWith('4.') ? 452 : 550;
  const diagnostic = `${code} ${status} <${recipient}>: ${rule.text ?? 'Recipient address rejected (smtp-sink bounce rule)'}`;
  const boundary = `dsn-${randomUUID()}`;
  return [
    `From: Mail Delivery System <MAILER-DAEMON@${REPORTING_MTA}>`,
    `To: <${mail.mailFrom}>`,
    'Subject: Undelivered Mail Returned to Sender',
    `Message-ID: <${randomUUID()}@${REPORTING_MTA}>`,
    `Date: ${new Date().toUTCString()}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `Your message to <${recipient}> could not be delivered.`,
    diagnostic,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${REPORTING_MTA}`,
    `Arrival-Date: ${new Date().toUTCString()}`,
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822; ${recipient}`,
    // A 4.x.x status with `failed`: the MTA gave up on a condition that was temporary (a soft bounce).
    'Action: failed',
    `Status: ${status}`,
    `Remote-MTA: dns; ${REPORTING_MTA}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    mail.rawHeaders.trimEnd(),
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** mailfleet's webhook body for the rule's report about one recipient. */
export function webhookNotification(mail: AcceptedMail, recipient: string, rule: FaultRule) {
  const base = {
    id: `smtp-sink-${randomUUID()}`,
    recipient,
    ...(mail.messageId ? { messageId: mail.messageId } : {}),
    occurredAt: new Date().toISOString(),
  };
  if (rule.kind === 'complaint') return { ...base, type: 'complained' as const, feedbackType: 'abuse' };
  const status = rule.enhanced ?? '5.1.1';
  return {
    ...base,
    type: 'bounced' as const,
    status,
    diagnostic: `${status.startsWith('4.') ? 452 : 550} ${status} ${rule.text ?? 'Recipient address rejected (smtp-sink bounce rule)'}`,
  };
}

/** Sends the rule's reports about the mail; resolves to what went out, rejects on the first failure. */
export async function sendReports(mail: AcceptedMail, rule: FaultRule): Promise<string[]> {
  const sent: string[] = [];
  const recipients = mail.recipients.filter(
    (r) => rule.recipient === undefined || r.includes(rule.recipient),
  );
  for (const recipient of recipients) {
    if (rule.kind === 'bounce' && rule.dsn !== undefined && mail.mailFrom !== '') {
      const transport = nodemailer.createTransport({
        host: rule.dsn.host,
        port: rule.dsn.port,
        secure: false,
        ignoreTLS: true,
      });
      // The null reverse path: a report is never answered with another (RFC 3464 §2, RFC 5321 §4.5.5).
      await transport.sendMail({
        envelope: { from: '', to: [mail.mailFrom] },
        raw: deliveryStatusNotification(mail, recipient, rule),
      });
      transport.close();
      sent.push(`dsn to ${mail.mailFrom}`);
    }
    if (rule.webhook !== undefined && mail.messageId !== undefined) {
      const body = JSON.stringify(webhookNotification(mail, recipient, rule));
      const answer = await fetch(rule.webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signMailfleetWebhook(body, [rule.webhook.key]) },
        body,
      });
      if (!answer.ok) throw new Error(`webhook ${rule.webhook.url} answered ${answer.status}`);
      sent.push(`webhook to ${rule.webhook.url}`);
    }
  }
  return sent;
}
