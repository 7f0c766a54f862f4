// Kafka unavailable for a while: the relay keeps retrying, reports it, loses nothing, reorders nothing.
// Uses a broker of its own, so stopping it disturbs no other test.
import { Kafka, logLevel } from 'kafkajs';
import { Registry } from 'prom-client';
import { CUSTOMERS_EVENTS, ORDERS_EVENTS } from '@mailfleet/contracts';
import { createShopFixture, generateLoad } from '@mailfleet/example-orders';
import { createLogger } from '@mailfleet/logger';
import {
  collectTopic,
  createTestTopics,
  firstSeenOrderByKey,
  mongoUrl,
  schemaRegistryUrl,
  testTopics,
  uniqueName,
  waitFor,
} from '@mailfleet/testing';
import { startPrivateBroker } from '../../../tools/stack/private-broker';
import { OutboxRelay } from './index';

test('broker stopped for a while, then started: everything arrives with per-key order intact', async () => {
  const broker = await startPrivateBroker();
  const topics = testTopics([ORDERS_EVENTS, CUSTOMERS_EVENTS]);
  await createTestTopics(topics, broker.brokers);
  const fixture = await createShopFixture({
    mongoUrl: mongoUrl(),
    registryUrl: schemaRegistryUrl(),
    dbName: uniqueName('outage').replace(/-/g, '_'),
    ordersTopic: topics[0],
    customersTopic: topics[1],
  });
  const kafka = new Kafka({
    brokers: broker.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 200 },
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const metrics = new Registry();
  const relay = new OutboxRelay({
    client: fixture.client,
    db: fixture.db,
    producer,
    logger: createLogger('t', 'silent'),
    metrics,
    leaseMs: 3_000,
    pollIntervalMs: 200,
  });
  await relay.start();
  const orders = await collectTopic(topics[0]!.name, broker.brokers);
  try {
    const before = await generateLoad(fixture.shop, { orders: 10, seed: 21, idPrefix: uniqueName('pre') });
    const beforeOrders = before.committed
      .filter((c) => c.eventType.startsWith('Order'))
      .map((c) => c.eventId);
    await orders.waitForEventIds(beforeOrders);

    await broker.stop();
    const during = await generateLoad(fixture.shop, { orders: 10, seed: 22, idPrefix: uniqueName('mid') });
    await waitFor(
      'the relay to report the outage',
      async () => (relay.isHealthy() ? undefined : true),
      60_000,
    );
    const errors = (await metrics.getSingleMetric('outbox_relay_errors_total')?.get())?.values ?? [];
    expect(errors.find((v) => v.labels['stage'] === 'publish')?.value).toBeGreaterThan(0);
    await broker.start();

    const all = [...before.committed, ...during.committed].filter((c) => c.eventType.startsWith('Order'));
    await orders.waitForEventIds(
      all.map((c) => c.eventId),
      120_000,
    );
    const expected = new Map<string, string[]>();
    for (const c of all) expected.set(c.key, [...(expected.get(c.key) ?? []), c.eventId]);
    expect(firstSeenOrderByKey(orders.records)).toEqual(expected);
  } finally {
    await orders.stop().catch(() => undefined);
    await relay.stop();
    await producer.disconnect();
    await fixture.db.dropDatabase();
    await fixture.close();
    await broker.close();
  }
});
