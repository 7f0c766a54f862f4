// The conformance suite's database: one throwaway database per file, and fresh collections in it.
import { MongoClient, type Collection, type Db, type Document } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { mongoUrl } from '@mailfleet/testing';

export interface ConformanceDb {
  readonly client: MongoClient;
  readonly db: Db;
  /** A new collection, created the way the fleet creates its collections. */
  fresh<T extends Document = Document>(name: string): Promise<Collection<T>>;
}

/** Connects before the file's tests and drops the database after them. */
export function useConformanceDb(): ConformanceDb {
  let client: MongoClient | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    client = new MongoClient(mongoUrl(), { serverSelectionTimeoutMS: 10_000 });
    await client.connect();
    db = client.db(`conformance_${randomUUID().slice(0, 8)}`);
  });
  afterAll(async () => {
    await db?.dropDatabase().catch(() => undefined);
    await client?.close();
  });
  const ready = () => {
    if (!client || !db) throw new Error('the conformance database is not connected yet');
    return { client, db };
  };
  return {
    get client() {
      return ready().client;
    },
    get db() {
      return ready().db;
    },
    async fresh<T extends Document = Document>(name: string) {
      const coll = ready().db.collection<T>(`${name}_${randomUUID().slice(0, 8)}`);
      // The fleet creates its collections at start-up (through its indexes), never inside a transaction;
      // a throwaway write does the same on every server, so no test depends on the `create` command.
      const marker = ready().db.collection(coll.collectionName);
      const { insertedId } = await marker.insertOne({ marker: true });
      await marker.deleteOne({ _id: insertedId });
      return coll;
    },
  };
}
