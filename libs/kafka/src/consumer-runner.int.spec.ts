// Every event type makes the round trip through the real registry and broker, and poison records end in
// the DLQ with their original bytes and the reason while the records after them are still processed.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import {
  CUSTOMERS_EVENTS,
  EVENT_FULL_NAMES,
  EVENT_SCHEMAS,
  EventCodec,
  MAIL_EVENTS,
  MAIL_REQUESTED,
  ORDERS_EVENTS,
  dlqTopicOf,
  newEnvelope,
  subjectOf,
  toKafkaHeaders,
  type DecodedEvent,
  type Envelope,
  type EventType,
  type TopicDefinition,
} from '@mailfleet/contracts';
import { MailfleetError } from '@mailfleet/errors';
import { createLogger } from '@mailfleet/logger';
import {
  SAMPLE_EVENTS,
  createTestTopics,
  startTcpProxy,
  kafkaBrokers,
  schemaRegistryUrl,
  testTopics,
  uniqueName,
  waitFor,
} from '@mailfleet/testing';
import { ConsumerRunner, DLQ_HEADERS, EventPublisher, type EventHandlers } from './index';

const kafka = new Kafka({ clientId: 'contracts-test', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
const logger = createLogger('test', 'silent');
const registry = () => new SchemaRegistry({ host: schemaRegistryUrl() });
const envelopeFor = (eventType: EventType): Envelope =>
  newEnvelope({ eventType, producer: 'contracts-test', eventId: randomUUID(), now: new Date() });

async function readAll(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const seen: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void seen.push(message) });
  try {
    return await waitFor(
      `${count} records on ${topic}`,
      async () => (seen.length >= count ? seen : undefined),
      30_000,
    );
  } finally {
    await consumer.disconnect();
  }
}

/** A fresh one-partition orders topic, its schemas registered. */
async function ordersTopic(partitions = 1) {
  const topics = testTopics([ORDERS_EVENTS], partitions);
  await createTestTopics(topics);
  const codec = new EventCodec(registry(), topics);
  await codec.register();
  return { topics, topic: topics[0]!, codec };
}

/** A valid OrderPlaced record for `orderId`, keyed by it, with its envelope headers. */
async function orderPlacedRecord(codec: EventCodec, topic: string, orderId: string) {
  return {
    key: orderId,
    value: await codec.encode(topic, 'OrderPlaced', { ...SAMPLE_EVENTS.OrderPlaced, orderId }),
    headers: toKafkaHeaders(envelopeFor('OrderPlaced')),
  };
}

test('every event type round-trips through the registry and the broker with its envelope', async () => {
  const topics = testTopics([ORDERS_EVENTS, CUSTOMERS_EVENTS, MAIL_REQUESTED, MAIL_EVENTS]);
  await createTestTopics(topics);
  const codec = new EventCodec(registry(), topics);
  await codec.register();
  const levelOf = async (topic: string, fullName: string) =>
    (
      (await (await fetch(`${schemaRegistryUrl()}/config/${subjectOf(topic, fullName)}`)).json()) as {
        compatibilityLevel: string;
      }
    ).compatibilityLevel;
  expect(await levelOf(topics[2]!.name, EVENT_FULL_NAMES.MailRequested)).toBe('FULL');
  expect(await levelOf(topics[0]!.name, EVENT_FULL_NAMES.OrderPlaced)).toBe('BACKWARD');
  const publisher = new EventPublisher(kafka, codec);
  await publisher.connect();
  const sent = topics.flatMap((topic) =>
    topic.eventTypes.map((type) => ({
      topic: topic.name,
      key: `k-${type}`,
      envelope: envelopeFor(type),
      payload: SAMPLE_EVENTS[type],
    })),
  );
  await publisher.publish(sent);
  await publisher.disconnect();

  const received: { event: DecodedEvent; envelope: Envelope; key: string | null }[] = [];
  const handlers = Object.fromEntries(
    sent.map((s) => [
      s.envelope.eventType,
      async (event: DecodedEvent, ctx: { envelope: Envelope; key: string | null }) => {
        received.push({ event, envelope: ctx.envelope, key: ctx.key });
      },
    ]),
  ) as EventHandlers;
  // A second codec with an empty cache decodes: schema ids come from the registry, not from memory.
  const runner = new ConsumerRunner({
    kafka,
    groupId: uniqueName('roundtrip'),
    topics,
    codec: new EventCodec(registry(), topics),
    handlers,
    logger,
  });
  await runner.start();
  try {
    await waitFor('every event', async () => (received.length >= sent.length ? true : undefined), 45_000);
  } finally {
    await runner.stop();
  }
  // Every event type of the contracts, once each.
  expect(received).toHaveLength(sent.length);
  expect(sent).toHaveLength(Object.keys(SAMPLE_EVENTS).length);
  for (const s of sent) {
    const got = received.find((r) => r.envelope.eventId === s.envelope.eventId);
    expect(got?.event.eventType).toBe(s.envelope.eventType);
    expect(got?.event.payload).toEqual(s.payload);
    expect(got?.envelope).toEqual({ ...s.envelope, traceparent: undefined });
    expect(got?.key).toBe(s.key);
  }
});

