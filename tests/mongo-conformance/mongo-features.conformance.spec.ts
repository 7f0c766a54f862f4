// The MongoDB conformance suite, part 2 of 2: change streams, TTL indexes, collMod, GridFS and the abort
// of a transaction a killed client abandoned.
import { GridFSBucket, Timestamp, type ChangeStreamInsertDocument } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { mongoUrl } from '@mailfleet/testing';

import { useConformanceDb } from './conformance-db';

const m = useConformanceDb();

describe('change streams', () => {
  test('watch sees inserts after commit and resumes after a token', async () => {
    const a = await m.fresh('cs');
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

describe('change streams, as the outbox relay uses them', () => {
  test('events come in commit order with a cluster time: a transaction held open appears when it commits, after later writes', async () => {
    const a = await m.fresh('cs_order');
    const start = await a.db.command({
      aggregate: a.collectionName,
      pipeline: [{ $changeStream: {} }],
      cursor: { batchSize: 0 },
    });
    // The position a catch-up takes: an empty first answer carries it (postBatchResumeToken).
    const position = (start['cursor'] as { postBatchResumeToken?: unknown }).postBatchResumeToken;
    expect(position).toBeDefined();
    expect(start['operationTime']).toBeInstanceOf(Timestamp);
    const held = m.client.startSession();
    try {
      held.startTransaction();
      await a.insertOne({ _id: 'held' as never }, { session: held });
      await a.insertOne({ _id: 'later' as never });
      await held.commitTransaction();
    } finally {
      await held.endSession();
    }
    const stream = a.watch<{ _id: string }, ChangeStreamInsertDocument<{ _id: string }>>(
      [{ $match: { operationType: 'insert' } }],
      { startAfter: position as never, maxAwaitTimeMS: 500 },
    );
    try {
      const first = await stream.next();
      const second = await stream.next();
      expect([first.fullDocument._id, second.fullDocument._id]).toEqual(['later', 'held']);
      expect(first.clusterTime).toBeInstanceOf(Timestamp);
      expect((second.clusterTime as Timestamp).greaterThan(first.clusterTime as Timestamp)).toBe(true);
      // Resuming after an event's token (a checkpoint) gives what followed it, and nothing before it.
      await stream.close();
      const resumed = a.watch<{ _id: string }, ChangeStreamInsertDocument<{ _id: string }>>(
        [{ $match: { operationType: 'insert' } }],
        { startAfter: first._id, maxAwaitTimeMS: 500 },
      );
      try {
        expect((await resumed.next()).fullDocument._id).toBe('held');
      } finally {
        await resumed.close();
      }
    } finally {
      await stream.close();
    }
  });

  // Opening at a time can be slow: the local stand-in scans its oplog (up to 100,000 entries) to get there.
  test('startAtOperationTime includes events at that very time', async () => {
    const a = await m.fresh('cs_at');
    await a.insertOne({ _id: 'before' as never });
    const only = [{ $match: { operationType: 'insert', 'fullDocument._id': 'before' } }];
    const since = new Timestamp({ t: Math.floor(Date.now() / 1000) - 60, i: 0 });
    const probe = a.watch<{ _id: string }, ChangeStreamInsertDocument<{ _id: string }>>(only, {
      startAtOperationTime: since,
      maxAwaitTimeMS: 500,
    });
    try {
      const event = await probe.next();
      expect(event.fullDocument._id).toBe('before');
      const again = a.watch<{ _id: string }, ChangeStreamInsertDocument<{ _id: string }>>(only, {
        startAtOperationTime: event.clusterTime as Timestamp,
        maxAwaitTimeMS: 500,
      });
      try {
        expect((await again.next()).fullDocument._id).toBe('before');
      } finally {
        await again.close();
      }
    } finally {
      await probe.close();
    }
  }, 30_000);
});

describe('TTL indexes', () => {
  test('a TTL index is created and listed with its expireAfterSeconds', async () => {
    const a = await m.fresh('ttl');
    await a.createIndex({ publishedAt: 1 }, { expireAfterSeconds: 3600, name: 'published_ttl' });
    const indexes = await a.listIndexes().toArray();
    expect(indexes.find((i) => i['name'] === 'published_ttl')).toMatchObject({ expireAfterSeconds: 3600 });
  });

  // The polling relay's retention. mongod's TTL monitor runs every 60 s; so does the stand-in's (whose
  // sweep the local launcher makes read the index, see infra/mongo/secantusd_launcher.py).
  test('the TTL monitor deletes what expired and nothing else', async () => {
    const a = await m.fresh('ttl_sweep');
    await a.createIndex({ publishedAt: 1 }, { expireAfterSeconds: 3600, name: 'published_ttl' });
    const longAgo = new Date(Date.now() - 2 * 3600_000);
    await a.insertMany([
      { _id: 'expired', publishedAt: longAgo } as never,
      { _id: 'expired-array', publishedAt: [new Date(), longAgo] } as never,
      { _id: 'fresh', publishedAt: new Date() } as never,
      { _id: 'pending' } as never,
      { _id: 'not-a-date', publishedAt: longAgo.toISOString() } as never,
    ]);
    const deadline = Date.now() + 150_000;
    while ((await a.countDocuments({ _id: { $in: ['expired', 'expired-array'] } as never })) > 0) {
      if (Date.now() > deadline) throw new Error('the TTL monitor did not delete the expired documents');
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const left = await a.find({}).sort({ _id: 1 }).toArray();
    expect(left.map((d) => d._id)).toEqual(['fresh', 'not-a-date', 'pending']);
  }, 180_000);
});

describe('collMod', () => {
  test("collMod changes a TTL index's expireAfterSeconds in place", async () => {
    const a = await m.fresh('ttl_mod');
    await a.createIndex({ publishedAt: 1 }, { expireAfterSeconds: 3600, name: 'published_ttl' });
    await m.db.command({
      collMod: a.collectionName,
      index: { name: 'published_ttl', expireAfterSeconds: 60 },
    });
    const indexes = await a.listIndexes().toArray();
    expect(indexes.find((i) => i['name'] === 'published_ttl')).toMatchObject({ expireAfterSeconds: 60 });
  });
});

describe('GridFS', () => {
  test('upload, download and delete a blob', async () => {
    const bucket = new GridFSBucket(m.db, {
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
    const a = await m.fresh('tx_abandoned');
    await a.insertOne({ _id: 'd' as never, writer: 'initial' });
    const child = spawn(
      process.execPath,
      [path.join(__dirname, 'abandon-transaction.mjs'), mongoUrl(), m.db.databaseName, a.collectionName, 'd'],
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
