// Read-model documents for the dashboard's tests, shaped exactly as the projector writes them (the types
// come from @mailfleet/read-models), so the dashboard is tested against real MongoDB without a pipeline.
import type { Db } from 'mongodb';
import {
  DEAD_LETTERS_COLLECTION,
  META_COLLECTION,
  PIPELINE_HEALTH_COLLECTION,
  collectionNames,
  type Checkpoint,
  type DeadLetterView,
  type MailView,
  type OrderView,
  type PipelineHealth,
  type ProjectionMeta,
  type RecipientView,
  type TemplateDayView,
} from '@mailfleet/read-models';

// A minute ago, so the seeded day is always inside the stats window.
export const SEED_NOW = Date.now() - 60_000;
export const SEED_DAY = new Date(SEED_NOW).toISOString().slice(0, 10);
const OLD_DAY = new Date(SEED_NOW - 40 * 86_400_000).toISOString().slice(0, 10);
const pos = (offset: string) => ({ topic: 'mail.events', partition: 1, offset, timestamp: SEED_NOW });

export const SENT_MAIL: MailView = {
  _id: 'order-confirmation:o-100',
  mailId: 'order-confirmation:o-100',
  templateId: 'order-confirmation',
  orderId: 'o-100',
  email: 'ada@example.test',
  customerId: 'c-1',
  locale: 'en',
  status: 'sent',
  correlationId: 'corr-o-100',
  messageId: '<order-confirmation.o-100@mailfleet.test>',
  requestedAt: SEED_NOW - 5_000,
  sentAt: SEED_NOW - 1_000,
  attempts: 2,
  lastError: null,
  timeline: [
    {
      type: 'requested',
      at: SEED_NOW - 5_000,
      reason: null,
      attempt: null,
      eventId: 'ev-req-100',
      correlationId: 'corr-o-100',
      topic: 'mail.requested',
      partition: 0,
      offset: '7',
    },
    {
      type: 'attempt-failed',
      at: SEED_NOW - 3_000,
      reason: '421 try again later',
      attempt: 1,
      eventId: 'ev-fail-100',
      correlationId: 'corr-o-100',
      topic: 'mail.events',
      partition: 1,
      offset: '3',
    },
    {
      type: 'sent',
      at: SEED_NOW - 1_000,
      reason: null,
      attempt: 2,
      eventId: 'ev-sent-100',
      correlationId: 'corr-o-100',
      topic: 'mail.events',
      partition: 1,
      offset: '4',
    },
  ],
  updatedAt: SEED_NOW - 1_000,
  asOf: pos('4'),
};

export const DEAD_MAIL: MailView = {
  ...SENT_MAIL,
  _id: 'shipping-notice:o-100',
  mailId: 'shipping-notice:o-100',
  templateId: 'shipping-notice',
  status: 'dead',
  messageId: null,
  sentAt: null,
  attempts: 5,
  lastError: '550 mailbox unavailable',
  timeline: [SENT_MAIL.timeline[0]!],
  updatedAt: SEED_NOW,
  asOf: pos('5'),
};

/** A mail whose connection was lost after the final dot: resend pending, shown among the failures. */
export const AMBIGUOUS_MAIL: MailView = {
  ...SENT_MAIL,
  _id: 'order-confirmation:o-200',
  mailId: 'order-confirmation:o-200',
  orderId: 'o-200',
  email: 'grace@example.test',
  status: 'ambiguous',
  messageId: null,
  sentAt: null,
  attempts: 1,
  lastError: 'ambiguous: connection-lost: the SMTP server closed the connection',
  timeline: [
    SENT_MAIL.timeline[0]!,
    {
      ...SENT_MAIL.timeline[0]!,
      type: 'ambiguous',
      at: SEED_NOW - 20_000,
      reason:
        'outcome unknown (resend due 2026-01-01T00:15:00.000Z): connection-lost: the SMTP server closed the connection',
      attempt: 1,
      eventId: 'ev-ambiguous-200',
    },
  ],
  updatedAt: SEED_NOW - 20_000,
  asOf: pos('6'),
};

/** A mail waiting for its customer (MailParked): due, not yet requested, rejected at a known time. */
export const PARKED_MAIL: MailView = {
  ...SENT_MAIL,
  _id: 'order-confirmation:o-300',
  mailId: 'order-confirmation:o-300',
  orderId: 'o-300',
  email: null,
  customerId: 'c-9',
  locale: null,
  status: 'parked',
  correlationId: 'corr-o-300',
  messageId: null,
  requestedAt: null,
  sentAt: null,
  attempts: 0,
  timeline: [
    {
      ...SENT_MAIL.timeline[0]!,
      type: 'parked',
      at: SEED_NOW - 30_000,
      reason:
        'waiting for customer c-9: not known to the translator yet; rejected at 2026-01-02T00:00:00.000Z if still unknown',
      eventId: 'ev-parked-300',
      correlationId: 'corr-o-300',
      topic: 'mail.events',
      offset: '8',
    },
  ],
  updatedAt: SEED_NOW - 30_000,
  asOf: pos('8'),
};

/** A digest held for the recipient's quiet hours: its window, its members and the hold are on the page. */
export const DIGEST_MAIL: MailView = {
  ...SENT_MAIL,
  _id: `shipping-digest:c-7:${SEED_NOW - 600_000}`,
  mailId: `shipping-digest:c-7:${SEED_NOW - 600_000}`,
  templateId: 'shipping-digest',
  orderId: null,
  email: 'dee@example.test',
  customerId: 'c-7',
  status: 'requested',
  correlationId: 'corr-o-701',
  messageId: null,
  requestedAt: SEED_NOW - 1_000,
  notBefore: Date.parse('2030-01-02T06:00:00Z'),
  priority: 'NORMAL',
  digest: {
    windowStart: SEED_NOW - 600_000,
    windowEnd: SEED_NOW - 1_000,
    members: ['shipping-notice:o-701', 'shipping-notice:o-702'],
  },
  sentAt: null,
  attempts: 0,
  timeline: [{ ...SENT_MAIL.timeline[0]!, eventId: 'ev-digest-7', correlationId: 'corr-o-701' }],
  updatedAt: SEED_NOW - 1_000,
  asOf: pos('9'),
};