test('a payload that does not match its schema is refused before it is sent, naming the field', async () => {
  const [topic] = testTopics([ORDERS_EVENTS]);
  const codec = new EventCodec(registry(), [topic!]);
  const bad = {
    ...SAMPLE_EVENTS.OrderPlaced,
    lines: [{ sku: 'X', name: 'X', quantity: 'two', unitPriceMinor: 1 }],
  };
  await expect(codec.encode(topic!.name, 'OrderPlaced', bad as never)).rejects.toThrow(
    'OrderPlaced.lines.0.quantity: expected int, got "two"',
  );
});

test('poison records go to the DLQ with their bytes and reason, and the records after them are processed', async () => {
  const { topics, topic, codec } = await ordersTopic();

  // Valid Avro, but of a schema that has no business on this topic.
  const strangerName = uniqueName('Stranger').replace(/-/g, '_');
  const stranger = await registry().register(
    {
      type: 'AVRO' as never,
      schema: JSON.stringify({ type: 'record', name: strangerName, fields: [{ name: 'x', type: 'string' }] }),
    },
    { subject: `${strangerName}-value` },
  );
  const strangerBytes = Buffer.concat([
    Buffer.from([0, 0, 0, 0, 0]),
    avro.Type.forSchema({
      type: 'record',
      name: strangerName,
      fields: [{ name: 'x', type: 'string' }],
    }).toBuffer({ x: 'hi' }),
  ]);
  strangerBytes.writeInt32BE(stranger.id, 1);
  const unknownId = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]);
  const random = Buffer.concat([Buffer.from([0x42]), randomBytes(31)]);
  const good = async (orderId: string) =>
    codec.encode(topic.name, 'OrderPlaced', { ...SAMPLE_EVENTS.OrderPlaced, orderId });
  const truncated = (await good('o-trunc')).subarray(0, 12);
  const headers = (type: EventType) => toKafkaHeaders(envelopeFor(type));

  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: topic.name,
    messages: [
      { key: 'p1', value: random, headers: headers('OrderPlaced') },
      { key: 'p2', value: unknownId, headers: headers('OrderPlaced') },
      { key: 'p3', value: strangerBytes, headers: headers('OrderPlaced') },
      { key: 'p4', value: truncated, headers: headers('OrderPlaced') },
      { key: 'p5', value: await good('o-no-headers') },
      { key: 'ok', value: await good('o-after-poison'), headers: headers('OrderPlaced') },
    ],
  });
  await producer.disconnect();

  const processed: string[] = [];
  const runner = new ConsumerRunner({
    kafka,
    groupId: uniqueName('poison'),
    topics,
    codec,
    logger,
    handlers: { OrderPlaced: async (e) => void processed.push(e.payload.orderId) },
  });
  await runner.start();
  try {
    await waitFor(
      'the valid record after the poison',
      async () => (processed.length > 0 ? true : undefined),
      45_000,
    );
  } finally {
    await runner.stop();
  }
  expect(processed).toEqual(['o-after-poison']);

  const dead = await readAll(dlqTopicOf(topic.name), 5);
  const byKey = new Map(dead.map((m) => [String(m.key), m]));
  const reasonOf = (key: string) => String(byKey.get(key)?.headers?.[DLQ_HEADERS.errorCode]);
  expect(reasonOf('p1')).toBe('undecodable-record.bad-magic-byte');
  expect(reasonOf('p2')).toBe('undecodable-record.unknown-schema-id');
  expect(reasonOf('p3')).toBe('undecodable-record.unexpected-event-type');
  expect(reasonOf('p4')).toBe('undecodable-record.truncated');
  expect(reasonOf('p5')).toBe('undecodable-record.missing-header');
  expect(byKey.get('p1')?.value?.equals(random)).toBe(true);
  expect(byKey.get('p2')?.value?.equals(unknownId)).toBe(true);
  expect(byKey.get('p3')?.value?.equals(strangerBytes)).toBe(true);
  const p3 = byKey.get('p3')!;
  expect(String(p3.headers?.[DLQ_HEADERS.sourceTopic])).toBe(topic.name);
  expect(String(p3.headers?.[DLQ_HEADERS.sourceOffset])).toBe('2');
  expect(String(p3.headers?.[DLQ_HEADERS.reason])).toContain(strangerName);
  expect(String(p3.headers?.['event-type'])).toBe('OrderPlaced');
  expect(Number.isNaN(Date.parse(String(p3.headers?.[DLQ_HEADERS.firstFailedAt])))).toBe(false);
});

