// The outbox's collections and documents. Shared by the writer (inside the caller's transaction) and the
// relay (which publishes after commit).
import { createHash } from 'node:crypto';
import type { Binary, Db } from 'mongodb';

/**
 * Keys are spread over a fixed number of shards; a relay instance owns whole shards (see leases), so
 * every key is published by one relay at a time. Fixed on purpose: changing it would move keys between
 * shards and could break per-key order during the change.
 */
export const OUTBOX_SHARDS = 16;

export interface OutboxRecord {
  /** The event id (UUIDv7): unique, and the id consumers deduplicate by. */
  readonly _id: string;
  readonly topic: string;
  readonly key: string;
  readonly eventType: string;
  readonly shard: number;
  /** Position of this record among the records of its topic and key, from 1; commit order (see docs/outbox.md). */
  readonly seq: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The encoded value, exactly as it will be written to Kafka. */
  readonly value: Binary;
  readonly createdAt: Date;
  /** True until the relay has published and marked the record (or quarantined it). */
  readonly pending: boolean;
  readonly publishedAt: Date | null;
  /**
   * Set when Kafka refused the record for good (too large, invalid): kept, not pending, and its key
   * waits behind it until an operator requeues it (requeueQuarantined) — order per key is kept.
   */
  readonly quarantined?: { readonly reason: string; readonly at: Date } | undefined;
}

/** Per topic and key: the last sequence number handed out and the last one published. */
export interface OutboxKeyCounter {
  readonly _id: string;
  readonly seq: number;
  readonly publishedSeq: number;
}

export interface OutboxCollections {
  readonly records: string;
  readonly keys: string;
  readonly leases: string;
}

export const collectionsFor = (prefix = 'outbox'): OutboxCollections => ({
  records: prefix,
  keys: `${prefix}_keys`,
  leases: `${prefix}_leases`,
});

export const keyCounterId = (topic: string, key: string): string => `${topic}\u0000${key}`;

/** The shard of a topic and key: a stable hash, the same in every process. */
export function shardOf(topic: string, key: string): number {
  return (
    createHash('sha1').update(topic).update('\u0000').update(key).digest().readUInt32BE(0) % OUTBOX_SHARDS
  );
}

/** Creates the outbox's indexes (and so its collections); idempotent, run at start-up. */
export async function ensureOutboxIndexes(
  db: Db,
  collections: OutboxCollections,
  retentionSeconds: number,
): Promise<void> {
  const records = db.collection(collections.records);
  await records.createIndex({ pending: 1, shard: 1, createdAt: 1 }, { name: 'pending_by_shard' });
  // Published records disappear after the retention; pending ones have no publishedAt and never expire.
  const ttl = (await records.listIndexes().toArray()).find((i) => i['name'] === 'published_ttl');
  if (!ttl) {
    await records.createIndex(
      { publishedAt: 1 },
      { name: 'published_ttl', expireAfterSeconds: retentionSeconds },
    );
  } else if (ttl['expireAfterSeconds'] !== retentionSeconds) {
    // A changed retention is applied in place; createIndex would refuse the different option.
    await db.command({
      collMod: collections.records,
      index: { name: 'published_ttl', expireAfterSeconds: retentionSeconds },
    });
  }
  await db.collection(collections.keys).createIndex({ seq: 1 }, { name: 'key_seq' });
}
