// The store inserts the documents its reads found absent. When another writer creates one of them between
// the read and the write (another instance, a rebalance), the insert conflicts; the chunk must then be run
// again from its reads, so that it replaces the other writer's document instead of failing or losing it.
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import type { AnyDecodedEvent, EventPayloads, EventType } from '@mailfleet/contracts';
import { collectionNames, type MailView } from '@mailfleet/read-models';
import { SAMPLE_EVENTS, mongoUrl } from '@mailfleet/testing';
import { ProjectionStore } from './adapters/projection-store';
import type { ProjectedRecord } from './domain/projected-record';

let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = await MongoClient.connect(mongoUrl());
  db = client.db(`projstore_${randomUUID().slice(0, 8)}`);
});

afterAll(async () => {
  await db.dropDatabase();
  await client.close();
});

function record<T extends EventType>(
  type: T,
  payload: EventPayloads[T],
  topic: string,
  offset: number,
): ProjectedRecord {
  return {
    event: { eventType: type, payload, schemaId: 1 } as AnyDecodedEvent,
    envelope: { eventId: `${topic}-${offset}`, correlationId: 'corr-race' },
    position: { topic, partition: 0, offset: String(offset), timestamp: 1_000 + offset },
  };
}

/** `db`, except that the first bulk write to `collection` is preceded by `before` (another writer). */
function withWriterBefore(collection: string, before: () => Promise<void>) {
  const calls = { bulkWrites: 0 };
  const proxied = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver) as unknown;
      return (name: string) => {
        const col = target.collection(name);
        if (name !== collection) return col;
        return new Proxy(col, {
          get(c, p, r) {
            if (p !== 'bulkWrite') return Reflect.get(c, p, r) as unknown;
            return async (...args: Parameters<typeof col.bulkWrite>) => {
              calls.bulkWrites += 1;
              if (calls.bulkWrites === 1) await before();
              return c.bulkWrite(...args);
            };
          },
        });
      };
    },
  });
  return { db: proxied, calls };
}

test('a document created by another writer between the read and the insert: the chunk runs again and keeps both', async () => {
  const names = collectionNames(7);
  const mailId = `order-confirmation:race-${randomUUID().slice(0, 8)}`;
  const requested = record(
    'MailRequested',
    { ...SAMPLE_EVENTS.MailRequested, mailId, requestedAt: 1_000 },
    'mail.requested',
    5,
  );
  const sent = record('MailSent', { ...SAMPLE_EVENTS.MailSent, mailId, sentAt: 2_000 }, 'mail.events', 9);
  // The other writer: an instance that applies the MailSent of the same mail meanwhile, and commits.
  const other = new ProjectionStore(client, db, 7);
  const racing = withWriterBefore(names.mails, async () => {
    await other.apply('mail.events', 0, [sent], sent.position);
  });
  const store = new ProjectionStore(client, racing.db, 7);
  await store.ensureIndexes();

  expect(await store.apply('mail.requested', 0, [requested], requested.position)).toBe(1);

  // The first insert conflicted with the other writer's mail; the second run read it and replaced it.
  expect(racing.calls.bulkWrites).toBe(2);
  const mail = await db.collection<MailView>(names.mails).findOne({ _id: mailId });
  expect(mail).toMatchObject({
    status: 'sent',
    email: SAMPLE_EVENTS.MailRequested.recipient.email.toLowerCase(),
    requestedAt: 1_000,
    sentAt: 2_000,
  });
  expect(mail?.timeline).toHaveLength(2);
  expect((await store.checkpoint('mail.requested', 0))?.offset).toBe('5');
  expect((await store.checkpoint('mail.events', 0))?.offset).toBe('9');
});