test('stopping commits what was processed: a restart in the same group does not see it again', async () => {
  const topics = testTopics([CUSTOMERS_EVENTS], 1);
  await createTestTopics(topics);
  const codec = new EventCodec(registry(), topics);
  await codec.register();
  const publisher = new EventPublisher(kafka, codec);
  await publisher.connect();
  const publish = (customerId: string) =>
    publisher.publish([
      {
        topic: topics[0]!.name,
        key: customerId,
        envelope: envelopeFor('CustomerRegistered'),
        payload: { ...SAMPLE_EVENTS.CustomerRegistered, customerId },
      },
    ]);
  await publish('c-first');
  const groupId = uniqueName('restart');
  const seen: string[] = [];
  const start = async () => {
    const runner = new ConsumerRunner({
      kafka,
      groupId,
      topics,
      codec,
      logger,
      handlers: { CustomerRegistered: async (e) => void seen.push(e.payload.customerId) },
    });
    await runner.start();
    return runner;
  };
  const first = await start();
  await waitFor('the first record', async () => (seen.length === 1 ? true : undefined));
  await first.stop();
  await publish('c-second');
  const second = await start();
  try {
    // One partition: a redelivery of the first record (its offset not committed) would come before the
    // second, so once the second is there, no redelivery can still be on its way.
    await waitFor('the second record', async () => (seen.includes('c-second') ? true : undefined));
  } finally {
    await second.stop();
    await publisher.disconnect();
  }
  expect(seen).toEqual(['c-first', 'c-second']);
});

