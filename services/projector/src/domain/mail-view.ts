// The mail document: the facts about one mail, from mail.requested and mail.events, folded so that any
// interleaving of the two topics gives the same document. Status only moves forward (by rank).
import type { AnyDecodedEvent } from '@mailfleet/contracts';
import type {
  MailStatus,
  MailView,
  Position,
  TemplateDayIncrement,
  TimelineEntry,
  TimelineType,
} from '@mailfleet/read-models';
import type { ProjectedRecord } from './projected-record';
import { fromMailId, keysFor } from './record-keys';

export const STATUS_RANK: Record<MailStatus, number> = {
  // Below everything: a MailParked seen again on a replay never takes a decided mail back.
  parked: 0,
  requested: 1,
  retrying: 2,
  ambiguous: 2,
  sent: 3,
  failed: 3,
  dead: 3,
  suppressed: 3,
  rejected: 3,
  delivered: 4,
  bounced: 4,
};
/** What one mail event says about its mail: the timeline entry, the status it reaches, the fields it sets. */
export interface MailFact {
  readonly type: TimelineType;
  readonly status: MailStatus;
  readonly at: number;
  readonly reason: string | null;
  readonly attempt: number | null;
  readonly set: Partial<MailView>;
  readonly counters: readonly TemplateDayIncrement['counts'][];
}

/** What the timeline says of a request that is not plain: a digest's window, its priority, a hold. */
function requestedReason(
  priority: string,
  notBefore: number | null,
  digest: { windowStart: number; windowEnd: number; members: readonly string[] } | null,
): string | null {
  const iso = (ms: number) => new Date(ms).toISOString();
  const parts = [
    ...(digest === null
      ? []
      : [
          `digest of ${digest.members.length} (${digest.members.join(', ')}) from ${iso(digest.windowStart)} to ${iso(digest.windowEnd)}`,
        ]),
    ...(priority === 'NORMAL' ? [] : [`${priority.toLowerCase()} priority`]),
    ...(notBefore === null ? [] : [`held for the recipient's quiet hours until ${iso(notBefore)}`]),
  ];
  return parts.length === 0 ? null : parts.join('; ');
}

export function mailFact(event: AnyDecodedEvent): MailFact | null {
  switch (event.eventType) {
    case 'MailRequested': {
      const p = event.payload;
      return {
        type: 'requested',
        status: 'requested',
        at: p.requestedAt,
        reason: requestedReason(p.priority, p.notBefore, p.digest),
        attempt: null,
        set: {
          templateId: p.templateId,
          email: p.recipient.email.toLowerCase(),
          customerId: p.recipient.customerId,
          locale: p.locale,
          requestedAt: p.requestedAt,
          notBefore: p.notBefore,
          priority: p.priority,
          digest: p.digest,
        },
        counters: [{ requested: 1 }],
      };
    }
    case 'MailSent':
      return {
        type: 'sent',
        status: 'sent',
        at: event.payload.sentAt,
        reason: `accepted by the SMTP server as ${event.payload.smtpMessageId}`,
        attempt: event.payload.attempt,
        set: { messageId: event.payload.smtpMessageId, sentAt: event.payload.sentAt },
        counters: [{ sent: 1 }],
      };
    case 'MailSendFailed': {
      const p = event.payload;
      if (p.errorClass === 'ambiguous') {
        const next =
          p.nextAttemptAt === null
            ? 'not resent again'
            : `resend due ${new Date(p.nextAttemptAt).toISOString()}`;
        return {
          type: 'ambiguous',
          status: 'ambiguous',
          at: p.failedAt,
          reason: `outcome unknown (${next}): ${p.errorMessage}`,
          attempt: p.attempt,
          set: { lastError: `ambiguous: ${p.errorMessage}` },
          // It may well have been delivered: neither a retry of a failure nor a failure.
          counters: p.retryable ? [{ retries: 1 }] : [],
        };
      }
      return {
        type: p.retryable ? 'attempt-failed' : 'failed',
        status: p.retryable ? 'retrying' : 'failed',
        at: p.failedAt,
        reason: `${p.errorClass}: ${p.errorMessage}`,
        attempt: p.attempt,
        set: { lastError: `${p.errorClass}: ${p.errorMessage}` },
        counters: [p.retryable ? { retries: 1 } : { failed: 1 }],
      };
    }
    case 'MailDeadLettered': {
      const p = event.payload;
      return {
        type: 'dead',
        status: 'dead',
        at: p.deadLetteredAt,
        reason: `gave up after ${p.attempts} attempts; last ${p.lastErrorClass}: ${p.lastErrorMessage}`,
        attempt: p.attempts,
        set: { lastError: `${p.lastErrorClass}: ${p.lastErrorMessage}` },
        counters: [{ dead: 1 }],
      };
    }
    case 'MailDelivered':
      return {
        type: 'delivered',
        status: 'delivered',
        at: event.payload.deliveredAt,
        reason: null,
        attempt: null,
        set: {},
        counters: [],
      };
    case 'MailBounced':
      return {
        type: 'bounced',
        status: 'bounced',
        at: event.payload.bouncedAt,
        reason: bounceReason(event.payload),
        attempt: null,
        set: { lastError: event.payload.diagnostic },
        counters: [{ bounced: 1 }],
      };
    case 'MailComplained':
      // Only a delivered mail can be reported as spam, so the mail counts as delivered.
      return {
        type: 'complained',
        status: 'delivered',
        at: event.payload.complainedAt,
        reason: [event.payload.feedbackType, `reported by ${event.payload.source}`]
          .filter((part) => part !== null)
          .join('; '),
        attempt: null,
        set: {},
        counters: [],
      };
    case 'MailUnsubscribed':
      // The link was followed from the mail, so the mail counts as delivered.
      return {
        type: 'unsubscribed',
        status: 'delivered',
        at: event.payload.unsubscribedAt,
        reason: `from ${event.payload.category} (${event.payload.source})`,
        attempt: null,
        set: {},
        counters: [],
      };
    case 'MailSuppressed':
      return {
        type: 'suppressed',
        status: 'suppressed',
        at: event.payload.suppressedAt,
        reason: event.payload.reason,
        attempt: null,
        set: { templateId: event.payload.templateId, customerId: event.payload.customerId },
        counters: [],
      };
    case 'MailParked': {
      const p = event.payload;
      return {
        type: 'parked',
        status: 'parked',
        at: p.parkedAt,
        reason: `${p.reason}; rejected at ${new Date(p.parkedUntil).toISOString()} if still unknown`,
        attempt: null,
        set: { templateId: p.templateId, customerId: p.customerId },
        counters: [],
      };
    }
    case 'MailRequestRejected':
      return {
        type: 'rejected',
        status: 'rejected',
        at: event.payload.rejectedAt,
        reason: `${event.payload.reasonCode}: ${event.payload.reason}`,
        attempt: null,
        set: { templateId: event.payload.templateId, customerId: event.payload.customerId },
        counters: [],
      };
    case 'OrderPlaced':
    case 'OrderShipped':
    case 'OrderCancelled':
    case 'CustomerRegistered':
    case 'CustomerEmailChanged':
    case 'CustomerMailPreferencesChanged':
    case 'CustomerErased':
      return null;
    default: {
      const unknown: never = event;
      throw new Error(`no mail fact for ${JSON.stringify(unknown)}`);
    }
  }
}

