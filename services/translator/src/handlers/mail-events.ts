// Turns a mail decision into the event the outbox publishes: MailRequested on mail.requested, the
// others on mail.events, all keyed by mailId and caused by the business fact.
import { newEnvelope, type TopicDefinition } from '@mailfleet/contracts';
import type { OutboxEvent } from '@mailfleet/outbox';
import type { MailDecision } from '../domain/decisions';
import type { ParkNotice } from '../domain/park-notice';

export interface MailTopics {
  readonly requested: TopicDefinition;
  readonly events: TopicDefinition;
}

export function mailEventOf(
  decision: MailDecision,
  topics: MailTopics,
  eventId: string,
  now: Date,
): OutboxEvent {
  const at = now.getTime();
  const envelopeOf = <T extends 'MailRequested' | 'MailSuppressed' | 'MailRequestRejected'>(eventType: T) =>
    ({
      ...newEnvelope({ eventType, producer: 'translator', eventId, now, cause: decision.cause }),
      eventType,
    }) as const;
  switch (decision.type) {
    case 'request':
      return {
        topic: topics.requested.name,
        key: decision.mailId,
        envelope: envelopeOf('MailRequested'),
        payload: {
          mailId: decision.mailId,
          templateId: decision.kind,
          templateVersion: decision.templateVersion,
          recipient: decision.recipient,
          locale: decision.locale,
          templateData: JSON.stringify(decision.templateData),
          attachments: [...(decision.attachments ?? [])],
          priority: decision.priority,
          requestedAt: at,
          notBefore: decision.notBefore,
          digest: decision.digest ? { ...decision.digest, members: [...decision.digest.members] } : null,
          category: decision.category ?? null,
        },
      };
    case 'suppress':
      return {
        topic: topics.events.name,
        key: decision.mailId,
        envelope: envelopeOf('MailSuppressed'),
        payload: {
          mailId: decision.mailId,
          customerId: decision.customerId,
          templateId: decision.kind,
          reason: decision.reason,
          suppressedAt: at,
        },
      };
    case 'reject':
      return {
        topic: topics.events.name,
        key: decision.mailId,
        envelope: envelopeOf('MailRequestRejected'),
        payload: {
          mailId: decision.mailId,
          customerId: decision.customerId,
          templateId: decision.kind,
          reasonCode: decision.code,
          reason: decision.reason,
          rejectedAt: at,
        },
      };
    default: {
      const unreachable: never = decision;
      throw new Error(`unknown decision ${JSON.stringify(unreachable)}`);
    }
  }
}

/** MailParked on mail.events, caused by the order fact that made the mail due. */
export function parkedEventOf(
  notice: ParkNotice,
  cause: MailDecision['cause'],
  topics: MailTopics,
  eventId: string,
  now: Date,
): OutboxEvent {
  return {
    topic: topics.events.name,
    key: notice.mailId,
    envelope: {
      ...newEnvelope({ eventType: 'MailParked', producer: 'translator', eventId, now, cause }),
      eventType: 'MailParked',
    },
    payload: notice,
  };
}
