// Pure projection rules: the documents a record touches, before → after. No I/O: the projection store
// loads the documents, calls `project`, and writes the result with the partition's checkpoint.
//
// Records about one mail arrive on different topics (mail.requested, mail.events), so their order is not
// guaranteed: the rules are order-independent. A mail's status only moves forward (by rank), the
// timeline is kept sorted by time, and whichever of "requested" and "sent" comes second adds the latency.
import type { AnyDecodedEvent } from '@mailfleet/contracts';
import {
  RECIPIENT_HISTORY_LIMIT,
  type MailStatus,
  type MailView,
  type OrderStatus,
  type OrderView,
  type Position,
  type RecipientView,
  type TemplateDayIncrement,
  type TimelineEntry,
  type TimelineType,
} from '@mailfleet/read-models';

export interface ProjectedRecord {
  readonly event: AnyDecodedEvent;
  readonly envelope: { readonly eventId: string; readonly correlationId: string };
  readonly position: Position;
}

export interface Loaded {
  readonly mail: MailView | null;
  readonly order: OrderView | null;
  readonly recipient: RecipientView | null;
}

/** New versions of the documents that changed (null: untouched) and counter increments. */
export interface Changes {
  readonly mail: MailView | null;
  readonly order: OrderView | null;
  readonly recipient: RecipientView | null;
  readonly templateDays: readonly TemplateDayIncrement[];
}

const STATUS_RANK: Record<MailStatus, number> = {
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
const ORDER_RANK: Record<OrderStatus, number> = { unknown: 0, placed: 1, shipped: 2, cancelled: 3 };

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** The mail id's own convention, `<templateId>:<orderId>` (docs/translator.md). */
function fromMailId(mailId: string): { templateId: string; orderId: string | null } {
  const i = mailId.indexOf(':');
  return i > 0
    ? { templateId: mailId.slice(0, i), orderId: mailId.slice(i + 1) }
    : { templateId: 'unknown', orderId: null };
}

function orderIdFromTemplateData(json: string): string | null {
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
      return { mailId: null, orderId: null, email: null };
    case 'MailRequested':
      return {
        mailId: event.payload.mailId,
        orderId:
          orderIdFromTemplateData(event.payload.templateData) ?? fromMailId(event.payload.mailId).orderId,
        email: event.payload.recipient.email.toLowerCase(),
      };
    default:
      return {
        mailId: event.payload.mailId,
        orderId: mail?.orderId ?? fromMailId(event.payload.mailId).orderId,
        email: mail?.email ?? null,
      };
  }
}

/** The mail id a record is about, if any (the store loads that mail first). */
export function mailIdOf(event: AnyDecodedEvent): string | null {
  return 'mailId' in event.payload ? event.payload.mailId : null;
}

interface MailFact {
  readonly type: TimelineType;
  readonly status: MailStatus;
  readonly at: number;
  readonly reason: string | null;
  readonly attempt: number | null;
  readonly set: Partial<MailView>;
  readonly counters: readonly TemplateDayIncrement['counts'][];
}

