// Every event type makes the round trip through the real registry and broker, and poison records end in
// the DLQ with their original bytes and the reason while the records after them are still processed.
import avro from 'avsc';
import { randomBytes } from 'node:crypto';
import {
  CUSTOMERS_EVENTS,
  EVENT_FULL_NAMES,
  EventCodec,
  MAIL_EVENTS,
  MAIL_REQUESTED,
  ORDERS_EVENTS,
  dlqTopicOf,
  subjectOf,
  toKafkaHeaders,
  type DecodedEvent,
  type Envelope,
  type EventType,
} from '@mailfleet/contracts';
import {
  SAMPLE_EVENTS,
  createTestTopics,
  schemaRegistryUrl,
  testTopics,
  uniqueName,
  waitFor,
} from '@mailfleet/testing';
import { ConsumerRunner, DLQ_HEADERS, EventPublisher, type EventHandlers } from './index';

import { envelopeFor, kafka, logger, ordersTopic, readAll, registry } from '../test/consumer-runner-fixture';

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
