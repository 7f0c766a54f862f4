// The outbox relay against the real broker and the local MongoDB server (or MONGO_URL): commit order per
// key, wake-ups and sweeps, MongoDB away, a transaction held open (watermill#311), retention, quarantine.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient, Timestamp } from 'mongodb';
import { Registry } from 'prom-client';
import { newEnvelope } from '@mailfleet/contracts';
import { generateLoad } from '@mailfleet/example-orders';
import { createLogger } from '@mailfleet/logger';
import {
  SAMPLE_EVENTS,
  collectTopic,
  firstSeenOrderByKey,
  kafkaBrokers,
  mongoUrl,
  startTcpProxy,
  uniqueName,
  waitFor,
} from '@mailfleet/testing';
import { Outbox, OutboxRelay, listQuarantined, requeueQuarantined } from './index';

import { bigLines, createOutboxFixture, type OutboxFixture } from '../test/outbox-test-fixture';

let f: OutboxFixture;
beforeEach(async () => {
  f = await createOutboxFixture();
});
afterEach(() => f.close());

test('a load with rolled-back commands publishes exactly the committed facts, each key in commit order', async () => {
  const orders = await collectTopic(f.topics[0]!.name);
  const customers = await collectTopic(f.topics[1]!.name);
  await f.startRelay();
  const load = await generateLoad(f.shop.shop, {
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
    await waitFor('the outbox to be marked', async () => ((await f.pendingCount()) === 0 ? true : undefined));
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
  const relay = await f.startRelay({ pollIntervalMs: 60_000, leaseMs: 600_000 });
  await waitFor('the relay to hold its leases', async () => (relay.isHealthy() ? true : undefined));
  // Past its first sweep and asleep on the stream: what follows can only go out through a wake-up.
  await new Promise((r) => setTimeout(r, 500));
  const orders = await collectTopic(f.topics[0]!.name);
  try {
    const id = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-streamed' });
    await orders.waitForEventIds([id], 15_000);
  } finally {
    await orders.stop();
  }
});

test('without change streams the relay sweeps by polling', async () => {
  await f.startRelay({ useChangeStream: false, pollIntervalMs: 100 });
  const orders = await collectTopic(f.topics[0]!.name);
  try {
    const id = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-polled' });
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
    db: proxied.db(f.shop.db.databaseName),
    producer: f.producer,
    logger: createLogger('outbox-test', 'silent'),
    leaseMs: 3_000,
    pollIntervalMs: 30_000,
  });
  await relay.start();
  const orders = await collectTopic(f.topics[0]!.name);
  try {
    const before = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-before' });
    await orders.waitForEventIds([before]);
    // Cut only after its mark committed: a cut inside the mark transaction leaves that transaction open
    // on the server (mongod too) until its 60 s lifetime ends, and the relay waits that long — true, but
    // not what this test is about.
    await waitFor('the record to be marked', async () => ((await f.pendingCount()) === 0 ? true : undefined));
    proxy.cut();
    const during = [];
    for (let i = 0; i < 5; i++)
      during.push(await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: `o-during-${i}` }));
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
  const orders = await collectTopic(f.topics[0]!.name);
  await f.startRelay();
  const event = (orderId: string) => ({
    topic: f.topics[0]!.name,
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
    f.shop.client.withSession((s) => s.withTransaction(() => f.shop.outbox.add(s, e)));

  // Its record gets its id, time and sequence number now, before the later ones — and commits last.
  const held = f.shop.client.startSession();
  held.startTransaction();
  const first = event('o-held');
  await f.shop.outbox.add(held, first);
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

test('a shard whose checkpoint lies before the oplog (the history lost while no relay ran) is caught up by a scan from a margin before the checkpoint', async () => {
  const id = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-lost' });
  // What relays that stopped an hour ago left: checkpoints from before the oplog's first entry.
  const anHourAgo = new Date(Date.now() - 3_600_000);
  await f.shop.db.collection<{ _id: number }>('outbox_leases').insertMany(
    Array.from({ length: 16 }, (_, shard) => ({
      _id: shard,
      owner: 'relay-gone',
      token: 1,
      expiresAt: anHourAgo,
      checkpoint: { at: new Timestamp({ t: 1, i: 1 }), ids: [], wall: anHourAgo },
    })),
  );
  const orders = await collectTopic(f.topics[0]!.name);
  const metrics = new Registry();
  try {
    await f.startRelay({ metrics });
    await orders.waitForEventIds([id], 30_000);
  } finally {
    await orders.stop();
  }
  const lost = await metrics.getSingleMetric('outbox_relay_history_lost_total')?.get();
  expect(lost?.values[0]?.value).toBeGreaterThanOrEqual(1);
  // Caught up: every shard now has a fresh checkpoint.
  const leases = await f.shop.db
    .collection('outbox_leases')
    .find({ _id: { $in: [0, 15] } as never })
    .toArray();
  for (const l of leases)
    expect((l['checkpoint'] as { wall: Date }).wall.getTime()).toBeGreaterThan(anHourAgo.getTime());
});

test('a polling relay marks published records with publishedAt; they expire after the configured retention (TTL index)', async () => {
  await f.startRelay({ useChangeStream: false, retentionSeconds: 120 });
  const id = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-ttl' });
  await waitFor('the record to be marked', async () => ((await f.pendingCount()) === 0 ? true : undefined));
  const record = await f.shop.db.collection('outbox').findOne({ _id: id as never });
  expect(record?.['publishedAt']).toBeInstanceOf(Date);
  const indexes = await f.shop.db.collection('outbox').listIndexes().toArray();
  expect(indexes.find((i) => i['name'] === 'published_ttl')).toMatchObject({
    key: { publishedAt: 1 },
    expireAfterSeconds: 120,
  });
});

test('relaying from the change stream writes nothing per record; the retention sweep deletes records past the retention and behind the checkpoint, and keeps quarantined ones', async () => {
  const outbox = f.shop.db.collection('outbox');
  const old = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-old' });
  // An operator's case: a record set aside long ago.
  const aside = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-aside' });
  await outbox.updateOne(
    { _id: aside as never },
    { $set: { pending: false, quarantined: { reason: 'test', at: new Date() } } },
  );
  const orders = await collectTopic(f.topics[0]!.name);
  try {
    await f.startRelay({ retentionSeconds: 2, lateCommitMarginMs: 1_000, sweepEveryMs: 500 });
    await orders.waitForEventIds([old]);
    // Published, and still pending as written: the relay's only writes are its checkpoints.
    expect(await outbox.findOne({ _id: old as never })).toMatchObject({ pending: true, publishedAt: null });
    // A checkpoint moves with the events the stream brings: a later one puts o-old behind the margin.
    await new Promise((r) => setTimeout(r, 1_500));
    const fresh = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-fresh' });
    await orders.waitForEventIds([fresh]);
    await waitFor(
      'the old record swept',
      async () => ((await outbox.countDocuments({ _id: old as never })) === 0 ? true : undefined),
      20_000,
    );
    expect(await outbox.countDocuments({ _id: aside as never })).toBe(1);
    expect(orders.records.map((r) => r.eventId)).not.toContain(aside);
  } finally {
    await orders.stop();
  }
});

test('with a retention of 0 a published record is swept once the margin has passed, though no later write moves the checkpoint (erasure, docs/privacy.md)', async () => {
  const outbox = f.shop.db.collection('outbox');
  const orders = await collectTopic(f.topics[0]!.name);
  try {
    await f.startRelay({ retentionSeconds: 0, lateCommitMarginMs: 1_000, sweepEveryMs: 500 });
    const only = await f.shop.shop.placeOrder({ ...SAMPLE_EVENTS.OrderPlaced, orderId: 'o-only' });
    await orders.waitForEventIds([only]);
    await waitFor(
      'the idle shard swept',
      async () => ((await outbox.countDocuments({ _id: only as never })) === 0 ? true : undefined),
      20_000,
    );
    expect(orders.records.map((r) => r.eventId)).toEqual([only]);
  } finally {
    await orders.stop();
  }
});

test('a record Kafka refuses for good is quarantined while the other keys flow; its key waits, in order, until an operator requeues it', async () => {
  const orders = await collectTopic(f.topics[0]!.name);
  // Written with a larger limit than the topic's (as an older writer, or a topic limit lowered later).
  const lenient = new Outbox(f.shop.db, f.shop.codec, { maxRecordBytes: 5_000_000 });
  const write = (orderId: string, key: string, lines = SAMPLE_EVENTS.OrderPlaced.lines) =>
    f.shop.client.withSession((session) =>
      session.withTransaction(() =>
        lenient.add(session, {
          topic: f.topics[0]!.name,
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
    await f.startRelay();
    await waitFor('the other keys', async () => (orders.records.length >= 5 ? true : undefined), 30_000);
    const quarantined = await waitFor('the quarantine', async () => {
      const q = await listQuarantined(f.shop.db);
      return q.length === 1 ? q : undefined;
    });
    expect(quarantined[0]).toMatchObject({ key: 'k-big', seq: 1, pending: false });
    expect(quarantined[0]?.quarantined?.reason).toContain('MESSAGE_TOO_LARGE');
    // The next record of that key waits behind it: still pending, not on the topic.
    expect(await f.shop.db.collection('outbox').findOne({ key: 'k-big', seq: 2 })).toMatchObject({
      pending: true,
    });
    expect(orders.records.filter((r) => r.key === 'k-big')).toEqual([]);

    // The operator raises the topic's limit and requeues: both follow, in order.
    const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: 2,
          name: f.topics[0]!.name,
          configEntries: [{ name: 'max.message.bytes', value: '4000000' }],
        },
      ],
    });
    await admin.disconnect();
    expect(await requeueQuarantined(f.shop.db, quarantined[0]!._id)).toBe(true);
    expect(await requeueQuarantined(f.shop.db, quarantined[0]!._id)).toBe(false);
    await waitFor(
      'the held key',
      async () => (orders.records.filter((r) => r.key === 'k-big').length >= 2 ? true : undefined),
      30_000,
    );
    const inSeqOrder = (
      await f.shop.db.collection('outbox').find({ key: 'k-big' }).sort({ seq: 1 }).toArray()
    ).map((r) => String(r['_id']));
    expect(firstSeenOrderByKey(orders.records).get('k-big')).toEqual(inSeqOrder);
    // Published is marked just after: nothing is left pending once the marks are written.
    await waitFor('every record marked', async () => ((await f.pendingCount()) === 0 ? true : undefined));
  } finally {
    await orders.stop();
  }
}, 120_000);