/** `HARD 5.1.1: <diagnostic> (webhook:mailgun)`: what the timeline says of a bounce. */
function bounceReason(p: {
  bounceType: string;
  status: string | null;
  diagnostic: string;
  source: string | null;
}): string {
  const kind = p.status === null ? p.bounceType : `${p.bounceType} ${p.status}`;
  return `${kind}: ${p.diagnostic}${p.source === null ? '' : ` (${p.source})`}`;
}

export function emptyMail(mailId: string, position: Position): MailView {
  const derived = fromMailId(mailId);
  return {
    _id: mailId,
    mailId,
    templateId: derived.templateId,
    orderId: derived.orderId,
    email: null,
    customerId: null,
    locale: null,
    status: 'requested',
    correlationId: null,
    messageId: null,
    requestedAt: null,
    sentAt: null,
    attempts: 0,
    lastError: null,
    timeline: [],
    updatedAt: 0,
    asOf: position,
  };
}

/**
 * The mail after `fact` (the record's reading of it); null when the record was applied before (its event
 * id is on the timeline already).
 */
export function evolveMail(
  loaded: MailView | null,
  mailId: string,
  fact: MailFact,
  record: ProjectedRecord,
): { before: MailView; mail: MailView } | null {
  const { event, position, envelope } = record;
  const before = loaded ?? emptyMail(mailId, position);
  if (before.timeline.some((t) => t.eventId === envelope.eventId)) return null;
  const entry: TimelineEntry = {
    type: fact.type,
    at: fact.at,
    reason: fact.reason,
    attempt: fact.attempt,
    eventId: envelope.eventId,
    correlationId: envelope.correlationId,
    topic: position.topic,
    partition: position.partition,
    offset: position.offset,
  };
  const status =
    loaded === null || STATUS_RANK[fact.status] >= STATUS_RANK[before.status] ? fact.status : before.status;
  const keys = keysFor(record, loaded);
  const mail: MailView = {
    ...before,
    ...fact.set,
    orderId: keys.orderId ?? before.orderId,
    status,
    correlationId:
      event.eventType === 'MailRequested'
        ? envelope.correlationId
        : (before.correlationId ?? envelope.correlationId),
    attempts: Math.max(before.attempts, fact.attempt ?? 0),
    // Ties broken by event id, so any interleaving of the topics gives the same timeline.
    timeline: [...before.timeline, entry].sort((a, b) => a.at - b.at || a.eventId.localeCompare(b.eventId)),
    updatedAt: Math.max(before.updatedAt, fact.at),
    asOf: position,
  };
  return { before, mail };
}
