// What the consumer runner's integration tests share: a Kafka client, fresh topics with their schemas
// registered, valid records, a reader, and a batch-mode runner that refuses one record.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import {
  EventCodec,
  ORDERS_EVENTS,
  newEnvelope,
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
  kafkaBrokers,
  schemaRegistryUrl,
  testTopics,
  uniqueName,
  waitFor,
} from '@mailfleet/testing';
import { ConsumerRunner } from '../src/index';

export const kafka = new Kafka({
  clientId: 'contracts-test',
  brokers: kafkaBrokers(),
  logLevel: logLevel.NOTHING,
});
export const logger = createLogger('test', 'silent');
export const registry = () => new SchemaRegistry({ host: schemaRegistryUrl() });
export const envelopeFor = (eventType: EventType): Envelope =>
  newEnvelope({ eventType, producer: 'contracts-test', eventId: randomUUID(), now: new Date() });

export async function readAll(topic: string, count: number): Promise<KafkaMessage[]> {
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
export async function ordersTopic(partitions = 1) {
  const topics = testTopics([ORDERS_EVENTS], partitions);
  await createTestTopics(topics);
  const codec = new EventCodec(registry(), topics);
  await codec.register();
  return { topics, topic: topics[0]!, codec };
}

/** A valid OrderPlaced record for `orderId`, keyed by it, with its envelope headers. */
export async function orderPlacedRecord(codec: EventCodec, topic: string, orderId: string) {
  return {
    key: orderId,
    value: await codec.encode(topic, 'OrderPlaced', { ...SAMPLE_EVENTS.OrderPlaced, orderId }),
    headers: toKafkaHeaders(envelopeFor('OrderPlaced')),
  };
}

/**
 * A batch-mode runner whose handlers refuse `refusedId` for good (as a poison record's handler would),
 * recording every batch call, what batches committed, what went one by one, and both in order.
 */
export function refusingBatchRunner(
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
