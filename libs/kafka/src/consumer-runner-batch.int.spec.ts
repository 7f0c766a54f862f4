// Batch mode: the chunks of a fetch in one batch-handler call; a chunk at fault handled one by one, so a
// poison or refused record is isolated and every record is handled once, in order.
import { dlqTopicOf, toKafkaHeaders, type DecodedEvent } from '@mailfleet/contracts';
import { MailfleetError } from '@mailfleet/errors';
import { uniqueName, waitFor } from '@mailfleet/testing';
import { ConsumerRunner, DLQ_HEADERS } from './index';

import {
  envelopeFor,
  kafka,
  logger,
  orderPlacedRecord,
  ordersTopic,
  readAll,
  refusingBatchRunner,
} from '../test/consumer-runner-fixture';

test('batch mode: clean chunks go to the batch handler in one call; a chunk with a poison or a refused record is handled one by one, each record once and in order', async () => {
  const { topics, topic, codec } = await ordersTopic();
  const good = (orderId: string) => orderPlacedRecord(codec, topic.name, orderId);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topic.name,
    messages: [
      ...(await Promise.all(['o-1', 'o-2', 'o-3', 'o-4', 'o-5'].map(good))),
      { key: 'poison', value: Buffer.from('not avro'), headers: toKafkaHeaders(envelopeFor('OrderPlaced')) },
      ...(await Promise.all(['o-6', 'o-7', 'o-8', 'o-9', 'o-refused'].map(good))),
    ],
  });
  await producer.disconnect();

  const {
    runner,
    processed,
    batched: batches,
  } = refusingBatchRunner({ topics, codec }, 'batches', 'o-refused', {
    maxRecords: 4,
  });
  await runner.start();
  try {
    await waitFor('every good record', async () => (processed.length >= 9 ? true : undefined), 45_000);
  } finally {
    await runner.stop();
  }
  expect(processed).toEqual(['o-1', 'o-2', 'o-3', 'o-4', 'o-5', 'o-6', 'o-7', 'o-8', 'o-9']);
  expect(batches).toContainEqual(['o-1', 'o-2', 'o-3', 'o-4']);
  const dead = await readAll(dlqTopicOf(topic.name), 2);
  expect(dead.map((m) => String(m.key)).sort()).toEqual(['o-refused', 'poison']);
  expect(String(dead.find((m) => String(m.key) === 'o-refused')?.headers?.[DLQ_HEADERS.errorCode])).toBe(
    'refused-by-test',
  );
});

test('batch mode: a chunk that fails on an outage or a write conflict is tried again whole, never record by record', async () => {
  const { topics, topic, codec } = await ordersTopic();
  const ids = ['o-1', 'o-2', 'o-3'];
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topic.name,
    messages: await Promise.all(ids.map((orderId) => orderPlacedRecord(codec, topic.name, orderId))),
  });
  await producer.disconnect();

  const calls: string[][] = [];
  const oneByOne: string[] = [];
  let committed: string[] = [];
  const runner = new ConsumerRunner({
    kafka,
    groupId: uniqueName('batch-retry'),
    topics,
    codec,
    logger,
    retry: { initialMs: 50, maxMs: 200, maxUnknownAttempts: 5 },
    handlers: { OrderPlaced: async (e) => void oneByOne.push(e.payload.orderId) },
    batch: {
      maxRecords: 10,
      handler: async (records) => {
        const chunk = records.map((r) => (r.event as DecodedEvent<'OrderPlaced'>).payload.orderId);
        calls.push(chunk);
        // The first two attempts lose as a transaction would to a concurrent writer, or to MongoDB away.
        if (calls.length <= 2)
          throw new MailfleetError('write-conflict', 'lost to a concurrent transaction', { retriable: true });
        committed = chunk;
      },
    },
  });
  await runner.start();
  try {
    await waitFor('the chunk committed', async () => (committed.length > 0 ? true : undefined), 45_000);
  } finally {
    await runner.stop();
  }
  expect(committed).toEqual(ids);
  expect(calls).toEqual([ids, ids, ids]);
  expect(oneByOne).toEqual([]);
});

test('batch mode: the chunks of several partitions in one fetch are combined into one call; a refused record sends only its own partition one by one', async () => {
  const { topics, topic, codec } = await ordersTopic(4);
  const producer = kafka.producer();
  await producer.connect();
  // Two records on each of four partitions, written before the consumer starts: its first fetch
  // brings them all. Partition 3 holds a record the handlers refuse.
  const ids = (p: number) => (p === 3 ? ['p3-a', 'p3-refused'] : [`p${p}-a`, `p${p}-b`]);
  await producer.send({
    topic: topic.name,
    messages: (
      await Promise.all(
        [0, 1, 2, 3].map(async (partition) =>
          Promise.all(
            ids(partition).map(async (id) => ({
              ...(await orderPlacedRecord(codec, topic.name, id)),
              partition,
            })),
          ),
        ),
      )
    ).flat(),
  });
  await producer.disconnect();

  const { runner, calls, batched, oneByOne } = refusingBatchRunner(
    { topics, codec },
    'batch-combined',
    'p3-refused',
    { maxRecords: 100, lingerMs: 50 },
  );
  const committed = () => batched.flat();
  await runner.start();
  try {
    await waitFor(
      'every good record',
      async () => (committed().length + oneByOne.length >= 7 ? true : undefined),
      45_000,
    );
  } finally {
    await runner.stop();
  }
  // The first call held every partition's chunk (in per-partition order); it failed for p3's record,
  // so each chunk went alone: three committed as chunks, p3's handled one by one.
  expect(calls[0]?.length).toBe(8);
  for (const p of [0, 1, 2, 3]) {
    const mine = calls[0]!.filter((id) => id.startsWith(`p${p}-`));
    expect(mine).toEqual(ids(p));
  }
  expect(committed().sort()).toEqual(['p0-a', 'p0-b', 'p1-a', 'p1-b', 'p2-a', 'p2-b']);
  expect(oneByOne).toEqual(['p3-a']);
  const dead = await readAll(dlqTopicOf(topic.name), 1);
  expect(dead.map((m) => String(m.key))).toEqual(['p3-refused']);
});
