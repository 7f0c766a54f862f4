// An upstream service as a team outside this repository writes it, with nothing but the published
// tarballs installed: the order and its OrderPlaced event commit in one MongoDB transaction, and the relay
// publishes the event after commit. The tarball test copies this file into a project of its own, compiles
// it against the packages' declarations and runs it. The order's invoice is stored first, as a blob of its
// own (docs/attachments.md), and referenced from the event. Prints the published event's id.
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { AttachmentStore } from '@mailfleet/attachments';
import { EventCodec, ORDERS_EVENTS, newEnvelope, withTopicSuffix } from '@mailfleet/contracts';
import { createLogger } from '@mailfleet/logger';
import {
  Outbox,
  OutboxRelay,
  collectionsFor,
  ensureOutboxIndexes,
  unpublishedCount,
} from '@mailfleet/outbox';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

async function main(): Promise<void> {
  const [topic] = withTopicSuffix([ORDERS_EVENTS], env('TOPIC_SUFFIX'));
  const client = new MongoClient(env('MONGO_URL'));
  await client.connect();
  const db = client.db(env('MONGO_DB'));
  const kafka = new Kafka({ brokers: env('KAFKA_BROKERS').split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    // Collections exist before the first transaction writes to them.
    await ensureOutboxIndexes(db, collectionsFor(), 3_600);
    await db.createCollection('orders');
    const codec = new EventCodec(new SchemaRegistry({ host: env('SCHEMA_REGISTRY_URL') }), [topic!]);
    await codec.register();
    const outbox = new Outbox(db, codec);

    const orderId = env('ORDER_ID');
    const eventId = randomUUID();
    const payload = {
      orderId,
      customerId: 'c-upstream',
      lines: [{ sku: 'TEA-GREEN-100', name: 'Green tea, 100 g', quantity: 1, unitPriceMinor: 750 }],
      currency: 'EUR',
      subtotalMinor: 750,
      shippingMinor: 0,
      taxMinor: 0,
      totalMinor: 750,
      placedAt: Date.now(),
      // Stored before the transaction: if the transaction rolls back, the sender's orphan sweep removes it.
      invoice: await new AttachmentStore(db).put({
        filename: `invoice-${orderId}.pdf`,
        contentType: 'application/pdf',
        content: Buffer.from(`%PDF-1.4 invoice ${orderId}\n`),
      }),
    };
    const session = client.startSession();
    try {
      await session.withTransaction(async () => {
        await db.collection('orders').insertOne({ orderId, status: 'placed' }, { session });
        await outbox.add(session, {
          topic: topic!.name,
          key: orderId,
          envelope: newEnvelope({
            eventType: 'OrderPlaced',
            producer: 'upstream-app',
            eventId,
            now: new Date(),
          }),
          payload,
        });
      });
    } finally {
      await session.endSession();
    }

    const relay = new OutboxRelay({ client, db, producer, logger: createLogger('upstream-relay', 'warn') });
    await relay.start();
    const deadline = Date.now() + 60_000;
    while ((await unpublishedCount(db)) > 0) {
      if (Date.now() > deadline) throw new Error('the relay did not publish within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    await relay.stop();
    process.stdout.write(`${JSON.stringify({ eventId })}\n`);
  } finally {
    await producer.disconnect();
    await client.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
