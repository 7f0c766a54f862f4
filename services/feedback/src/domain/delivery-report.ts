// A delivery status notification (RFC 3464, inside RFC 6522's multipart/report) read into notifications:
// one per recipient group whose Action says what happened. The mail is named by the headers the report
// quotes from it (X-Mailfleet-Mail-Id, else our Message-ID) or by the VERP address it was sent back to.
import { MAIL_ID_HEADER, mailIdFromVerp } from '@mailfleet/contracts';
import { allParts, parseHeaderBlock, parseMime, splitHeaders, type MimePart } from './mime-parts';
import {
  bounceTypeOf,
  enhancedStatusIn,
  lowerCased,
  type Notification,
  type NotificationKind,
  type Parsed,
} from './notification';

export interface ReportRecipient {
  readonly finalRecipient: string | null;
  readonly action: string;
  readonly status: string | null;
  readonly diagnostic: string | null;
}

export interface DeliveryReport {
  /** The report's own Message-ID (the idempotency key, with the recipient). */
  readonly reportId: string | null;
  readonly reportingMta: string | null;
  readonly arrivalDate: string | null;
  readonly recipients: readonly ReportRecipient[];
  /** Headers the report quotes from the original message (message/rfc822 or text/rfc822-headers). */
  readonly original: ReadonlyMap<string, string>;
}

/** `rfc822; a@b` → `a@b`; `smtp; 550 5.1.1 …` → `550 5.1.1 …` (RFC 3464 §2.3: type; value). */
const typed = (value: string | undefined): string | null => {
  if (value === undefined) return null;
  const semi = value.indexOf(';');
  const v = (semi >= 0 ? value.slice(semi + 1) : value).trim().replace(/^<(.*)>$/, '$1');
  return v === '' ? null : v;
};

/** The report in `raw`, or why it is not one. */
export function readDeliveryReport(raw: string): DeliveryReport | { problem: string } {
  const message = parseMime(raw);
  const status = allParts(message).find((p) => p.type === 'message/delivery-status');
  if (status === undefined) return { problem: 'no message/delivery-status part: not an RFC 3464 report' };
  // Field groups are separated by empty lines: the first is about the message, the rest one per recipient.
  const groups = status.body
    .split(/\r?\n[ \t]*\r?\n/)
    .map((g) => parseHeaderBlock(g.trim()))
    .filter((g) => g.size > 0);
  const [perMessage, ...perRecipient] = groups;
  const recipients = perRecipient
    .filter((g) => g.has('action'))
    .map((g): ReportRecipient => ({
      finalRecipient: typed(g.get('final-recipient') ?? g.get('original-recipient')),
      action: (g.get('action') ?? '').toLowerCase(),
      status: /^[245]\.\d{1,3}\.\d{1,3}/.exec(g.get('status') ?? '')?.[0] ?? null,
      diagnostic: typed(g.get('diagnostic-code')),
    }));
  if (recipients.length === 0)
    return { problem: 'the delivery-status part names no recipient with an Action' };
  return {
    reportId: message.headers.get('message-id') ?? null,
    reportingMta: typed(perMessage?.get('reporting-mta')),
    arrivalDate: perMessage?.get('arrival-date') ?? null,
    recipients,
    original: originalHeaders(message),
  };
}

function originalHeaders(message: MimePart): ReadonlyMap<string, string> {
  const quoted = allParts(message).find(
    (p) => p.type === 'message/rfc822' || p.type === 'text/rfc822-headers',
  );
  return quoted === undefined ? new Map() : splitHeaders(quoted.body).headers;
}

const KINDS: Record<string, NotificationKind> = {
  failed: 'bounced',
  delivered: 'delivered',
  relayed: 'delivered',
  expanded: 'delivered',
  delayed: 'other',
};

/**
 * The notifications of a report received for `envelopeRecipient` (our VERP address). A failure with a
 * 4.x.x status is soft (the MTA gave up on a temporary condition); `delayed` is no outcome yet.
 */
export function parseDeliveryReport(
  raw: string,
  envelopeRecipient: string,
  bounceDomain: string,
  receivedAt: Date,
): Parsed {
  const report = readDeliveryReport(raw);
  if ('problem' in report) return { ok: false, problem: report.problem };
  const quotedMailId = report.original.get(MAIL_ID_HEADER.toLowerCase()) ?? null;
  const verpMailId = mailIdFromVerp(envelopeRecipient, bounceDomain);
  const reportId = report.reportId ?? `${report.reportingMta ?? 'unknown-mta'}:${report.arrivalDate ?? ''}`;
  return {
    ok: true,
    notifications: report.recipients.map((r): Notification => {
      const kind = KINDS[r.action] ?? 'other';
      const status = r.status ?? enhancedStatusIn(r.diagnostic);
      return {
        provider: 'dsn',
        eventId: `${reportId}:${r.finalRecipient ?? ''}`,
        kind,
        providerEvent: r.action,
        // The header as the sender wrote it (percent-encoded); the decision decodes it.
        mailId: quotedMailId ?? (verpMailId === null ? null : encodeURIComponent(verpMailId)),
        messageId: report.original.get('message-id') ?? null,
        recipient: lowerCased(r.finalRecipient),
        bounceType: kind === 'bounced' ? (bounceTypeOf(status) ?? 'HARD') : null,
        status,
        diagnostic: r.diagnostic,
        feedbackType: null,
        occurredAt: receivedAt.getTime(),
      };
    }),
  };
}
