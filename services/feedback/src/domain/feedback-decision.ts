// What a notification becomes: the domain event about the mail it names, nothing (a kind mailfleet does
// not act on yet), or nothing because it names no mail of ours. Pure: the store writes what this decides.
import {
  mailIdFromHeader,
  mailIdFromMessageId,
  type MailBounced,
  type MailComplained,
  type MailDelivered,
  type MailUnsubscribed,
} from '@mailfleet/contracts';
import type { Notification } from './notification';

export type FeedbackEvent =
  | { readonly type: 'MailDelivered'; readonly payload: MailDelivered }
  | { readonly type: 'MailBounced'; readonly payload: MailBounced }
  | { readonly type: 'MailComplained'; readonly payload: MailComplained }
  | { readonly type: 'MailUnsubscribed'; readonly payload: MailUnsubscribed };

/** `event`: turned into a domain event; `unknown-mail`: names no mail of ours; `ignored`: a kind not acted on. */
export type FeedbackOutcome = 'event' | 'unknown-mail' | 'ignored';

export interface FeedbackDecision {
  readonly notification: Notification;
  readonly mailId: string | null;
  readonly outcome: FeedbackOutcome;
  readonly event: FeedbackEvent | null;
}

/**
 * The mail a notification is about: the mailId it carries, else the one our Message-ID encodes (a
 * Message-ID of another domain, or the digest form of a very long id, names none).
 */
export function mailIdOf(n: Notification, messageIdDomain: string): string | null {
  if (n.mailId !== null) return mailIdFromHeader(n.mailId) ?? n.mailId;
  return n.messageId === null ? null : mailIdFromMessageId(n.messageId, messageIdDomain);
}

export function decide(n: Notification, messageIdDomain: string): FeedbackDecision {
  const mailId = mailIdOf(n, messageIdDomain);
  const none = (outcome: FeedbackOutcome): FeedbackDecision => ({
    notification: n,
    mailId,
    outcome,
    event: null,
  });
  if (n.kind === 'other') return none('ignored');
  // A provider's unsubscribe names no category: only our own link says what the recipient stops.
  if (n.kind === 'unsubscribed' && (n.unsubscribe === undefined || n.recipient === null))
    return none('ignored');
  if (mailId === null) return none('unknown-mail');
  const source = n.provider === 'dsn' || n.provider === 'one-click' ? n.provider : `webhook:${n.provider}`;
  const event = ((): FeedbackEvent => {
    switch (n.kind) {
      case 'delivered':
        return {
          type: 'MailDelivered',
          payload: { mailId, smtpMessageId: n.messageId, deliveredAt: n.occurredAt },
        };
      case 'bounced':
        return {
          type: 'MailBounced',
          payload: {
            mailId,
            bounceType: n.bounceType ?? 'HARD',
            diagnostic: n.diagnostic ?? '',
            bouncedAt: n.occurredAt,
            recipient: n.recipient,
            status: n.status,
            source,
          },
        };
      case 'complained':
        return {
          type: 'MailComplained',
          payload: {
            mailId,
            recipient: n.recipient,
            feedbackType: n.feedbackType,
            source,
            complainedAt: n.occurredAt,
          },
        };
      case 'unsubscribed':
        return {
          type: 'MailUnsubscribed',
          payload: {
            mailId,
            customerId: n.unsubscribe!.customerId,
            recipient: n.recipient!,
            category: n.unsubscribe!.category,
            source,
            unsubscribedAt: n.occurredAt,
          },
        };
    }
  })();
  return { notification: n, mailId, outcome: 'event', event };
}
