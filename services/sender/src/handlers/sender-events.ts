// The events the sender records through its outbox, all on mail.events keyed by mailId.
import { newEnvelope, type TopicDefinition } from '@mailfleet/contracts';
import type { OutboxEvent } from '@mailfleet/outbox';
import type { AttemptRecord, MailState } from '../domain/mail-state';

type SenderEventType = 'MailSent' | 'MailSendFailed' | 'MailDeadLettered' | 'MailSuppressed';

function envelope(state: MailState, eventType: SenderEventType, eventId: string, now: Date) {
  return { ...newEnvelope({ eventType, producer: 'sender', eventId, now, cause: state.cause }), eventType };
}

export function mailSent(
  topic: TopicDefinition,
  state: MailState,
  attempt: number,
  result: { accepted: string[]; rejected: string[] },
  eventId: string,
  now: Date,
): OutboxEvent {
  return {
    topic: topic.name,
    key: state.mailId,
    envelope: envelope(state, 'MailSent', eventId, now),
    payload: {
      mailId: state.mailId,
      smtpMessageId: state.messageId,
      accepted: result.accepted,
      rejected: result.rejected,
      attempt,
      sentAt: now.getTime(),
    },
  };
}

export function mailSendFailed(
  topic: TopicDefinition,
  state: MailState,
  failure: AttemptRecord,
  nextAttemptAt: number | null,
  eventId: string,
  now: Date,
): OutboxEvent {
  return {
    topic: topic.name,
    key: state.mailId,
    envelope: envelope(state, 'MailSendFailed', eventId, now),
    payload: {
      mailId: state.mailId,
      attempt: failure.attempt,
      errorClass: failure.errorClass,
      errorMessage: failure.errorMessage,
      retryable: nextAttemptAt !== null,
      nextAttemptAt,
      failedAt: failure.failedAt,
    },
  };
}

export function mailDeadLettered(
  topic: TopicDefinition,
  state: MailState,
  history: readonly AttemptRecord[],
  eventId: string,
  now: Date,
): OutboxEvent {
  const last = history.at(-1);
  return {
    topic: topic.name,
    key: state.mailId,
    envelope: envelope(state, 'MailDeadLettered', eventId, now),
    payload: {
      mailId: state.mailId,
      attempts: history.length,
      lastErrorClass: last?.errorClass ?? 'unknown',
      lastErrorMessage: last?.errorMessage ?? '',
      history: [...history],
      deadLetteredAt: now.getTime(),
    },
  };
}

/** The mail was due, but its address is on the suppression list: it is not sent. */
export function mailSuppressed(
  topic: TopicDefinition,
  state: MailState,
  reason: string,
  eventId: string,
  now: Date,
): OutboxEvent {
  return {
    topic: topic.name,
    key: state.mailId,
    envelope: envelope(state, 'MailSuppressed', eventId, now),
    payload: {
      mailId: state.mailId,
      customerId: state.request.recipient.customerId,
      templateId: state.request.templateId,
      reason,
      suppressedAt: now.getTime(),
    },
  };
}
