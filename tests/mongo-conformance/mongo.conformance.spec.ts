// The MongoDB conformance suite, part 1 of 2 (part 2: mongo-features.conformance.spec.ts): exactly the
// server behaviour the fleet relies on, driven through the official driver — transactions, unique
// indexes, findOneAndUpdate, queries. Run it against any server with MONGO_URL=... npm run
// test:conformance; the results for every local candidate are recorded in docs/mongodb-compatibility.md.
import { MongoBulkWriteError, MongoServerError } from 'mongodb';

import { useConformanceDb } from './conformance-db';

const m = useConformanceDb();

describe('transactions', () => {
  test('a committed transaction makes every write visible', async () => {
    const a = await m.fresh('tx_a');
    const b = await m.fresh('tx_b');
    await m.client.withSession((s) =>
      s.withTransaction(async () => {
        await a.insertOne({ _id: 'x' as never, v: 1 }, { session: s });
        await b.insertOne({ _id: 'y' as never, v: 2 }, { session: s });
      }),
    );
    expect(await a.findOne({ _id: 'x' as never })).toMatchObject({ v: 1 });
    expect(await b.findOne({ _id: 'y' as never })).toMatchObject({ v: 2 });
  });

  test('an aborted transaction leaves nothing behind', async () => {
    const a = await m.fresh('tx_abort');
    const session = m.client.startSession();
    try {
      session.startTransaction();
      await a.insertOne({ v: 1 }, { session });
      await a.updateOne({ k: 1 }, { $set: { v: 2 } }, { upsert: true, session });
      await session.abortTransaction();
    } finally {
      await session.endSession();
    }
    expect(await a.countDocuments({})).toBe(0);
  });

  test('uncommitted writes are invisible outside the session and visible inside it', async () => {
    const a = await m.fresh('tx_iso');
    const session = m.client.startSession();
    try {
      session.startTransaction();
      await a.insertOne({ _id: 'z' as never }, { session });
      expect(await a.findOne({ _id: 'z' as never }, { session })).not.toBeNull();
      expect(await a.findOne({ _id: 'z' as never })).toBeNull();
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect(await a.findOne({ _id: 'z' as never })).not.toBeNull();
  });

  test('an error thrown inside withTransaction rolls back the writes before it', async () => {
    const a = await m.fresh('tx_throw');
    await expect(
      m.client.withSession((s) =>
        s.withTransaction(async () => {
          await a.insertOne({ v: 1 }, { session: s });
          throw new Error('business rule failed');
        }),
      ),
    ).rejects.toThrow('business rule failed');
    expect(await a.countDocuments({})).toBe(0);
  });

  test('two transactions writing the same document conflict with a transient WriteConflict', async () => {
    const a = await m.fresh('tx_conflict');
    await a.insertOne({ _id: 'k' as never, n: 0 });
    const s1 = m.client.startSession();
    const s2 = m.client.startSession();
    try {
      s1.startTransaction();
      s2.startTransaction();
      await a.updateOne({ _id: 'k' as never }, { $inc: { n: 1 } }, { session: s1 });
      const second = a.updateOne({ _id: 'k' as never }, { $inc: { n: 1 } }, { session: s2 });
      const err = await second.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MongoServerError);
      expect((err as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
      await s1.commitTransaction();
      await s2.abortTransaction().catch(() => undefined);
    } finally {
      await s1.endSession();
      await s2.endSession();
    }
    expect(await a.findOne({ _id: 'k' as never })).toMatchObject({ n: 1 });
  });
});

describe('unique indexes', () => {
  test('a duplicate key is rejected with E11000 (code 11000)', async () => {
    const a = await m.fresh('uniq');
    await a.createIndex({ eventId: 1 }, { unique: true });
    await a.insertOne({ eventId: 'e1' });
    const err = await a.insertOne({ eventId: 'e1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(11000);
    expect(await a.countDocuments({})).toBe(1);
  });

  test('an unordered insertMany inserts every new document and reports each duplicate _id with its index', async () => {
    const a = await m.fresh('uniq_unordered');
    await a.insertMany([{ _id: 'k2' as never }, { _id: 'k4' as never }]);
    const err = await a
      .insertMany(
        ['k1', 'k2', 'k3', 'k4', 'k5'].map((id) => ({ _id: id as never })),
        { ordered: false },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoBulkWriteError);
    const writeErrors = (err as MongoBulkWriteError).writeErrors;
    const list = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
    expect(list.map((e) => [e.index, e.code])).toEqual([
      [1, 11000],
      [3, 11000],
    ]);
    expect(await a.countDocuments({})).toBe(5);
  });

  test('an unordered bulkWrite of upserts reports the index of each operation that inserted (the outbox counters)', async () => {
    const a = await m.fresh('bulk_upserted');
    await a.insertMany([{ _id: 'k2' as never, seq: 5 }]);
    const written = await a.bulkWrite(
      ['k1', 'k2', 'k3'].map((id) => ({
        updateOne: { filter: { _id: id as never }, update: { $inc: { seq: 2 } }, upsert: true },
      })),
      { ordered: false },
    );
    expect(written.upsertedIds).toEqual({ 0: 'k1', 2: 'k3' });
    expect(written.upsertedCount).toBe(2);
    expect(written.matchedCount).toBe(1);
    expect((await a.find({}).sort({ _id: 1 }).toArray()).map((d) => d['seq'])).toEqual([2, 7, 2]);
  });

  test('a duplicate key inside a transaction aborts the whole transaction', async () => {
    const a = await m.fresh('uniq_tx');
    const b = await m.fresh('uniq_tx_b');
    await a.createIndex({ eventId: 1 }, { unique: true });
    await a.insertOne({ eventId: 'e1' });
    const session = m.client.startSession();
    try {
      const err = await session
        .withTransaction(async () => {
          await b.insertOne({ side: 'effect' }, { session });
          await a.insertOne({ eventId: 'e1' }, { session });
        })
        .catch((e: unknown) => e);
      expect((err as MongoServerError).code).toBe(11000);
    } finally {
      await session.endSession();
    }
    expect(await b.countDocuments({})).toBe(0);
  });
});

interface MailDoc {
  _id: string;
  createdAt?: number;
  attempts?: number;
  status?: string;
  tags?: string[];
}

describe('findOneAndUpdate', () => {
  test('upsert with $setOnInsert, $inc, $set, $push and $pull', async () => {
    const a = await m.fresh<MailDoc>('fau');
    const first = await a.findOneAndUpdate(
      { _id: 'm1' },
      {
        $setOnInsert: { createdAt: 1 },
        $inc: { attempts: 1 },
        $set: { status: 'sending' },
        $push: { tags: 'a' },
      },
      { upsert: true, returnDocument: 'after' },
    );
    expect(first).toMatchObject({ _id: 'm1', createdAt: 1, attempts: 1, status: 'sending', tags: ['a'] });
    await a.findOneAndUpdate({ _id: 'm1' }, { $push: { tags: { $each: ['b', 'c'] } } });
    const second = await a.findOneAndUpdate(
      { _id: 'm1' },
      {
        $setOnInsert: { createdAt: 2 },
        $inc: { attempts: 1 },
        $set: { status: 'sent' },
        $pull: { tags: 'b' },
      },
      { upsert: true, returnDocument: 'after' },
    );
    expect(second).toMatchObject({ createdAt: 1, attempts: 2, status: 'sent', tags: ['a', 'c'] });
  });

  test('returnDocument before returns null on insert and the old document otherwise', async () => {
    const a = await m.fresh('fau_before');
    const inserted = await a.findOneAndUpdate(
      { _id: 'k' as never },
      { $inc: { n: 1 } },
      { upsert: true, returnDocument: 'before' },
    );
    expect(inserted).toBeNull();
    const old = await a.findOneAndUpdate(
      { _id: 'k' as never },
      { $inc: { n: 1 } },
      { returnDocument: 'before' },
    );
    expect(old).toMatchObject({ n: 1 });
  });

  test('an update pipeline stamps the server clock ($$NOW) and increments in the same write', async () => {
    const a = await m.fresh('fam_now');
    await a.insertOne({ _id: 'm' as never, attempt: 1, since: 0 });
    const before = Date.now();
    const old = await a.findOneAndUpdate(
      { _id: 'm' as never },
      [{ $set: { since: { $toLong: '$$NOW' }, attempt: { $add: ['$attempt', 1] } } }],
      { returnDocument: 'before' },
    );
    expect(old).toMatchObject({ attempt: 1, since: 0 });
    const now = await a.findOne({ _id: 'm' as never });
    expect(now?.['attempt']).toBe(2);
    // The server's clock, so only roughly the client's: within a minute of it.
    expect(Math.abs(Number(now?.['since']) - before)).toBeLessThan(60_000);
  });

  test('a conditional update matches nothing when the guard fails (fencing)', async () => {
    const a = await m.fresh('fau_guard');
    await a.insertOne({ _id: 'lease' as never, token: 5 });
    const stale = await a.findOneAndUpdate({ _id: 'lease' as never, token: 4 }, { $set: { owner: 'old' } });
    expect(stale).toBeNull();
    expect(await a.findOne({ _id: 'lease' as never })).not.toHaveProperty('owner');
  });
});

describe('queries', () => {
  test('sort + limit returns the first documents in order', async () => {
    const a = await m.fresh('sort');
    await a.insertMany([5, 3, 9, 1, 7].map((n) => ({ n, k: n % 2 === 0 ? 'even' : 'odd' })));
    const docs = await a.find({ k: 'odd' }).sort({ n: 1 }).limit(3).toArray();
    expect(docs.map((d) => d['n'])).toEqual([1, 3, 5]);
    const desc = await a.find({}).sort({ n: -1 }).limit(2).toArray();
    expect(desc.map((d) => d['n'])).toEqual([9, 7]);
  });

  test('reads with read concern majority see committed writes, never uncommitted ones (the outbox relay)', async () => {
    const coll = await m.fresh('rc_majority');
    const majority = m.db.collection(coll.collectionName, { readConcern: { level: 'majority' } });
    await coll.insertOne({ _id: 'committed' as never, pending: true });
    const session = m.client.startSession();
    try {
      session.startTransaction();
      await coll.insertOne({ _id: 'open' as never, pending: true }, { session });
      const seen = await majority.find({ pending: true }).sort({ _id: 1 }).limit(10).toArray();
      expect(seen.map((d) => d._id)).toEqual(['committed']);
      await session.commitTransaction();
    } finally {
      await session.endSession();
    }
    expect((await majority.find({ pending: true }).sort({ _id: 1 }).toArray()).map((d) => d._id)).toEqual([
      'committed',
      'open',
    ]);
  });

  test('a projection returns only the named fields', async () => {
    const a = await m.fresh('projection');
    await a.insertMany([
      { n: 1, secret: 'x' },
      { n: 2, secret: 'y' },
    ]);
    const docs = await a
      .find({}, { projection: { _id: 0, n: 1 } })
      .sort({ n: 1 })
      .toArray();
    expect(docs).toEqual([{ n: 1 }, { n: 2 }]);
  });

  test('countDocuments with and without a filter', async () => {
    const a = await m.fresh('count');
    await a.insertMany([{ s: 'sent' }, { s: 'sent' }, { s: 'failed' }]);
    expect(await a.countDocuments({})).toBe(3);
    expect(await a.countDocuments({ s: 'sent' })).toBe(2);
    expect(await a.countDocuments({ s: { $in: ['failed', 'dead'] } })).toBe(1);
  });

  test('aggregate with $match, $group and $sort', async () => {
    const a = await m.fresh('agg');
    await a.insertMany([
      { t: 'confirm', s: 'sent', ms: 10 },
      { t: 'confirm', s: 'sent', ms: 30 },
      { t: 'ship', s: 'sent', ms: 5 },
      { t: 'ship', s: 'failed', ms: 1 },
    ]);
    const rows = await a
      .aggregate([
        { $match: { s: 'sent' } },
        { $group: { _id: '$t', count: { $sum: 1 }, avg: { $avg: '$ms' }, max: { $max: '$ms' } } },
        { $sort: { count: -1, _id: 1 } },
      ])
      .toArray();
    expect(rows).toEqual([
      { _id: 'confirm', count: 2, avg: 20, max: 30 },
      { _id: 'ship', count: 1, avg: 5, max: 5 },
    ]);
  });
});
