// The outbox writer against the real broker and the local MongoDB server (or MONGO_URL): a committed
// transaction publishes its events, an aborted or invalid one nothing, an oversized event is refused.
import { newEnvelope } from '@mailfleet/contracts';
import { SAMPLE_EVENTS, collectTopic, uniqueName, waitFor } from '@mailfleet/testing';
import { OutboxRecordTooLargeError } from './index';

import { bigLines, createOutboxFixture, type OutboxFixture } from '../test/outbox-test-fixture';

let f: OutboxFixture;
beforeEach(async () => {
  f = await createOutboxFixture();
});
afterEach(() => f.close());

test('a committed transaction is published once with its headers; an aborted one publishes nothing', async () => {
  const orders = await collectTopic(f.topics[0]!.name);
  await f.startRelay();
  const kept = await f.shop.shop.placeOrder(
    { ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-kept' },
    { correlationId: 'corr-1' },
  );
  await expect(
    f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-rolled-back' }, { abort: true }),
  ).rejects.toThrow('rolled back on purpose');
  const after = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-after' });
  try {
    await orders.waitForEventIds([kept, after]);
    await waitFor('the outbox to be marked', async () => ((await f.pendingCount()) === 0 ? true : undefined));
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
  expect(await f.shop.db.collection('orders').countDocuments({ _id: 'o-rolled-back' as never })).toBe(0);
});

test('an invalid event aborts the whole transaction, business write included', async () => {
  const bad = { ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-bad', totalMinor: 12.5 };
  await expect(f.shop.shop.placeOrder(bad)).rejects.toThrow(
    'OrderPlaced.totalMinor: expected long, got 12.5',
  );
  expect(await f.shop.db.collection('orders').countDocuments({})).toBe(0);
  expect(await f.shop.db.collection('outbox').countDocuments({})).toBe(0);
});

test('outbox.add outside a transaction is refused', async () => {
  const session = f.shop.client.startSession();
  try {
    const envelope = newEnvelope({
      eventType: 'OrderPlaced',
      producer: 't',
      eventId: uniqueName('e'),
      now: new Date(),
    });
    await expect(
      f.shop.outbox.add(session, {
        topic: f.topics[0]!.name,
        key: 'k',
        envelope,
        payload: SAMPLE_EVENTS.OrderPlaced,
      }),
    ).rejects.toThrow('must be called inside a transaction');
  } finally {
    await session.endSession();
  }
});

test('an event above the size limit is refused before commit, with an error the upstream can act on; its state change is rolled back', async () => {
  const huge = { ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-huge', lines: bigLines(1_200_000) };
  const err = await f.shop.shop.placeOrder(huge).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OutboxRecordTooLargeError);
  expect((err as Error).message).toMatch(
    /OrderPlaced for key "o-huge" on .* is \d+ bytes encoded; the outbox takes at most 1000000/,
  );
  expect(await f.shop.db.collection('orders').countDocuments({ _id: 'o-huge' as never })).toBe(0);
  expect(await f.shop.db.collection('outbox').countDocuments({})).toBe(0);
});

test("a writer's own aggregate versions are the records' seqs: no counter round trip, and the relay keeps their order across a restart", async () => {
  const orders = await collectTopic(f.topics[0]!.name);
  const counters = f.shop.db.collection('outbox_keys');
  const placed = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-v' });
  const shipped = await f.shop.shop.shipOrder('o-v', 'c-1', 'DHL', 'T-1');
  const records = await f.shop.db.collection('outbox').find({}).sort({ seq: 1 }).toArray();
  expect(records.map((r) => [r['_id'], r['seq']])).toEqual([
    [placed, 1],
    [shipped, 2],
  ]);
  // The shop's order document carries the version; the outbox wrote no counter of its own.
  expect(await f.shop.db.collection('orders').findOne({ _id: 'o-v' as never })).toMatchObject({ version: 2 });
  expect(await counters.countDocuments({})).toBe(0);
  const first = await f.startRelay();
  try {
    await orders.waitForEventIds([placed, shipped]);
    await waitFor('the outbox to be marked', async () => ((await f.pendingCount()) === 0 ? true : undefined));
    // Relaying from the change stream writes no per-key position either: a relay that starts afresh
    // continues from the shards' checkpoints, so nothing goes out twice.
    expect(await counters.countDocuments({})).toBe(0);
    await first.stop();
    const cancelled = await f.shop.shop.cancelOrder('o-v', 'c-1', 'changed my mind');
    await f.startRelay();
    await orders.waitForEventIds([cancelled]);
    await orders.waitForEnd();
    expect(orders.records.map((r) => r.eventId)).toEqual([placed, shipped, cancelled]);
  } finally {
    await orders.stop();
  }
});

test('versions that are not whole numbers from 1, or a key with and without them, are refused before anything is written', async () => {
  const add = (events: { key: string; version?: number }[]) => addOrders(events);
  await expect(add([{ key: 'k1', version: 0 }])).rejects.toThrow('must be a whole number from 1');
  await expect(add([{ key: 'k1', version: 1.5 }])).rejects.toThrow('must be a whole number from 1');
  await expect(add([{ key: 'k1', version: 1 }, { key: 'k1' }])).rejects.toThrow(
    'has events with and without a version',
  );
  expect(await f.shop.db.collection('outbox').countDocuments({})).toBe(0);
});

test("a polling relay that crashed between a mark's two writes (key position written, records still pending) publishes them again and the key goes on", async () => {
  const orders = await collectTopic(f.topics[0]!.name);
  const placed = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-crash' });
  const shipped = await f.shop.shop.shipOrder('o-crash', 'c-1', 'DHL', 'T-2');
  // The state such a crash leaves: the position says 2, both records are still pending.
  await f.shop.db
    .collection('outbox_keys')
    .insertOne({ _id: `${f.topics[0]!.name}\u0000o-crash` as never, publishedSeq: 2 });
  const cancelled = await f.shop.shop.cancelOrder('o-crash', 'c-1', 'too late');
  await f.startRelay({ useChangeStream: false });
  try {
    await orders.waitForEventIds([placed, shipped, cancelled]);
    await waitFor('the outbox to be marked', async () => ((await f.pendingCount()) === 0 ? true : undefined));
    await orders.waitForEnd();
  } finally {
    await orders.stop();
  }
  expect(orders.records.map((r) => r.eventId)).toEqual([placed, shipped, cancelled]);
});

test('one call over new and existing keys numbers each key on from its counter, several events of a key in list order', async () => {
  const add = (keys: string[]) => addOrders(keys.map((key) => ({ key })));
  // All new: every counter is created by the call itself.
  expect(await add(['k-a', 'k-b', 'k-a'])).toEqual([1, 1, 2]);
  // Mixed: k-a and k-b exist (read back), k-c and k-d are new (taken from the write's upserts).
  expect(await add(['k-c', 'k-a', 'k-b', 'k-c', 'k-d', 'k-a'])).toEqual([1, 3, 2, 2, 1, 4]);
  const counters = await f.shop.db.collection<{ _id: string; seq: number }>('outbox_keys').find({}).toArray();
  expect(Object.fromEntries(counters.map((c) => [c._id.split('\u0000')[1], c.seq]))).toEqual({
    'k-a': 4,
    'k-b': 2,
    'k-c': 2,
    'k-d': 1,
  });
});

/** OrderPlaced events for `events`' keys (with their versions, if any) added in one transaction; their seqs. */
async function addOrders(events: readonly { key: string; version?: number }[]): Promise<number[]> {
  let seqs: number[] = [];
  await f.shop.client.withSession((session) =>
    session.withTransaction(async () => {
      seqs = await f.shop.outbox.addMany(
        session,
        events.map(({ key, version }) => ({
          topic: f.topics[0]!.name,
          key,
          envelope: newEnvelope({
            eventType: 'OrderPlaced',
            producer: 't',
            eventId: uniqueName('e'),
            now: new Date(),
          }),
          payload: { ...SAMPLE_EVENTS.OrderPlaced, orderId: key },
          ...(version === undefined ? {} : { version }),
        })),
      );
    }),
  );
  return seqs;
}