function mailFact(event: AnyDecodedEvent): MailFact | null {
  switch (event.eventType) {
    case 'MailRequested': {
      const p = event.payload;
      return {
        type: 'requested',
        status: 'requested',
        at: p.requestedAt,
        reason: null,
        attempt: null,
        set: {
          templateId: p.templateId,
          email: p.recipient.email.toLowerCase(),
          customerId: p.recipient.customerId,
          locale: p.locale,
          requestedAt: p.requestedAt,
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
        reason: `${event.payload.bounceType}: ${event.payload.diagnostic}`,
        attempt: null,
        set: { lastError: event.payload.diagnostic },
        counters: [{ bounced: 1 }],
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
    default:
      return null;
  }
}

function emptyMail(mailId: string, position: Position): MailView {
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

function emptyOrder(orderId: string, position: Position): OrderView {
  return {
    _id: orderId,
    orderId,
    customerId: null,
    status: 'unknown',
    currency: null,
    totalMinor: null,
    placedAt: null,
    shippedAt: null,
    cancelledAt: null,
    cancelReason: null,
    correlationId: null,
    mails: [],
    asOf: position,
  };
}

function projectOrderFact(order: OrderView, record: ProjectedRecord): OrderView | null {
  const { event, position, envelope } = record;
  const advance = (status: OrderStatus) =>
    ORDER_RANK[status] >= ORDER_RANK[order.status] ? status : order.status;
  const base = { ...order, asOf: position, correlationId: order.correlationId ?? envelope.correlationId };
  switch (event.eventType) {
    case 'OrderPlaced':
      return {
        ...base,
        customerId: event.payload.customerId,
        status: advance('placed'),
        currency: event.payload.currency,
        totalMinor: event.payload.totalMinor,
        placedAt: event.payload.placedAt,
        // The order's own correlation id links its mails.
        correlationId: envelope.correlationId,
      };
    case 'OrderShipped':
      return {
        ...base,
        customerId: event.payload.customerId,
        status: advance('shipped'),
        shippedAt: event.payload.shippedAt,
      };
    case 'OrderCancelled':
      return {
        ...base,
        customerId: event.payload.customerId,
        status: advance('cancelled'),
        cancelledAt: event.payload.cancelledAt,
        cancelReason: event.payload.reason,
      };
    default:
      return null;
  }
}

function withRecipientMail(
  recipient: RecipientView | null,
  email: string,
  mail: MailView,
  previous: MailStatus | null,
  position: Position,
): RecipientView {
  const r: RecipientView = recipient ?? {
    _id: email,
    email,
    customerId: mail.customerId,
    counts: {},
    total: 0,
    mails: [],
    asOf: position,
  };
  const counts: Partial<Record<MailStatus, number>> = { ...r.counts };
  const known = r.mails.some((m) => m.mailId === mail.mailId) || previous !== null;
  if (known && previous !== null) {
    const left = (counts[previous] ?? 0) - 1;
    // Zero counts are left out, so documents do not depend on which statuses a mail passed through.
    if (left > 0) counts[previous] = left;
    else delete counts[previous];
  }
  counts[mail.status] = (counts[mail.status] ?? 0) + 1;
  const entry = {
    mailId: mail.mailId,
    templateId: mail.templateId,
    status: mail.status,
    requestedAt: mail.requestedAt,
  };
  const others = r.mails.filter((m) => m.mailId !== mail.mailId);
  const mails = [entry, ...others]
    .sort((a, b) => (b.requestedAt ?? 0) - (a.requestedAt ?? 0) || a.mailId.localeCompare(b.mailId))
    .slice(0, RECIPIENT_HISTORY_LIMIT);
  return {
    ...r,
    customerId: r.customerId ?? mail.customerId,
    counts,
    total: known ? r.total : r.total + 1,
    mails,
    asOf: position,
  };
}

/** Applies one record to the documents it touches. */
export function project(loaded: Loaded, record: ProjectedRecord): Changes {
  const { event, position, envelope } = record;
  const none: Changes = { mail: null, order: null, recipient: null, templateDays: [] };

  if (
    event.eventType === 'OrderPlaced' ||
    event.eventType === 'OrderShipped' ||
    event.eventType === 'OrderCancelled'
  ) {
    const order = loaded.order ?? emptyOrder(event.payload.orderId, position);
    return { ...none, order: projectOrderFact(order, record) };
  }

  const fact = mailFact(event);
  const mailId = mailIdOf(event);
  if (!fact || !mailId) return none;
  const before = loaded.mail ?? emptyMail(mailId, position);
  if (before.timeline.some((t) => t.eventId === envelope.eventId)) return none;

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
    loaded.mail === null || STATUS_RANK[fact.status] >= STATUS_RANK[before.status]
      ? fact.status
      : before.status;
  const keys = keysFor(record, loaded.mail);
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

  const templateDays: TemplateDayIncrement[] = fact.counters.map((counts) => ({
    templateId: mail.templateId,
    day: dayOf(fact.at),
    counts,
  }));
  // Latency needs both ends; whichever arrives second adds it, on the day the mail was sent.
  const completesLatency =
    (event.eventType === 'MailSent' && before.requestedAt !== null) ||
    (event.eventType === 'MailRequested' && before.sentAt !== null);
  if (completesLatency && mail.sentAt !== null && mail.requestedAt !== null) {
    templateDays.push({
      templateId: mail.templateId,
      day: dayOf(mail.sentAt),
      counts: {},
      latencyMs: Math.max(0, mail.sentAt - mail.requestedAt),
    });
  }

  let order: OrderView | null = null;
  if (mail.orderId !== null) {
    const o = loaded.order ?? emptyOrder(mail.orderId, position);
    const others = o.mails.filter((m) => m.mailId !== mail.mailId);
    order = {
      ...o,
      mails: [...others, { mailId: mail.mailId, templateId: mail.templateId, status: mail.status }].sort(
        (a, b) => a.mailId.localeCompare(b.mailId),
      ),
      asOf: position,
    };
  }

  let recipient: RecipientView | null = null;
  const email = mail.email;
  if (email !== null) {
    const statusChanged = loaded.mail === null || before.status !== mail.status;
    const newlyAttached = before.email === null;
    if (statusChanged || newlyAttached) {
      const previous = loaded.mail !== null && !newlyAttached ? before.status : null;
      recipient = withRecipientMail(loaded.recipient, email, mail, previous, position);
    }
  }
  return { mail, order, recipient, templateDays };
}
