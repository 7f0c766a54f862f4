// The feedback service as the int tests use it: fresh topics, its own database with the outbox and a relay
// for it (as deployed), and the service as a real process with all three webhook formats configured.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { EventCodec, TOPICS, fleetTopics } from '@mailfleet/contracts';
import { createLogger } from '@mailfleet/logger';
import { OutboxRelay, collectionsFor, ensureOutboxIndexes, unpublishedCount } from '@mailfleet/outbox';
import {
  collectTopic,
  createTestTopics,
  freePort,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  startServiceProcess,
  testTopicSuffix,
  testTopics,
  uniqueName,
  waitFor,
  type ServiceProcess,
} from '@mailfleet/testing';
import {
  SENDGRID_SIGNATURE_HEADER,
  SENDGRID_TIMESTAMP_HEADER,
  signMailfleetWebhook,
  signMailgunWebhook,
} from '@mailfleet/webhooks';

export const DOMAIN = 'mail.example.test';
export const MAILFLEET_KEY = 'int-test-key-of-at-least-32-bytes!!';
export const MAILGUN_KEY = 'key-mailgun-int-test-signing-key-0001';
export const UNSUBSCRIBE_KEY = 'int-test-unsubscribe-key-of-32-bytes-or-more';

const logger = createLogger('feedback-test', 'silent');

export interface FeedbackFixture {
  readonly db: ReturnType<MongoClient['db']>;
  readonly events: Awaited<ReturnType<typeof collectTopic>>;
  /** The bounce listener's port (it listens when FEEDBACK_BOUNCE_DOMAIN is given). */
  readonly smtpPort: number;
  payloadOf(record: {
    partition: number;
    offset: string;
    value: Buffer | null;
  }): Promise<Record<string, unknown>>;
  /** POSTs `body` to the format's endpoint with `headers`; the status and the parsed answer. */
  post(
    path: string,
    body: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: unknown }>;
  /** The service's address of `path`. */
  url(path: string): string;
  mailfleetHeaders(body: string): Record<string, string>;
  /** The body with its `signature` made now under the Mailgun key. */
  signedMailgunBody(body: Record<string, unknown>): string;
  sendGridHeaders(body: string): Record<string, string>;
  metrics(): Promise<string>;
  /** Everything the service stored is on mail.events and read to its end. */
  waitForEverythingPublished(): Promise<void>;
  close(): Promise<void>;
}

export async function createFeedbackFixture(
  extra: (ports: { smtpPort: number }) => Record<string, string> = () => ({}),
): Promise<FeedbackFixture> {
  const suffix = testTopicSuffix();
  await createTestTopics(testTopics(TOPICS, 3, suffix));
  const mongo = new MongoClient(mongoUrl());
  await mongo.connect();
  const dbName = uniqueName('feedback').replace(/-/g, '_');
  const db = mongo.db(dbName);
  await ensureOutboxIndexes(db, collectionsFor(), 3600);
  const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const relay = new OutboxRelay({ client: mongo, db, producer, logger, leaseMs: 3_000, pollIntervalMs: 200 });
  await relay.start();
  const events = await collectTopic(fleetTopics(suffix).mailEvents.name);
  const sendGrid = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const port = await freePort();
  const opsPort = await freePort();
  const smtpPort = await freePort();
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [
    fleetTopics(suffix).mailEvents,
  ]);
  const processes: ServiceProcess[] = [
    startServiceProcess('feedback', 'services/feedback/src/main.ts', {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
      MONGO_URL: mongoUrl(),
      MONGO_DB: dbName,
      TOPIC_SUFFIX: suffix,
      OPS_PORT: String(opsPort),
      FEEDBACK_PORT: String(port),
      MESSAGE_ID_DOMAIN: DOMAIN,
      FEEDBACK_WEBHOOK_KEYS: MAILFLEET_KEY,
      MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY,
      SENDGRID_WEBHOOK_PUBLIC_KEY: (
        sendGrid.publicKey.export({ format: 'der', type: 'spki' }) as Buffer
      ).toString('base64'),
      FEEDBACK_SMTP_PORT: String(smtpPort),
      UNSUBSCRIBE_KEYS: UNSUBSCRIBE_KEY,
      LOG_LEVEL: 'info',
      ...extra({ smtpPort }),
    }),
  ];
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    'the feedback service ready',
    async () => {
      const r = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined);
      return r?.ok ? true : undefined;
    },
    60_000,
  );
  return {
    db,
    events,
    smtpPort,
    async payloadOf(record) {
      const decoded = await codec.decode(
        { topic: fleetTopics(suffix).mailEvents.name, partition: record.partition, offset: record.offset },
        record.value,
      );
      return decoded.payload as unknown as Record<string, unknown>;
    },
    async post(path, body, headers = {}) {
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      return { status: r.status, body: await r.json().catch(() => null) };
    },
    url: (path) => `${base}${path}`,
    mailfleetHeaders: (body) => signMailfleetWebhook(body, [MAILFLEET_KEY]),
    signedMailgunBody(body) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const token = uniqueName('token');
      return JSON.stringify({
        ...body,
        signature: { timestamp, token, signature: signMailgunWebhook(MAILGUN_KEY, timestamp, token) },
      });
    },
    sendGridHeaders: (body) => sendGridHeaders(body, sendGrid.privateKey),
    metrics: async () => (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text(),
    async waitForEverythingPublished() {
      await waitFor('the feedback outbox published', async () =>
        (await unpublishedCount(db)) === 0 ? true : undefined,
      );
      await events.waitForEnd();
    },
    async close() {
      for (const p of processes) await p.kill9();
      await events.stop();
      await relay.stop();
      await producer.disconnect();
      await db.dropDatabase();
      await mongo.close();
    },
  };
}

function sendGridHeaders(body: string, privateKey: KeyObject): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    [SENDGRID_TIMESTAMP_HEADER]: timestamp,
    [SENDGRID_SIGNATURE_HEADER]: sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64'),
  };
}

/** A counter's value in a Prometheus text exposition, 0 when absent. */
export function counter(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && wanted.every((w) => l.includes(w)));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}
