// Proves the local stack is real: every component is exercised over TCP through the libraries the
// fleet uses (kafkajs, @kafkajs/confluent-schema-registry, mongodb, nodemailer).
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import nodemailer from 'nodemailer';
import { stackEndpoints } from '@mailfleet/config';
import {
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  sinkMessages,
  uniqueName,
  waitFor,
} from '@mailfleet/testing';

const kafka = new Kafka({ clientId: 'smoke', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });

test('a record produced to a new topic is consumed back through the broker', async () => {
  const topic = uniqueName('smoke');
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    expect(await admin.listTopics()).toContain(topic);
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await producer.send({
    topic,
    messages: [{ key: 'order-1', value: 'placed', headers: { 'event-type': 'Smoke' } }],
  });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: uniqueName('smoke-group') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: { key: string; value: string; type: string }[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      received.push({
        key: String(message.key),
        value: String(message.value),
        type: String(message.headers?.['event-type']),
      });
    },
  });
  try {
    await waitFor('the record', async () => (received.length > 0 ? received : undefined), 30_000);
    expect(received).toEqual([{ key: 'order-1', value: 'placed', type: 'Smoke' }]);
  } finally {
    await consumer.disconnect();
  }
});

test('a schema registered in the registry encodes to the Confluent wire format and decodes back', async () => {
  const registry = new SchemaRegistry({ host: schemaRegistryUrl() });
  const name = uniqueName('Smoke').replace(/-/g, '_');
  const { id } = await registry.register(
    {
      type: SchemaType.AVRO,
      schema: JSON.stringify({
        type: 'record',
        name,
        namespace: 'dev.mailfleet.smoke',
        fields: [
          { name: 'orderId', type: 'string' },
          { name: 'totalMinor', type: 'long' },
        ],
      }),
    },
    { subject: `${name}-value` },
  );
  const encoded = await registry.encode(id, { orderId: 'o-1', totalMinor: 1999 });
  expect(encoded[0]).toBe(0);
  expect(encoded.readInt32BE(1)).toBe(id);
  const fresh = new SchemaRegistry({ host: schemaRegistryUrl() });
  expect(await fresh.decode(encoded)).toEqual({ orderId: 'o-1', totalMinor: 1999 });
});

test('a MongoDB transaction commits two writes together and an aborted one leaves nothing', async () => {
  const client = new MongoClient(mongoUrl());
  await client.connect();
  const db = client.db(uniqueName('smoke').replace(/-/g, '_'));
  try {
    const orders = db.collection('orders');
    const outbox = db.collection('outbox');
    await client.withSession((s) =>
      s.withTransaction(async () => {
        await orders.insertOne({ orderId: 'o-1' }, { session: s });
        await outbox.insertOne({ type: 'OrderPlaced', orderId: 'o-1' }, { session: s });
      }),
    );
    await client
      .withSession((s) =>
        s.withTransaction(async () => {
          await orders.insertOne({ orderId: 'o-2' }, { session: s });
          await outbox.insertOne({ type: 'OrderPlaced', orderId: 'o-2' }, { session: s });
          throw new Error('rolled back on purpose');
        }),
      )
      .catch(() => undefined);
    expect(await orders.find({}, { projection: { _id: 0 } }).toArray()).toEqual([{ orderId: 'o-1' }]);
    expect(await outbox.countDocuments({})).toBe(1);
  } finally {
    await db.dropDatabase();
    await client.close();
  }
});

test('a mail sent through nodemailer arrives in the SMTP sink and can be read back', async () => {
  const { smtp } = stackEndpoints();
  const transport = nodemailer.createTransport({ host: smtp.host, port: smtp.port, secure: false });
  const to = `${uniqueName('smoke')}@example.test`;
  const messageId = `<${uniqueName('smoke')}@mailfleet.test>`;
  const info = await transport.sendMail({
    from: 'mailfleet <noreply@mailfleet.test>',
    to,
    subject: 'Your order o-1',
    text: 'Thanks for your order.',
    html: '<p>Thanks for your order.</p>',
    messageId,
  });
  transport.close();
  expect(info.accepted).toEqual([to]);
  const [message] = await waitFor('the mail in the sink', async () => {
    const found = await sinkMessages({ messageId });
    return found.length > 0 ? found : undefined;
  });
  expect(message).toMatchObject({
    messageId,
    subject: 'Your order o-1',
    envelope: { mailFrom: 'noreply@mailfleet.test', rcptTo: [to] },
  });
  expect(message?.text?.trim()).toBe('Thanks for your order.');
  expect(message?.html).toContain('<p>Thanks for your order.</p>');
});
