// Which documents a record touches: its mail, its order, its recipient — by the keys the record carries,
// or, for the mail events that carry only a mail id, by what the mail document already knows.
import type { AnyDecodedEvent } from '@mailfleet/contracts';
import type { MailView } from '@mailfleet/read-models';
import type { ProjectedRecord } from './projected-record';

/** The mail id's own convention, `<templateId>:<orderId>` (docs/translator.md). */
export function fromMailId(mailId: string): { templateId: string; orderId: string | null } {
  const i = mailId.indexOf(':');
  if (i <= 0) return { templateId: 'unknown', orderId: null };
  const templateId = mailId.slice(0, i);
  // A digest's id names a customer and a window, not an order (<kind>-digest:<customerId>:<openedAt>).
  return { templateId, orderId: templateId.endsWith('-digest') ? null : mailId.slice(i + 1) };
}

export function orderIdFromTemplateData(json: string): string | null {
  try {
    const data = JSON.parse(json) as { orderId?: unknown };
    return typeof data.orderId === 'string' ? data.orderId : null;
  } catch {
    return null;
  }
}

/** The keys of the other documents a record touches, given the mail document if there is one. */
export function keysFor(
  record: ProjectedRecord,
  mail: MailView | null,
): { mailId: string | null; orderId: string | null; email: string | null } {
  const { event } = record;
  switch (event.eventType) {
    case 'OrderPlaced':
    case 'OrderShipped':
    case 'OrderCancelled':
      return { mailId: null, orderId: event.payload.orderId, email: null };
    case 'CustomerRegistered':
    case 'CustomerEmailChanged':
    case 'CustomerMailPreferencesChanged':
    case 'CustomerErased':
      return { mailId: null, orderId: null, email: null };
    case 'MailRequested':
      return {
        mailId: event.payload.mailId,
        orderId:
          orderIdFromTemplateData(event.payload.templateData) ?? fromMailId(event.payload.mailId).orderId,
        email: event.payload.recipient.email.toLowerCase(),
      };
    case 'MailSent':
    case 'MailSendFailed':
    case 'MailDeadLettered':
    case 'MailDelivered':
    case 'MailBounced':
    case 'MailComplained':
    case 'MailUnsubscribed':
    case 'MailSuppressed':
    case 'MailRequestRejected':
    case 'MailParked':
      return {
        mailId: event.payload.mailId,
        orderId: mail?.orderId ?? fromMailId(event.payload.mailId).orderId,
        email: mail?.email ?? null,
      };
    default: {
      const unknown: never = event;
      throw new Error(`no projection keys for ${JSON.stringify(unknown)}`);
    }
  }
}

/** The mail id a record is about, if any (the store loads that mail first). */
export function mailIdOf(event: AnyDecodedEvent): string | null {
  return 'mailId' in event.payload ? event.payload.mailId : null;
}
