// The outbox against the real broker and the local MongoDB server (or MONGO_URL).
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { CUSTOMERS_EVENTS, ORDERS_EVENTS, newEnvelope, type TopicDefinition } from '@mailfleet/contracts';
import { createShopFixture, generateLoad, type ShopFixture } from '@mailfleet/example-orders';
import { createLogger } from '@mailfleet/logger';
import {
  SAMPLE_EVENTS,
  collectTopic,
  createTestTopics,
  firstSeenOrderByKey,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  startTcpProxy,
  testTopics,
  uniqueName,
  waitFor,
} from '@mailfleet/testing';
import {
  Outbox,
  OutboxRecordTooLargeError,
  OutboxRelay,
  listQuarantined,
  requeueQuarantined,
  type RelayOptions,
} from './index';

const logger = createLogger('outbox-test', 'silent');
let topics: TopicDefinition[];
let fixture: ShopFixture;
let producer: Producer;
const relays: OutboxRelay[] = [];

beforeEach(async () => {
  topics = testTopics([ORDERS_EVENTS, CUSTOMERS_EVENTS]);
  await createTestTopics(topics);
  fixture = await createShopFixture({
    mongoUrl: mongoUrl(),
    registryUrl: schemaRegistryUrl(),
    dbName: uniqueName('outbox').replace(/-/g, '_'),
    ordersTopic: topics[0],
    customersTopic: topics[1],
  });
  producer = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
});

afterEach(async () => {
  for (const r of relays.splice(0)) await r.stop();
  await producer.disconnect();
  await fixture.db.dropDatabase();
  await fixture.close();
});

async function startRelay(options: Partial<RelayOptions> = {}): Promise<OutboxRelay> {
  const relay = new OutboxRelay({
    client: fixture.client,
    db: fixture.db,
    producer,
    logger,
    leaseMs: 3_000,
    pollIntervalMs: 200,
    ...options,
  });
  await relay.start();
  relays.push(relay);
  return relay;
}

const pendingCount = () => fixture.db.collection('outbox').countDocuments({ pending: true });

