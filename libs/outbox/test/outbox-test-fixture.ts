// What the outbox's int tests share: fresh orders and customers topics, the example shop writing its
// state and events in one transaction, an idempotent producer, and relays started on demand.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { CUSTOMERS_EVENTS, ORDERS_EVENTS, type TopicDefinition } from '@mailfleet/contracts';
import { createShopFixture, type ShopFixture } from '@mailfleet/example-orders';
import { createLogger } from '@mailfleet/logger';
import {
  createTestTopics,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  testTopics,
  uniqueName,
} from '@mailfleet/testing';
import { OutboxRelay, unpublishedCount, type RelayOptions } from '../src/index';

const logger = createLogger('outbox-test', 'silent');

export interface OutboxFixture {
  readonly topics: TopicDefinition[];
  readonly shop: ShopFixture;
  readonly producer: Producer;
  startRelay(options?: Partial<RelayOptions>): Promise<OutboxRelay>;
  /** Records not yet published. */
  pendingCount(): Promise<number>;
  close(): Promise<void>;
}

export async function createOutboxFixture(): Promise<OutboxFixture> {
  const topics = testTopics([ORDERS_EVENTS, CUSTOMERS_EVENTS]);
  await createTestTopics(topics);
  const shop = await createShopFixture({
    mongoUrl: mongoUrl(),
    registryUrl: schemaRegistryUrl(),
    dbName: uniqueName('outbox').replace(/-/g, '_'),
    ordersTopic: topics[0],
    customersTopic: topics[1],
  });
  const producer = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const relays: OutboxRelay[] = [];
  return {
    topics,
    shop,
    producer,
    async startRelay(options = {}) {
      const relay = new OutboxRelay({
        client: shop.client,
        db: shop.db,
        producer,
        logger,
        leaseMs: 3_000,
        pollIntervalMs: 200,
        ...options,
      });
      await relay.start();
      relays.push(relay);
      return relay;
    },
    pendingCount: () => unpublishedCount(shop.db),
    async close() {
      for (const r of relays.splice(0)) await r.stop();
      await producer.disconnect();
      await shop.db.dropDatabase();
      await shop.close();
    },
  };
}

/** Order lines adding up to about `bytes` of event. */
export const bigLines = (bytes: number) =>
  Array.from({ length: Math.ceil(bytes / 500) }, (_, i) => ({
    sku: `sku-${i}`,
    name: 'x'.repeat(480),
    quantity: 1,
    unitPriceMinor: 100,
  }));
