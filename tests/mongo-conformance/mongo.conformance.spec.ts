// The MongoDB conformance suite: exactly the server behaviour the fleet relies on, driven through the
// official driver. Run it against any server with MONGO_URL=... npm run test:conformance; the results for
// every local candidate are recorded in docs/mongodb-compatibility.md.
import { GridFSBucket, MongoClient, MongoServerError, type Db, type Document } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { mongoUrl } from '@mailfleet/testing';

let client: MongoClient;
let db: Db;

beforeAll(async () => {
  client = new MongoClient(mongoUrl(), { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  db = client.db(`conformance_${randomUUID().slice(0, 8)}`);
});

afterAll(async () => {
  await db?.dropDatabase().catch(() => undefined);
  await client?.close();
});

const fresh = async <T extends Document = Document>(name: string) => {
  const coll = db.collection<T>(`${name}_${randomUUID().slice(0, 8)}`);
  // The fleet creates its collections at start-up (through its indexes), never inside a transaction;
  // a throwaway write does the same on every server, so no test depends on the `create` command.
  const marker = db.collection(coll.collectionName);
  const { insertedId } = await marker.insertOne({ marker: true });
  await marker.deleteOne({ _id: insertedId });
  return coll;
};

describe('transactions', () => {
  test('a committed transaction makes every write visible', async () => {
    const a = await fresh('tx_a');
    const b = await fresh('tx_b');
    await client.withSession((s) =>
      s.withTransaction(async () => {
        await a.insertOne({ _id: 'x' as never, v: 1 }, { session: s });
        await b.insertOne({ _id: 'y' as never, v: 2 }, { session: s });
      }),
    );
    expect(await a.findOne({ _id: 'x' as never })).toMatchObject({ v: 1 });
    expect(await b.findOne({ _id: 'y' as never })).toMatchObject({ v: 2 });
  });

  test('an aborted transaction leaves nothing behind', async () => {
    const a = await fresh('tx_abort');
    const session = client.startSession();
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
    const a = await fresh('tx_iso');
    const session = client.startSession();
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
    const a = await fresh('tx_throw');
    await expect(
      client.withSession((s) =>
        s.withTransaction(async () => {
          await a.insertOne({ v: 1 }, { session: s });
          throw new Error('business rule failed');
        }),
      ),
    ).rejects.toThrow('business rule failed');
    expect(await a.countDocuments({})).toBe(0);
  });

  test('two transactions writing the same document conflict with a transient WriteConflict', async () => {
    const a = await fresh('tx_conflict');
    await a.insertOne({ _id: 'k' as never, n: 0 });
    const s1 = client.startSession();
    const s2 = client.startSession();
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
    const a = await fresh('uniq');
    await a.createIndex({ eventId: 1 }, { unique: true });
    await a.insertOne({ eventId: 'e1' });
    const err = await a.insertOne({ eventId: 'e1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(11000);
    expect(await a.countDocuments({})).toBe(1);
  });

  test('a duplicate key inside a transaction aborts the whole transaction', async () => {
    const a = await fresh('uniq_tx');
    const b = await fresh('uniq_tx_b');
    await a.createIndex({ eventId: 1 }, { unique: true });
    await a.insertOne({ eventId: 'e1' });
    const session = client.startSession();
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
    const a = await fresh<MailDoc>('fau');
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
    const a = await fresh('fau_before');
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
    const a = await fresh('fam_now');
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
    const a = await fresh('fau_guard');
    await a.insertOne({ _id: 'lease' as never, token: 5 });
    const stale = await a.findOneAndUpdate({ _id: 'lease' as never, token: 4 }, { $set: { owner: 'old' } });
    expect(stale).toBeNull();
    expect(await a.findOne({ _id: 'lease' as never })).not.toHaveProperty('owner');
  });
});

describe('queries', () => {
  test('sort + limit returns the first documents in order', async () => {
    const a = await fresh('sort');
    await a.insertMany([5, 3, 9, 1, 7].map((n) => ({ n, k: n % 2 === 0 ? 'even' : 'odd' })));
    const docs = await a.find({ k: 'odd' }).sort({ n: 1 }).limit(3).toArray();
    expect(docs.map((d) => d['n'])).toEqual([1, 3, 5]);
    const desc = await a.find({}).sort({ n: -1 }).limit(2).toArray();
    expect(desc.map((d) => d['n'])).toEqual([9, 7]);
  });

  test('reads with read concern majority see committed writes, never uncommitted ones (the outbox relay)', async () => {
    const coll = await fresh('rc_majority');
    const majority = db.collection(coll.collectionName, { readConcern: { level: 'majority' } });
    await coll.insertOne({ _id: 'committed' as never, pending: true });
    const session = client.startSession();
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
    const a = await fresh('projection');
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
    const a = await fresh('count');
    await a.insertMany([{ s: 'sent' }, { s: 'sent' }, { s: 'failed' }]);
    expect(await a.countDocuments({})).toBe(3);
    expect(await a.countDocuments({ s: 'sent' })).toBe(2);
    expect(await a.countDocuments({ s: { $in: ['failed', 'dead'] } })).toBe(1);
  });

  test('aggregate with $match, $group and $sort', async () => {
    const a = await fresh('agg');
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

describe('change streams', () => {
  test('watch sees inserts after commit and resumes after a token', async () => {
    const a = await fresh('cs');
    const stream = a.watch([{ $match: { operationType: 'insert' } }]);
    try {
      // The first getMore opens the cursor; give the server a moment before writing.
      const firstP = stream.next();
      await new Promise((r) => setTimeout(r, 300));
      await a.insertOne({ n: 1 });
      await a.insertOne({ n: 2 });
      const first = await firstP;
      expect((first as { fullDocument?: { n: number } }).fullDocument?.n).toBe(1);
      const token = stream.resumeToken;
      await stream.close();
      const resumed = a.watch([{ $match: { operationType: 'insert' } }], { resumeAfter: token });
      try {
        const next = await resumed.next();
        expect((next as { fullDocument?: { n: number } }).fullDocument?.n).toBe(2);
      } finally {
        await resumed.close();
      }
    } finally {
      await stream.close();
    }
  });
});

describe('TTL indexes', () => {
  test('a TTL index is created and listed with its expireAfterSeconds', async () => {
    const a = await fresh('ttl');
    await a.createIndex({ publishedAt: 1 }, { expireAfterSeconds: 3600, name: 'published_ttl' });
    const indexes = await a.listIndexes().toArray();
    expect(indexes.find((i) => i['name'] === 'published_ttl')).toMatchObject({ expireAfterSeconds: 3600 });
  });
});

describe('collMod', () => {
  test("collMod changes a TTL index's expireAfterSeconds in place", async () => {
    const a = await fresh('ttl_mod');
    await a.createIndex({ publishedAt: 1 }, { expireAfterSeconds: 3600, name: 'published_ttl' });
    await db.command({ collMod: a.collectionName, index: { name: 'published_ttl', expireAfterSeconds: 60 } });
    const indexes = await a.listIndexes().toArray();
    expect(indexes.find((i) => i['name'] === 'published_ttl')).toMatchObject({ expireAfterSeconds: 60 });
  });
});

describe('GridFS', () => {
  test('upload, download and delete a blob', async () => {
    const bucket = new GridFSBucket(db, {
      bucketName: `blobs_${randomUUID().slice(0, 8)}`,
      chunkSizeBytes: 1024,
    });
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 251));
    const id = await new Promise<unknown>((resolve, reject) => {
      const up = bucket.openUploadStream('invoice.pdf', { metadata: { contentType: 'application/pdf' } });
      up.once('finish', () => resolve(up.id));
      up.once('error', reject);
      up.end(bytes);
    });
    const chunks: Buffer[] = [];
    for await (const c of bucket.openDownloadStream(id as never)) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    await bucket.delete(id as never);
    expect(await bucket.find({ _id: id as never }).toArray()).toEqual([]);
  });
});

describe('abandoned transactions', () => {
  // A service killed mid-transaction leaves the transaction open on the server; mongod aborts it once it
  // is older than transactionLifetimeLimitSeconds, and only then can plain writers of its documents
  // proceed. Every kill -9 test in the fleet relies on this (the stand-in needed a reaper for it).
  test('a transaction left open by a killed client is aborted after its lifetime and unblocks writers', async () => {
    const a = await fresh('tx_abandoned');
    await a.insertOne({ _id: 'd' as never, writer: 'initial' });
    const child = spawn(
      process.execPath,
      [path.join(__dirname, 'abandon-transaction.mjs'), mongoUrl(), db.databaseName, a.collectionName, 'd'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    expect(out).toContain('in-transaction');
    expect(signal).toBe('SIGKILL');

    // Blocks until the server aborts the abandoned transaction (60 s by default); a server that never
    // does fails this test by its timeout — that wedge is what the test exists to catch.
    await a.updateOne({ _id: 'd' as never }, { $set: { writer: 'survivor' } });
    expect(await a.findOne({ _id: 'd' as never })).toMatchObject({ writer: 'survivor' });
  }, 150_000);
});