test('a committed transaction is published once with its headers; an aborted one publishes nothing', async () => {
  const orders = await collectTopic(topics[0]!.name);
  await startRelay();
  const kept = await fixture.shop.placeOrder(
    { ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-kept' },
    { correlationId: 'corr-1' },
  );
  await expect(
    fixture.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-rolled-back' }, { abort: true }),
  ).rejects.toThrow('rolled back on purpose');
  const after = await fixture.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-after' });
  try {
    await orders.waitForEventIds([kept, after]);
    await waitFor('the outbox to be marked', async () => ((await pendingCount()) === 0 ? true : undefined));
    // Marked means acknowledged by Kafka: whatever the relay sent is in the topic now; read all of it.
    await orders.waitForEnd();
  } finally {
    await orders.stop();
  }
  expect(orders.records.map((r) => r.key).sort()).toEqual(['o-after', 'o-kept']);
  const record = orders.records.find((r) => r.eventId === kept);
  expect(record?.headers).toMatchObject({
    'event-type': 'OrderPlaced',
    'correlation-id': 'corr-1',
    'causation-id': kept,
    producer: 'example-order-service',
  });
  expect(await fixture.db.collection('orders').countDocuments({ _id: 'o-rolled-back' as never })).toBe(0);
});

test('an invalid event aborts the whole transaction, business write included', async () => {
  const bad = { ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-bad', totalMinor: 12.5 };
  await expect(fixture.shop.placeOrder(bad)).rejects.toThrow(
    'OrderPlaced.totalMinor: expected long, got 12.5',
  );
  expect(await fixture.db.collection('orders').countDocuments({})).toBe(0);
  expect(await fixture.db.collection('outbox').countDocuments({})).toBe(0);
});

test('outbox.add outside a transaction is refused', async () => {
  const session = fixture.client.startSession();
  try {
    const envelope = newEnvelope({
      eventType: 'OrderPlaced',
      producer: 't',
      eventId: uniqueName('e'),
      now: new Date(),
    });
    await expect(
      fixture.outbox.add(session, {
        topic: topics[0]!.name,
        key: 'k',
        envelope,
        payload: SAMPLE_EVENTS.OrderPlaced,
      }),
    ).rejects.toThrow('must be called inside a transaction');
  } finally {
    await session.endSession();
  }
});

test('a load with rolled-back commands publishes exactly the committed facts, each key in commit order', async () => {
  const orders = await collectTopic(topics[0]!.name);
  const customers = await collectTopic(topics[1]!.name);
  await startRelay();
  const load = await generateLoad(fixture.shop, {
    orders: 40,
    seed: 7,
    abortRatio: 0.2,
    idPrefix: uniqueName('l'),
  });
  expect(load.aborted).toBeGreaterThan(0);
  const ids = load.committed.map((c) => c.eventId);
  try {
    await waitFor('every committed fact', async () =>
      new Set([...orders.records, ...customers.records].map((r) => r.eventId)).size >= ids.length
        ? true
        : undefined,
    );
    await waitFor('the outbox to be marked', async () => ((await pendingCount()) === 0 ? true : undefined));
  } finally {
    await orders.stop();
    await customers.stop();
  }
  const all = [...orders.records, ...customers.records];
  expect(all.map((r) => r.eventId).sort()).toEqual([...ids].sort());
  const expected = new Map<string, string[]>();
  for (const c of load.committed) expected.set(c.key, [...(expected.get(c.key) ?? []), c.eventId]);
  const seen = new Map([...firstSeenOrderByKey(orders.records), ...firstSeenOrderByKey(customers.records)]);
  expect(seen).toEqual(expected);
});

test('the relay wakes on the change stream: with a one-minute sweep interval a record still goes out at once', async () => {
  const relay = await startRelay({ pollIntervalMs: 60_000, leaseMs: 600_000 });
  await waitFor('the relay to hold its leases', async () => (relay.isHealthy() ? true : undefined));
  await new Promise((r) => setTimeout(r, 500));
  const orders = await collectTopic(topics[0]!.name);
  try {
    const id = await fixture.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-streamed' });
    await orders.waitForEventIds([id], 15_000);
  } finally {
    await orders.stop();
  }
});

test('without change streams the relay sweeps by polling', async () => {
  await startRelay({ useChangeStream: false, pollIntervalMs: 100 });
  const orders = await collectTopic(topics[0]!.name);
  try {
    const id = await fixture.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-polled' });
    await orders.waitForEventIds([id]);
  } finally {
    await orders.stop();
  }
});

test('MongoDB unavailable for a while (stream broken too): the relay reports it, resumes by itself and loses nothing', async () => {
  const url = new URL(mongoUrl().replace(/^mongodb:/, 'http:'));
  const proxy = await startTcpProxy(url.hostname, Number(url.port || 27017));
  const proxied = new MongoClient(
    mongoUrl().replace(`${url.hostname}:${url.port}`, `127.0.0.1:${proxy.port}`),
    {
      serverSelectionTimeoutMS: 1_000,
      directConnection: true,
    },
  );
  const relay = new OutboxRelay({
    client: proxied,
    db: proxied.db(fixture.db.databaseName),
    producer,
    logger,
    leaseMs: 3_000,
    pollIntervalMs: 30_000,
  });
  await relay.start();
  const orders = await collectTopic(topics[0]!.name);
  try {
    const before = await fixture.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-before' });
    await orders.waitForEventIds([before]);
    // Cut only after its mark committed: a cut inside the mark transaction leaves that transaction open
    // on the server (mongod too) until its 60 s lifetime ends, and the relay waits that long — true, but
    // not what this test is about.
    await waitFor('the record to be marked', async () => ((await pendingCount()) === 0 ? true : undefined));
    proxy.cut();
    const during = [];
    for (let i = 0; i < 5; i++)
      during.push(await fixture.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: `o-during-${i}` }));
    await waitFor('the relay to notice the outage', async () => (relay.isHealthy() ? undefined : true));
    proxy.restore();
    await orders.waitForEventIds([before, ...during]);
    // Health comes back with the relay's next successful round, right after the records or soon after.
    await waitFor(
      'the relay to report healthy again',
      async () => (relay.isHealthy() ? true : undefined),
      30_000,
    );
  } finally {
    await orders.stop();
    await relay.stop();
    await proxied.close();
    await proxy.close();
  }
});

test('a transaction held open while later ones commit and go out is still published when it commits, and a later writer of its key comes after it (ThreeDotsLabs/watermill#311)', async () => {
  const orders = await collectTopic(topics[0]!.name);
  await startRelay();
  const event = (orderId: string) => ({
    topic: topics[0]!.name,
    key: orderId,
    envelope: newEnvelope({
      eventType: 'OrderPlaced',
      producer: 'outbox-test',
      eventId: randomUUID(),
      now: new Date(),
    }),
    payload: { ...SAMPLE_EVENTS.OrderPlaced, orderId },
  });
  const write = (e: ReturnType<typeof event>) =>
    fixture.client.withSession((s) => s.withTransaction(() => fixture.outbox.add(s, e)));

  // Its record gets its id, time and sequence number now, before the later ones — and commits last.
  const held = fixture.client.startSession();
  held.startTransaction();
  const first = event('o-held');
  await fixture.outbox.add(held, first);
  const later = [];
  for (let i = 0; i < 5; i++) {
    const e = event(`o-later-${i}`);
    await write(e);
    later.push(e.envelope.eventId);
  }
  await orders.waitForEventIds(later);
  // A writer of the same key waits for the held one (the per-key counter) and must be published after it.
  const second = event('o-held');
  const secondWrite = write(second);
  // A record of another key committed after both: once it is out, the relay has had a round in which it
  // could have published (out of order) anything of o-held that was visible.
  const sentinel = event('o-sentinel');
  await write(sentinel);
  await orders.waitForEventIds([sentinel.envelope.eventId]);
  await orders.waitForEnd();
  expect(orders.records.map((r) => r.eventId)).not.toContain(first.envelope.eventId);
  expect(orders.records.map((r) => r.eventId)).not.toContain(second.envelope.eventId);
  await held.commitTransaction();
  await held.endSession();
  await secondWrite;
  await orders.waitForEventIds([first.envelope.eventId, second.envelope.eventId]);
  expect(firstSeenOrderByKey(orders.records).get('o-held')).toEqual([
    first.envelope.eventId,
    second.envelope.eventId,
  ]);
  await orders.stop();
});

