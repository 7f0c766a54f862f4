// RFC 8058 one-click unsubscribe, the part without I/O: what a link's token says as a notification, and
// whether a POST is the one-click request the RFC defines.
import type { UnsubscribeClaim } from '@mailfleet/suppression';
import type { Notification } from './notification';

/** RFC 8058 §3.1: the body a mailbox provider (or our own confirmation page) POSTs. */
export const ONE_CLICK_BODY = 'List-Unsubscribe=One-Click';

/**
 * Whether a POST body carries the one-click key, as application/x-www-form-urlencoded or as a field of
 * multipart/form-data (RFC 8058 §3.2 allows both).
 */
export function isOneClickBody(body: string): boolean {
  if (/(^|&)List-Unsubscribe=One-Click(&|$)/.test(body.trim())) return true;
  return /name="?List-Unsubscribe"?\s*\r?\n\r?\n\s*One-Click\s*\r?\n/i.test(body);
}

/**
 * The notification of an unsubscribe. Its id is the mail and category, so the same link used again (a
 * provider retrying, a person clicking twice) is the same notification and becomes one event.
 */
export function unsubscribeNotification(claim: UnsubscribeClaim, at: Date): Notification {
  return {
    provider: 'one-click',
    eventId: `${claim.mailId}|${claim.category}`,
    kind: 'unsubscribed',
    providerEvent: 'one-click',
    mailId: claim.mailId,
    messageId: null,
    recipient: claim.recipient.toLowerCase(),
    bounceType: null,
    status: null,
    diagnostic: null,
    feedbackType: null,
    occurredAt: at.getTime(),
    unsubscribe: { customerId: claim.customerId, category: claim.category },
  };
}
