// The translator between the example upstream service and the mail topics, as the int tests use it:
// fresh topics, the shop with its outbox, the translator's database, one relay for each outbox (as
// deployed), and translator processes started on demand; plus the expected mail set of the rules.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { TOPICS, fleetTopics } from '@mailfleet/contracts';
import { createShopFixture, type CommittedFact, type ShopFixture } from '@mailfleet/example-orders';
import { createLogger } from '@mailfleet/logger';
import { OutboxRelay, collectionsFor, ensureOutboxIndexes, unpublishedCount } from '@mailfleet/outbox';
import {
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
  waitForGroupAtEnd,
  type CollectedRecord,
  type ServiceProcess,
} from '@mailfleet/testing';

export const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
const logger = createLogger('translator-test', 'silent');

export interface TranslatorFixture {
  readonly suffix: string;
  readonly shop: ShopFixture;
  readonly translatorDb: string;
  readonly mongo: MongoClient;
  readonly producer: Producer;
  /** The translator's consumer group. */
  readonly group: string;
  readonly processes: ServiceProcess[];
  startTranslator(extra?: Record<string, string>): Promise<ServiceProcess>;
  /**
   * Once the group has caught up, every decision is in the translator's outbox: waits until the relay has
   * published all of it and `topic` has been read to its end, so nothing decided can still be on its way.
   */
  waitForEverythingPublished(topic: { waitForEnd(): Promise<unknown> }): Promise<void>;
  waitForGroupToCatchUp(): Promise<unknown>;
  close(): Promise<void>;
}

export async function createTranslatorFixture(): Promise<TranslatorFixture> {
  const suffix = testTopicSuffix();
  await createTestTopics(testTopics(TOPICS, 3, suffix));
  const topics = fleetTopics(suffix);
  const shop = await createShopFixture({
    mongoUrl: mongoUrl(),
    registryUrl: schemaRegistryUrl(),
    dbName: uniqueName('shop').replace(/-/g, '_'),
    ordersTopic: topics.orders,
    customersTopic: topics.customers,
  });
  const mongo = new MongoClient(mongoUrl());
  await mongo.connect();
  const translatorDb = uniqueName('translator').replace(/-/g, '_');
  await ensureOutboxIndexes(mongo.db(translatorDb), collectionsFor(), 3600);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  // One relay for the shop's outbox, one for the translator's: as deployed.
  const relays = [shop.db, mongo.db(translatorDb)].map(
    (db) =>
      new OutboxRelay({
        client: db === shop.db ? shop.client : mongo,
        db,
        producer,
        logger,
        leaseMs: 3_000,
        pollIntervalMs: 200,
      }),
  );
  for (const r of relays) await r.start();
  const group = uniqueName('translator');
  const processes: ServiceProcess[] = [];
  return {
    suffix,
    shop,
    translatorDb,
    mongo,
    producer,
    group,
    processes,
    async startTranslator(extra = {}) {
      const p = startServiceProcess('translator', 'services/translator/src/main.ts', {
        KAFKA_BROKERS: kafkaBrokers().join(','),
        SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
        MONGO_URL: mongoUrl(),
        MONGO_DB: translatorDb,
        TOPIC_SUFFIX: suffix,
        CONSUMER_GROUP: group,
        OPS_PORT: String(await freePort()),
        LOG_LEVEL: 'info',
        ...extra,
      });
      processes.push(p);
      return p;
    },
    async waitForEverythingPublished(topic) {
      await waitFor('the translator outbox published', async () =>
        (await unpublishedCount(mongo.db(translatorDb))) === 0 ? true : undefined,
      );
      await topic.waitForEnd();
    },
    waitForGroupToCatchUp: () => waitForGroupAtEnd(group, [topics.orders.name, topics.customers.name]),
    async close() {
      for (const p of processes) await p.kill9();
      for (const r of relays) await r.stop();
      await producer.disconnect();
      await shop.db.dropDatabase();
      await mongo.db(translatorDb).dropDatabase();
      await shop.close();
      await mongo.close();
    },
  };
}

const MAIL_OF: Record<string, string> = {
  OrderPlaced: 'order-confirmation',
  OrderShipped: 'shipping-notice',
  OrderCancelled: 'cancellation-notice',
};

/** Every order fact of a registered customer gets its mail (the rules are confluent); the others stay parked. */
export function expectedMailIds(committed: readonly CommittedFact[]): string[] {
  const registered = new Set(
    committed.filter((c) => c.eventType === 'CustomerRegistered').map((c) => c.customerId),
  );
  return committed
    .filter((c) => MAIL_OF[c.eventType] && registered.has(c.customerId))
    .map((c) => `${MAIL_OF[c.eventType]}:${c.key}`)
    .sort();
}

/** The mailIds requested, and a check that each has exactly one MailRequested event (relay duplicates share its id). */
export function requestedMailIds(records: readonly CollectedRecord[]): string[] {
  const eventIdsByMail = new Map<string, Set<string>>();
  for (const r of records) eventIdsByMail.set(r.key, (eventIdsByMail.get(r.key) ?? new Set()).add(r.eventId));
  for (const [mailId, ids] of eventIdsByMail)
    expect({ mailId, events: ids.size }).toEqual({ mailId, events: 1 });
  return [...eventIdsByMail.keys()].sort();
}