test('the registry down while a new schema version arrives: the consumer waits (retrying), nothing is dead-lettered, everything is handled once it is back', async () => {
  const topics = testTopics([ORDERS_EVENTS], 1);
  const topic = topics[0]!;
  await createTestTopics(topics);
  const target = new URL(schemaRegistryUrl());
  const proxy = await startTcpProxy(target.hostname, Number(target.port));
  const codec = new EventCodec(new SchemaRegistry({ host: `http://127.0.0.1:${proxy.port}` }), topics);
  await codec.register();
  const processed: string[] = [];
  const metrics = new Registry();
  const runner = new ConsumerRunner({
    kafka,
    groupId: uniqueName('registry-outage'),
    topics,
    codec,
    logger,
    metrics,
    handlers: { OrderPlaced: async (e) => void processed.push(e.payload.orderId) },
  });
  await runner.start();
  const admin = kafka.admin();
  await admin.connect();
  try {
    // An upstream registers a compatible new OrderPlaced version: its id is in no consumer's cache yet.
    const base = EVENT_SCHEMAS.OrderPlaced as { fields: object[] };
    const newer = {
      ...base,
      fields: [...base.fields, { name: 'giftNote', type: ['null', 'string'], default: null }],
    };
    const { id } = await registry().register(
      { type: 'AVRO' as never, schema: JSON.stringify(newer) },
      { subject: subjectOf(topic.name, EVENT_FULL_NAMES.OrderPlaced) },
    );
    const header = Buffer.from([0, 0, 0, 0, 0]);
    header.writeInt32BE(id, 1);
    const newVersion = Buffer.concat([
      header,
      avro.Type.forSchema(newer as avro.Schema).toBuffer({
        ...SAMPLE_EVENTS.OrderPlaced,
        orderId: 'o-new-version',
        giftNote: 'hi',
      }),
    ]);
    proxy.cut();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topic.name,
      messages: [
        { key: 'a', value: newVersion, headers: toKafkaHeaders(envelopeFor('OrderPlaced')) },
        {
          key: 'b',
          value: await codec.encode(topic.name, 'OrderPlaced', {
            ...SAMPLE_EVENTS.OrderPlaced,
            orderId: 'o-behind-it',
          }),
          headers: toKafkaHeaders(envelopeFor('OrderPlaced')),
        },
      ],
    });
    await producer.disconnect();
    // The consumer has met the outage and is waiting it out: three failed decodes retried, not one given up.
    const retries = async () =>
      (await metrics.getSingleMetric('mailfleet_consumer_retries_total')!.get()).values.reduce(
        (sum, v) => sum + v.value,
        0,
      );
    await waitFor('three retries during the outage', async () => ((await retries()) >= 3 ? true : undefined));
    expect(processed).toEqual([]);
    expect((await admin.fetchTopicOffsets(dlqTopicOf(topic.name))).map((o) => o.high)).toEqual(['0']);
    proxy.restore();
    await waitFor('both records handled', async () => (processed.length === 2 ? true : undefined), 60_000);
    expect(processed).toEqual(['o-new-version', 'o-behind-it']);
    const dlq = await admin.fetchTopicOffsets(dlqTopicOf(topic.name));
    expect(dlq.map((o) => o.high)).toEqual(['0']);
  } finally {
    await admin.disconnect();
    await runner.stop();
    await proxy.close();
  }
}, 120_000);

/**
 * A batch-mode runner whose handlers refuse `refusedId` for good (as a poison record's handler would),
 * recording every batch call, what batches committed, what went one by one, and both in order.
 */
function refusingBatchRunner(
  setup: { topics: TopicDefinition[]; codec: EventCodec },
  group: string,
  refusedId: string,
  batch: { maxRecords: number; lingerMs?: number },
) {
  const refuse = (orderId: string) => {
    if (orderId === refusedId)
      throw new MailfleetError('refused-by-test', 'this order is refused', { retriable: false });
  };
  const seen = {
    calls: [] as string[][],
    batched: [] as string[][],
    oneByOne: [] as string[],
    processed: [] as string[],
  };
  const runner = new ConsumerRunner({
    kafka,
    groupId: uniqueName(group),
    topics: setup.topics,
    codec: setup.codec,
    logger,
    handlers: {
      OrderPlaced: async (e) => {
        refuse(e.payload.orderId);
        seen.oneByOne.push(e.payload.orderId);
        seen.processed.push(e.payload.orderId);
      },
    },
    batch: {
      ...batch,
      handler: async (records) => {
        const ids = records.map((r) => (r.event as DecodedEvent<'OrderPlaced'>).payload.orderId);
        seen.calls.push(ids);
        ids.forEach(refuse); // all or nothing, as a transaction would be
        seen.batched.push(ids);
        seen.processed.push(...ids);
      },
    },
  });
  return { runner, ...seen };
}

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
