// Test wiring for the sender: isolated topics, database and consumer group, the sender as a process,
// its outbox relay in-process, and a publisher for MailRequested.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import { EventCodec, TOPICS, fleetTopics, newEnvelope, type MailRequested } from '@mailfleet/contracts';
import { EventPublisher } from '@mailfleet/kafka';
import { createLogger } from '@mailfleet/logger';
import { OutboxRelay, collectionsFor, ensureOutboxIndexes } from '@mailfleet/outbox';
import {
  armSinkFault,
  collectTopic,
  customerErasedEvent,
  feedbackEvents,
  startTcpProxy,
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
  type FeedbackItem,
  type ServiceProcess,
} from '@mailfleet/testing';
import { AttachmentStore } from '@mailfleet/attachments';
import { stackEndpoints } from '@mailfleet/config';

export async function createSenderFixture(partitions = 3) {
  const suffix = testTopicSuffix();
  await createTestTopics(testTopics(TOPICS, partitions, suffix));
  const topics = fleetTopics(suffix);
  const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const mongo = new MongoClient(mongoUrl());
  await mongo.connect();
  const dbName = uniqueName('sender').replace(/-/g, '_');
  const db = mongo.db(dbName);
  await ensureOutboxIndexes(db, collectionsFor(), 3600);
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const relay = new OutboxRelay({
    client: mongo,
    db,
    producer,
    logger: createLogger('relay', 'silent'),
    leaseMs: 3_000,
    pollIntervalMs: 200,
  });
  await relay.start();
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [
    topics.mailRequested,
    topics.mailEvents,
    topics.customers,
  ]);
  await codec.register();
  const publisher = new EventPublisher(kafka, codec);
  await publisher.connect();
  const events = await collectTopic(topics.mailEvents.name);
  const group = uniqueName('sender');
  const domain = `${uniqueName('m')}.test`;
  const processes: ServiceProcess[] = [];
  const opsPorts = new Map<ServiceProcess, number>();
  const run = uniqueName('r');

  return {
    topics,
    db,
    mongo,
    attachments: new AttachmentStore(db),
    events,
    domain,
    group,
    /** A MailRequested for a recipient no other test uses. */
    request(name: string, change: Partial<MailRequested> = {}): MailRequested {
      const mailId = `order-confirmation:${run}-${name}`;
      return {
        mailId,
        templateId: 'order-confirmation',
        templateVersion: 1,
        recipient: { customerId: 'c-1', email: `${run}-${name}@example.test`, name: 'Ada' },
        locale: 'en',
        templateData: JSON.stringify({
          orderId: `${run}-${name}`,
          currency: 'EUR',
          lines: [],
          totalMinor: 100,
          shippingMinor: 0,
        }),
        attachments: [],
        priority: 'NORMAL',
        requestedAt: Date.now(),
        notBefore: null,
        digest: null,
        category: null,
        ...change,
      };
    },
    async publish(requests: readonly MailRequested[], eventIds?: readonly string[]) {
      await publisher.publish(
        requests.map((payload, i) => ({
          topic: topics.mailRequested.name,
          key: payload.mailId,
          envelope: {
            ...newEnvelope({
              eventType: 'MailRequested',
              producer: 'test',
              eventId: eventIds?.[i] ?? uuidv7(),
              now: new Date(),
            }),
            eventType: 'MailRequested' as const,
          },
          payload,
        })),
      );
    },
    /** Delivery feedback on mail.events, as the feedback service publishes it. */
    async publishFeedback(items: readonly FeedbackItem[]) {
      await publisher.publish(feedbackEvents(topics.mailEvents.name, items));
    },
    /** CustomerErased on customers.events, as the customer service publishes it. */
    async publishErasure(customerId: string) {
      await publisher.publish([customerErasedEvent(topics.customers.name, customerId)]);
    },
    async startSender(extra: Record<string, string> = {}): Promise<ServiceProcess> {
      const opsPort = await freePort();
      const { smtp } = stackEndpoints();
      const p = startServiceProcess('sender', 'services/sender/src/main.ts', {
        KAFKA_BROKERS: kafkaBrokers().join(','),
        SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
        MONGO_URL: mongoUrl(),
        MONGO_DB: dbName,
        ATTACHMENTS_DB: dbName,
        TOPIC_SUFFIX: suffix,
        CONSUMER_GROUP: group,
        OPS_PORT: String(opsPort),
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        MESSAGE_ID_DOMAIN: domain,
        SENDER_RETRY_INITIAL_MS: '200',
        SENDER_RETRY_MAX_MS: '1000',
        SENDER_POLL_INTERVAL_MS: '100',
        SMTP_TIMEOUT_MS: '3000',
        LOG_LEVEL: 'info',
        ...extra,
      });
      processes.push(p);
      opsPorts.set(p, opsPort);
      return p;
    },
    opsUrl: (p: ServiceProcess) => `http://127.0.0.1:${opsPorts.get(p)}`,
    /** Arms a fault on the shared sink (scope it by recipient). */
    arm: armSinkFault,
    /** A TCP proxy in front of MongoDB that the test can cut, and the URL that goes through it. */
    async mongoProxy() {
      const parts = /^(mongodb:\/\/)([^@/]*@)?([^/?]+)\/?([^?]*)\??(.*)$/.exec(mongoUrl());
      if (!parts) throw new Error('the MongoDB URL cannot be proxied (mongodb+srv?)');
      const [host, port] = (parts[3] ?? '').split(',')[0]!.split(':');
      const proxy = await startTcpProxy(host ?? '127.0.0.1', Number(port ?? 27017));
      const params = new URLSearchParams(parts[5] ?? '');
      params.delete('replicaSet');
      params.set('directConnection', 'true');
      const url = `${parts[1]}${parts[2] ?? ''}127.0.0.1:${proxy.port}/${parts[4] ?? ''}?${params.toString()}`;
      return { url, cut: proxy.cut, restore: proxy.restore, close: proxy.close };
    },
    /** The member ids of the sender's consumer group right now. */
    async groupMemberIds() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const { groups } = await admin.describeGroups([group]);
        return (groups[0]?.members ?? []).map((m) => m.memberId).sort();
      } finally {
        await admin.disconnect();
      }
    },
    /** The decoded payload of a collected mail event. */
    async payloadOf(record: { partition: number; offset: string; value: Buffer | null }) {
      const decoded = await codec.decode(
        { topic: topics.mailEvents.name, partition: record.partition, offset: record.offset },
        record.value,
      );
      return decoded.payload as unknown as Record<string, unknown>;
    },
    /** Mail events of one type for one mail, in the order they were published. */
    eventsFor: (mailId: string, eventType?: string) =>
      events.records.filter((r) => r.key === mailId && (!eventType || r.eventType === eventType)),
    async waitForEvents(mailId: string, eventType: string, count: number, timeoutMs = 60_000) {
      return waitFor(
        `${count} ${eventType} for ${mailId}`,
        async () => {
          const found = events.records.filter((r) => r.key === mailId && r.eventType === eventType);
          return found.length >= count ? found : undefined;
        },
        timeoutMs,
      );
    },
    async close() {
      for (const p of processes) await p.kill9();
      await events.stop();
      await publisher.disconnect();
      await relay.stop();
      await producer.disconnect();
      await db.dropDatabase();
      await mongo.close();
    },
  };
}

export type SenderFixture = Awaited<ReturnType<typeof createSenderFixture>>;