export const DEAD_LETTER: DeadLetterView = {
  _id: 'orders.events.dlq:0:4',
  dlqTopic: 'orders.events.dlq',
  sourceTopic: 'orders.events',
  sourcePartition: 2,
  sourceOffset: '118',
  group: 'translator',
  errorCode: 'undecodable-record.unknown-schema-id',
  reason: 'orders.events[2]@118: schema id 42 is not in the registry',
  eventType: 'OrderPlaced',
  eventId: 'ev-poison-1',
  deadLetteredAt: SEED_NOW - 10_000,
};

export async function seedReadModels(db: Db): Promise<void> {
  await db.collection<DeadLetterView>(DEAD_LETTERS_COLLECTION).insertOne(DEAD_LETTER);
  const names = collectionNames(3);
  await db.collection<ProjectionMeta>(META_COLLECTION).insertOne({
    _id: 'projections',
    active: 3,
    building: null,
    retired: [],
    switchedAt: SEED_NOW - 60_000,
  });
  await db
    .collection<MailView>(names.mails)
    .insertMany([SENT_MAIL, DEAD_MAIL, AMBIGUOUS_MAIL, PARKED_MAIL, DIGEST_MAIL]);
  await db.collection<OrderView>(names.orders).insertOne({
    _id: 'o-300',
    orderId: 'o-300',
    customerId: 'c-9',
    status: 'placed',
    currency: 'EUR',
    totalMinor: 500,
    placedAt: SEED_NOW - 31_000,
    shippedAt: null,
    cancelledAt: null,
    cancelReason: null,
    correlationId: 'corr-o-300',
    mails: [{ mailId: PARKED_MAIL.mailId, templateId: PARKED_MAIL.templateId, status: 'parked' }],
    asOf: pos('8'),
  });
  await db.collection<OrderView>(names.orders).insertOne({
    _id: 'o-100',
    orderId: 'o-100',
    customerId: 'c-1',
    status: 'shipped',
    currency: 'EUR',
    totalMinor: 1995,
    placedAt: SEED_NOW - 6_000,
    shippedAt: SEED_NOW - 2_000,
    cancelledAt: null,
    cancelReason: null,
    correlationId: 'corr-o-100',
    mails: [
      { mailId: SENT_MAIL.mailId, templateId: SENT_MAIL.templateId, status: 'sent' },
      { mailId: DEAD_MAIL.mailId, templateId: DEAD_MAIL.templateId, status: 'dead' },
    ],
    asOf: pos('5'),
  });
  await db.collection<RecipientView>(names.recipients).insertOne({
    _id: 'ada@example.test',
    email: 'ada@example.test',
    customerId: 'c-1',
    counts: { sent: 1, dead: 1 },
    total: 2,
    mails: [
      {
        mailId: DEAD_MAIL.mailId,
        templateId: DEAD_MAIL.templateId,
        status: 'dead',
        requestedAt: SEED_NOW - 5_000,
      },
      {
        mailId: SENT_MAIL.mailId,
        templateId: SENT_MAIL.templateId,
        status: 'sent',
        requestedAt: SEED_NOW - 5_000,
      },
    ],
    asOf: pos('5'),
  });
  await db.collection<TemplateDayView>(names.templateDays).insertMany([
    {
      _id: `order-confirmation:${SEED_DAY}`,
      templateId: 'order-confirmation',
      day: SEED_DAY,
      counts: { requested: 3, sent: 2, retries: 1 },
      latencySumMs: 6_000,
      latencyCount: 2,
      latencyMaxMs: 4_000,
    },
    {
      _id: `shipping-notice:${SEED_DAY}`,
      templateId: 'shipping-notice',
      day: SEED_DAY,
      counts: { requested: 1, dead: 1 },
      latencySumMs: 0,
      latencyCount: 0,
      latencyMaxMs: 0,
    },
    {
      _id: `order-confirmation:${OLD_DAY}`,
      templateId: 'order-confirmation',
      day: OLD_DAY,
      counts: { requested: 50 },
      latencySumMs: 0,
      latencyCount: 0,
      latencyMaxMs: 0,
    },
  ]);
  await db.collection<Checkpoint>(names.checkpoints).insertMany([
    {
      _id: 'mail.events:1',
      topic: 'mail.events',
      partition: 1,
      offset: '5',
      timestamp: SEED_NOW,
      updatedAt: SEED_NOW,
    },
    {
      _id: 'mail.requested:0',
      topic: 'mail.requested',
      partition: 0,
      offset: '7',
      timestamp: SEED_NOW - 5_000,
      updatedAt: SEED_NOW,
    },
  ]);
  await db.collection<PipelineHealth>(PIPELINE_HEALTH_COLLECTION).insertOne({
    _id: 'current',
    measuredAt: SEED_NOW,
    lag: [{ group: 'sender', topic: 'mail.requested', partition: 0, committed: '7', end: '1207', lag: 1200 }],
    dlq: [{ topic: 'mail.requested.dlq', records: 2 }],
    outbox: [{ database: 'mailfleet_translator', pending: 4, oldestPendingAgeMs: 12_000 }],
    errors: [],
  });
}
