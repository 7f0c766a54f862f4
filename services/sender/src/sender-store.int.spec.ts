// The sender's store against the local MongoDB server (or MONGO_URL): claims of several mails by two
// senders at once never take one mail twice, and a mail claimed elsewhere after it was read is left alone.
import { MongoClient, type Db } from 'mongodb';
import { SAMPLE_EVENTS, mongoUrl, uniqueName } from '@mailfleet/testing';
import { SenderStore } from './adapters/sender-store';
import { messageIdFor, type MailState } from './domain/mail-state';

let client: MongoClient;
let db: Db;
beforeAll(async () => {
  client = await new MongoClient(mongoUrl()).connect();
});
afterAll(() => client.close());
beforeEach(() => {
  db = client.db(uniqueName('sender_store'));
});
afterEach(() => db.dropDatabase());

function requested(mailId: string, now: number): MailState {
  return {
    mailId,
    status: 'requested',
    attempt: 0,
    nextAttemptAt: now,
    sendingSince: null,
    queuedAt: now,
    ambiguousResends: 0,
    request: { ...SAMPLE_EVENTS.MailRequested, mailId },
    cause: { eventId: `e-${mailId}`, correlationId: `c-${mailId}` },
    messageId: messageIdFor(mailId, 'test.invalid'),
    history: [],
    sentAt: null,
  };
}

test('two senders claiming several due mails at once take each mail exactly once, with its state before the claim', async () => {
  const now = Date.now();
  const ids = Array.from({ length: 60 }, (_, i) => `m-${String(i).padStart(2, '0')}`);
  const a = new SenderStore(db);
  const b = new SenderStore(db);
  await a.ensureIndexes();
  expect(await a.recordNew(ids.map((id) => requested(id, now)))).toEqual(new Set());
  const claims = (store: SenderStore) =>
    (async () => {
      const mine: MailState[] = [];
      for (;;) {
        const { claimed: got } = await store.claimDue(Date.now(), 4);
        if (got.length === 0) return mine;
        mine.push(...got);
      }
    })();
  const [byA, byB] = await Promise.all([claims(a), claims(b)]);
  const all = [...byA, ...byB];
  expect(all.map((s) => s.mailId).sort()).toEqual(ids);
  expect(new Set(all.map((s) => s.status))).toEqual(new Set(['requested']));
  expect(new Set(all.map((s) => s.attempt))).toEqual(new Set([0]));
  const after = await a.mails().find({}).toArray();
  expect(after).toHaveLength(60);
  expect(after.every((d) => d.status === 'sending' && d.attempt === 1)).toBe(true);
});

test('a chunk recorded again reports its known mails and changes none of them', async () => {
  const store = new SenderStore(db);
  const now = Date.now();
  await store.recordNew([requested('m-1', now), requested('m-2', now)]);
  await store.claimDue(now, 1);
  const known = await store.recordNew([requested('m-0', now), requested('m-1', now), requested('m-2', now)]);
  expect(known).toEqual(new Set(['m-1', 'm-2']));
  const docs = await store
    .mails()
    .find({}, { sort: { _id: 1 } })
    .toArray();
  expect(docs.map((d) => [d._id, d.status])).toEqual([
    ['m-0', 'requested'],
    ['m-1', 'sending'],
    ['m-2', 'requested'],
  ]);
});

test('a claim that finds nothing due says when the earliest waiting retry falls due, so the dispatcher sleeps without a look of its own', async () => {
  const store = new SenderStore(db);
  const now = Date.now();
  expect(await store.claimDue(now, 4)).toEqual({ claimed: [], next: 'none' });
  await store.recordNew([
    { ...requested('m-later', now), status: 'retrying', nextAttemptAt: now + 60_000 },
    { ...requested('m-soon', now), status: 'retrying', nextAttemptAt: now + 5_000 },
  ]);
  expect(await store.claimDue(now, 4)).toEqual({ claimed: [], next: now + 5_000 });
  const { claimed } = await store.claimDue(now + 5_000, 4);
  expect(claimed.map((m) => m.mailId)).toEqual(['m-soon']);
});
