// The relay's marks: a published batch marked in one transaction, shard by shard under each lease's
// fencing token, with each key's highest published seq; and what this relay knows of its keys' counters
// without reading them.
import type { Db, MongoClient } from 'mongodb';
import type { Logger } from '@mailfleet/logger';
import {
  keyCounterId,
  type OutboxCollections,
  type OutboxKeyCounter,
  type OutboxRecord,
} from './outbox-schema';
import type { RelayMetrics } from './relay-metrics';
import type { ShardLeases } from './shard-leases';

export interface RelayMarksDeps {
  readonly client: MongoClient;
  readonly db: Db;
  readonly collections: OutboxCollections;
  readonly leases: ShardLeases;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
}

export class RelayMarks {
  /**
   * Per key, the published seq this relay itself committed, and the lease token it held for the key's
   * shard then: while that lease is unchanged no one else marks the shard, so the value is the truth
   * and the key's counter need not be read again. Cleared when a mark fails (its commit is unknown).
   */
  private readonly markedSeq = new Map<string, { readonly token: number; readonly seq: number }>();

  constructor(private readonly d: RelayMarksDeps) {}

  private get records() {
    return this.d.db.collection<OutboxRecord>(this.d.collections.records);
  }

  /**
   * The published seq of the candidates' keys that needs no read: a key whose first pending record is
   * its first ever (seq 1: nothing of it was published — a record is marked with its counter in one
   * transaction), or one this relay marked under the lease it still holds. Most keys of a busy outbox
   * are new (an order's first event), so most rounds read no counter at all.
   */
  knownPublishedSeqs(
    candidates: readonly OutboxRecord[],
    shards: ReadonlyMap<number, number>,
  ): Map<string, number> {
    const lowest = new Map<string, OutboxRecord>();
    for (const r of candidates) {
      const id = keyCounterId(r.topic, r.key);
      if (r.seq < (lowest.get(id)?.seq ?? Infinity)) lowest.set(id, r);
    }
    const known = new Map<string, number>();
    for (const [id, r] of lowest) {
      const marked = this.markedSeq.get(id);
      if (marked && marked.token === shards.get(r.shard)) known.set(id, marked.seq);
      else if (r.seq === 1) known.set(id, 0);
    }
    return known;
  }

  /** Marks the batch published in one transaction, shard by shard under each lease's fence. */
  async mark(
    batch: readonly OutboxRecord[],
    shards: Map<number, number>,
    publishedAt: Date,
  ): Promise<number> {
    let committed: { mine: readonly OutboxRecord[]; highest: ReadonlyMap<string, number> } = {
      mine: [],
      highest: new Map(),
    };
    // A mark that fails may have committed or not: what this relay knows of its keys is forgotten.
    await this.d.client
      .withSession((session) =>
        session.withTransaction(async () => {
          const fencedOut = await this.d.leases.fenceAll(
            session,
            new Map([...new Set(batch.map((r) => r.shard))].map((s) => [s, shards.get(s) ?? -1])),
          );
          const mine = batch.filter((r) => !fencedOut.has(r.shard));
          if (fencedOut.size > 0) {
            this.d.metrics.fencedOff.inc(fencedOut.size);
            this.d.logger.warn(
              { shards: [...fencedOut] },
              'lease lost before marking; the new owner publishes those records again',
            );
          }
          committed = { mine: [], highest: new Map() };
          if (mine.length === 0) return;
          await this.records.updateMany(
            { _id: { $in: mine.map((r) => r._id) } },
            { $set: { pending: false, publishedAt } },
            { session },
          );
          const highest = new Map<string, number>();
          for (const r of mine)
            highest.set(
              keyCounterId(r.topic, r.key),
              Math.max(highest.get(keyCounterId(r.topic, r.key)) ?? 0, r.seq),
            );
          await this.d.db.collection<OutboxKeyCounter>(this.d.collections.keys).bulkWrite(
            [...highest].map(([id, seq]) => ({
              updateOne: { filter: { _id: id }, update: { $max: { publishedSeq: seq } } },
            })),
            { session },
          );
          committed = { mine, highest };
        }),
      )
      .catch((err: unknown) => {
        this.markedSeq.clear();
        throw err;
      });
    // Committed: what this relay now knows about its keys (bounded: a relay holding many busy shards
    // simply reads some counters again).
    if (this.markedSeq.size > 50_000) this.markedSeq.clear();
    for (const r of committed.mine) {
      const id = keyCounterId(r.topic, r.key);
      const token = shards.get(r.shard) ?? -1;
      const before = this.markedSeq.get(id);
      const seq = Math.max(committed.highest.get(id) ?? 0, before?.token === token ? before.seq : 0);
      this.markedSeq.set(id, { token, seq });
    }
    return committed.mine.length;
  }
}