test('published records are marked with publishedAt and expire after the configured retention (TTL index)', async () => {
  await startRelay({ retentionSeconds: 120 });
  const id = await fixture.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-ttl' });
  await waitFor('the record to be marked', async () => ((await pendingCount()) === 0 ? true : undefined));
  const record = await fixture.db.collection('outbox').findOne({ _id: id as never });
  expect(record?.['publishedAt']).toBeInstanceOf(Date);
  const indexes = await fixture.db.collection('outbox').listIndexes().toArray();
  expect(indexes.find((i) => i['name'] === 'published_ttl')).toMatchObject({
    key: { publishedAt: 1 },
    expireAfterSeconds: 120,
  });
});

const bigLines = (bytes: number) =>
  Array.from({ length: Math.ceil(bytes / 500) }, (_, i) => ({
    sku: `sku-${i}`,
    name: 'x'.repeat(480),
    quantity: 1,
    unitPriceMinor: 100,
  }));

test('an event above the size limit is refused before commit, with an error the upstream can act on; its state change is rolled back', async () => {
  const huge = { ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-huge', lines: bigLines(1_200_000) };
  const err = await fixture.shop.placeOrder(huge).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutboxRecordTooLargeError);
  expect((err as Error).message).toMatch(
    /OrderPlaced for key "o-huge" on .* is \d+ bytes encoded; the outbox takes at most 1000000/,
  );
  expect(await fixture.db.collection('orders').countDocuments({ _id: 'o-huge' as never })).toBe(0);
  expect(await fixture.db.collection('outbox').countDocuments({})).toBe(0);
});

test('a record Kafka refuses for good is quarantined while the other keys flow; its key waits, in order, until an operator requeues it', async () => {
  const orders = await collectTopic(topics[0]!.name);
  // Written with a larger limit than the topic's (as an older writer, or a topic limit lowered later).
  const lenient = new Outbox(fixture.db, fixture.codec, { maxRecordBytes: 5_000_000 });
  const write = (orderId: string, key: string, lines = SAMPLE_EVENTS.OrderPlaced.lines) =>
    fixture.client.withSession((session) =>
      session.withTransaction(() =>
        lenient.add(session, {
          topic: topics[0]!.name,
          key,
          envelope: {
            ...newEnvelope({
              eventType: 'OrderPlaced',
              producer: 'test',
              eventId: uniqueName('e'),
              now: new Date(),
            }),
            eventType: 'OrderPlaced' as const,
          },
          payload: { ...SAMPLE_EVENTS.OrderPlaced, orderId, lines },
        }),
      ),
    );
  await write('big-1', 'k-big', bigLines(2_000_000));
  await write('big-2', 'k-big');
  for (let i = 0; i < 5; i++) await write(`other-${i}`, `k-other-${i}`);
  try {
    await startRelay();
    await waitFor('the other keys', async () => (orders.records.length >= 5 ? true : undefined), 30_000);
    const quarantined = await waitFor('the quarantine', async () => {
      const q = await listQuarantined(fixture.db);
      return q.length === 1 ? q : undefined;
    });
    expect(quarantined[0]).toMatchObject({ key: 'k-big', seq: 1, pending: false });
    expect(quarantined[0]?.quarantined?.reason).toContain('MESSAGE_TOO_LARGE');
    // The next record of that key waits behind it: still pending, not on the topic.
    expect(await fixture.db.collection('outbox').findOne({ key: 'k-big', seq: 2 })).toMatchObject({
      pending: true,
    });
    expect(orders.records.filter((r) => r.key === 'k-big')).toEqual([]);

    // The operator raises the topic's limit and requeues: both follow, in order.
    const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: 2, name: topics[0]!.name, configEntries: [{ name: 'max.message.bytes', value: '4000000' }] },
      ],
    });
    await admin.disconnect();
    expect(await requeueQuarantined(fixture.db, quarantined[0]!._id)).toBe(true);
    expect(await requeueQuarantined(fixture.db, quarantined[0]!._id)).toBe(false);
    await waitFor(
      'the held key',
      async () => (orders.records.filter((r) => r.key === 'k-big').length >= 2 ? true : undefined),
      30_000,
    );
    const inSeqOrder = (
      await fixture.db.collection('outbox').find({ key: 'k-big' }).sort({ seq: 1 }).toArray()
    ).map((r) => String(r['_id']));
    expect(firstSeenOrderByKey(orders.records).get('k-big')).toEqual(inSeqOrder);
    // Published is marked just after: nothing is left pending once the marks are written.
    await waitFor('every record marked', async () => ((await pendingCount()) === 0 ? true : undefined));
  } finally {
    await orders.stop();
  }
}, 120_000);
