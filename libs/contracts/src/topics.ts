// Topic definitions live in code: the topics command creates and updates them from here, and the codec
// knows which event types may appear on which topic.
import type { EventType } from './generated/events';

export interface TopicDefinition {
  readonly name: string;
  /** What the record key is; all facts about one key keep their order. */
  readonly key: string;
  readonly partitions: number;
  /** -1 keeps records forever. */
  readonly retentionMs: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  readonly eventTypes: readonly EventType[];
}

const DAY = 24 * 60 * 60 * 1000;

/** Upstream facts are kept forever: the translator's replica and every projection are rebuilt from them. */
export const ORDERS_EVENTS: TopicDefinition = {
  name: 'orders.events',
  key: 'orderId',
  partitions: 6,
  retentionMs: -1,
  cleanupPolicy: 'delete',
  eventTypes: ['OrderPlaced', 'OrderShipped', 'OrderCancelled'],
};

export const CUSTOMERS_EVENTS: TopicDefinition = {
  name: 'customers.events',
  key: 'customerId',
  partitions: 6,
  retentionMs: -1,
  cleanupPolicy: 'delete',
  eventTypes: [
    'CustomerRegistered',
    'CustomerEmailChanged',
    'CustomerMailPreferencesChanged',
    'CustomerErased',
  ],
};

export const MAIL_REQUESTED: TopicDefinition = {
  name: 'mail.requested',
  key: 'mailId',
  partitions: 6,
  retentionMs: 90 * DAY,
  cleanupPolicy: 'delete',
  eventTypes: ['MailRequested'],
};

export const MAIL_EVENTS: TopicDefinition = {
  name: 'mail.events',
  key: 'mailId',
  partitions: 6,
  retentionMs: 90 * DAY,
  cleanupPolicy: 'delete',
  eventTypes: [
    'MailSent',
    'MailSendFailed',
    'MailDeadLettered',
    'MailDelivered',
    'MailBounced',
    'MailComplained',
    'MailUnsubscribed',
    'MailSuppressed',
    'MailRequestRejected',
    'MailParked',
  ],
};

export const TOPICS: readonly TopicDefinition[] = [
  ORDERS_EVENTS,
  CUSTOMERS_EVENTS,
  MAIL_REQUESTED,
  MAIL_EVENTS,
];

/** Dead letters keep the original bytes; a month is long enough for someone to look and replay. */
export const DLQ_RETENTION_MS = 30 * DAY;

/** The dead-letter topic of a topic. */
export const dlqTopicOf = (topic: string): string => `${topic}.dlq`;

/** The registry subject of an event type on a topic (TopicRecordNameStrategy; see docs/contracts.md). */
export const subjectOf = (topic: string, fullName: string): string => `${topic}-${fullName}`;

/** Replication settings by environment: one broker locally, three with min ISR 2 in production. */
export const REPLICATION = {
  local: { replicationFactor: 1, minInsyncReplicas: 1 },
  production: { replicationFactor: 3, minInsyncReplicas: 2 },
} as const;
export type ReplicationProfile = keyof typeof REPLICATION;

/**
 * The same topics under suffixed names (e.g. `orders.events.staging`): for several environments on one
 * cluster, and for tests that must not see each other's records.
 */
export const withTopicSuffix = (definitions: readonly TopicDefinition[], suffix: string): TopicDefinition[] =>
  definitions.map((d) => ({ ...d, name: `${d.name}${suffix}` }));

/** The fleet's topics by role, under their (optionally suffixed) names. */
export function fleetTopics(suffix = '') {
  const named = (d: TopicDefinition): TopicDefinition => ({ ...d, name: `${d.name}${suffix}` });
  return {
    orders: named(ORDERS_EVENTS),
    customers: named(CUSTOMERS_EVENTS),
    mailRequested: named(MAIL_REQUESTED),
    mailEvents: named(MAIL_EVENTS),
  };
}
