// One send attempt for a claimed mail: render, load attachments, hand the message to SMTP. Never throws:
// every error is decided here into an outcome (bad data fails the mail, infrastructure retries later).
import { AttachmentError, type AttachmentContent, type AttachmentStore } from '@mailfleet/attachments';
import { verpAddressFor } from '@mailfleet/contracts';
import { sealUnsubscribeToken } from '@mailfleet/suppression';
import {
  RenderError,
  parseTemplateData,
  type RenderedMail,
  type TemplateRenderer,
} from '../adapters/template-renderer';
import {
  SmtpAttemptError,
  type OutgoingMail,
  type SendResult,
  type SmtpTransport,
} from '../adapters/smtp-transport';
import { classifySmtpFailure, type Failure } from '../domain/failure-classes';
import { headerText, headerToken } from '../domain/header-text';
import type { MailState } from '../domain/mail-state';

export type AttemptOutcome =
  | { readonly type: 'sent'; readonly result: SendResult }
  | { readonly type: 'failed'; readonly failure: Failure }
  /** Stopped before the final dot (shutdown, or the claim was taken): nothing was delivered. */
  | { readonly type: 'aborted' };

export interface AttemptDeps {
  readonly renderer: TemplateRenderer;
  readonly attachments: AttachmentStore;
  readonly smtp: SmtpTransport;
  readonly from: string;
  /** When set, each mail's envelope sender is its VERP address at this domain (bounces name the mail). */
  readonly verpDomain?: string | undefined;
  /** When set, mails of a category carry a one-click unsubscribe link (RFC 8058) to this endpoint. */
  readonly unsubscribe?: UnsubscribeLinks | undefined;
}

export interface UnsubscribeLinks {
  /** The feedback service's unsubscribe endpoint as recipients reach it; the token is appended. */
  readonly baseUrl: string;
  /** UNSUBSCRIBE_KEYS: the first seals the tokens. */
  readonly keys: readonly string[];
}

/**
 * RFC 8058 §3.1: an HTTPS URI in List-Unsubscribe and the fixed List-Unsubscribe-Post value, so a mailbox
 * provider's "unsubscribe" button POSTs to it. Only mails of a category get them: transactional mail is
 * not something one unsubscribes from. The token is per recipient and category (unsubscribe-token.ts).
 */
export function unsubscribeHeaders(
  mail: MailState,
  links: UnsubscribeLinks | undefined,
): Record<string, string> {
  const category = mail.request.category ?? null;
  if (links === undefined || category === null) return {};
  const token = sealUnsubscribeToken(
    {
      mailId: mail.mailId,
      customerId: mail.request.recipient.customerId,
      recipient: mail.request.recipient.email,
      category,
    },
    links.keys,
  );
  return {
    'List-Unsubscribe': `<${links.baseUrl.replace(/\/+$/, '')}/${token}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

const failed = (errorClass: Failure['errorClass'], message: string): AttemptOutcome => ({
  type: 'failed',
  failure: { errorClass, message: message.replace(/\s+/g, ' ').slice(0, 500) },
});
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The mail as handed to SMTP. The recipient stays structured ({ name, address }) and every header value
 * built from event data is one line of printable text, so no event can add a recipient or a header.
 */
export function outgoingMail(
  mail: MailState,
  rendered: RenderedMail,
  attachments: readonly AttachmentContent[],
  from: string,
  verpDomain?: string,
  unsubscribe?: UnsubscribeLinks,
): OutgoingMail {
  const { recipient } = mail.request;
  const name = recipient.name ? headerText(recipient.name, 200) : '';
  return {
    from,
    to: { name: name === '' ? null : name, address: recipient.email },
    subject: headerText(rendered.subject),
    html: rendered.html,
    text: rendered.text,
    attachments,
    messageId: mail.messageId,
    returnPath: verpDomain === undefined ? undefined : verpAddressFor(mail.mailId, verpDomain),
    headers: {
      'X-Mailfleet-Mail-Id': headerToken(mail.mailId),
      'X-Correlation-Id': headerToken(mail.cause.correlationId),
      ...unsubscribeHeaders(mail, unsubscribe),
    },
  };
}

export async function runAttempt(
  deps: AttemptDeps,
  mail: MailState,
  signal: AbortSignal,
): Promise<AttemptOutcome> {
  const { request } = mail;
  let rendered;
  let attachments: AttachmentContent[];
  try {
    rendered = deps.renderer.render(
      request.templateId,
      request.templateVersion,
      request.locale,
      parseTemplateData(request.templateData),
    );
  } catch (err) {
    return failed(err instanceof RenderError ? 'invalid-request' : 'unknown', messageOf(err));
  }
  try {
    attachments = await deps.attachments.load(request.attachments);
  } catch (err) {
    // A blob that is missing or altered never gets better; MongoDB being away does.
    return err instanceof AttachmentError
      ? failed('invalid-request', err.message)
      : failed('local-infrastructure', `loading attachments: ${messageOf(err)}`);
  }
  try {
    const result = await deps.smtp.send(
      outgoingMail(mail, rendered, attachments, deps.from, deps.verpDomain, deps.unsubscribe),
      signal,
    );
    return { type: 'sent', result };
  } catch (err) {
    const smtp = err instanceof SmtpAttemptError ? err.facts : undefined;
    // Aborted (shutdown, claim taken) before the final dot, however the abort surfaced: nothing went out.
    if (signal.aborted && !(smtp && 'afterFinalDot' in smtp && smtp.afterFinalDot))
      return { type: 'aborted' };
    return smtp ? { type: 'failed', failure: classifySmtpFailure(smtp) } : failed('unknown', messageOf(err));
  }
}
