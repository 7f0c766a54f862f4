// The schema registry down while a new schema version arrives: the consumer waits (retrying), nothing is
// dead-lettered, and everything is handled once the registry is back.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { Registry } from 'prom-client';
import {
  EVENT_FULL_NAMES,
  EVENT_SCHEMAS,
  EventCodec,
  ORDERS_EVENTS,
  dlqTopicOf,
  subjectOf,
  toKafkaHeaders,
} from '@mailfleet/contracts';
import {
  SAMPLE_EVENTS,
  createTestTopics,
  startTcpProxy,
  schemaRegistryUrl,
  testTopics,
  uniqueName,
  waitFor,
} from '@mailfleet/testing';
import { ConsumerRunner } from './index';

import { envelopeFor, kafka, logger, registry } from '../test/consumer-runner-fixture';

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
