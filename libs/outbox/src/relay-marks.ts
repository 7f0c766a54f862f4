// The relay's marks: a published batch marked with each key's highest published seq; and what this relay
// knows of its keys' counters without reading them.
import type { Db } from 'mongodb';
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

  /**
   * Marks the batch published: each key's highest published seq first, then the records — two writes,
   * no transaction and no fence. A mark only ever states a fact (these records are in Kafka) and
   * `$max` never lowers a key's position, so a relay whose lease lapsed meanwhile writes nothing
   * untrue; the order of the two writes is what makes a crash between them harmless (the records stay
   * pending at or below their key's position and are published again: at least once). The other
   * order would leave a key's position behind records no longer pending, and stall the key.
   */
  async mark(
    batch: readonly OutboxRecord[],
    shards: Map<number, number>,
    publishedAt: Date,
  ): Promise<number> {
    const highest = new Map<string, number>();
    for (const r of batch) {
      const id = keyCounterId(r.topic, r.key);
      highest.set(id, Math.max(highest.get(id) ?? 0, r.seq));
    }
    try {
      await this.d.db.collection<OutboxKeyCounter>(this.d.collections.keys).bulkWrite(
        [...highest].map(([id, seq]) => ({
          // Upserted: a key whose writer brings its own versions has no counter until its first mark.
          updateOne: { filter: { _id: id }, update: { $max: { publishedSeq: seq } }, upsert: true },
        })),
        { ordered: false },
      );
      await this.records.updateMany(
        { _id: { $in: batch.map((r) => r._id) } },
        { $set: { pending: false, publishedAt } },
      );
    } catch (err) {
      // Whether a failed write landed is unknown: what this relay knows of its keys is forgotten.
      this.markedSeq.clear();
      throw err;
    }
    const lapsed = [...new Set(batch.map((r) => r.shard))].filter(
      (s) => this.d.leases.validShards().get(s) !== shards.get(s),
    );
    if (lapsed.length > 0) {
      this.d.metrics.leaseLapsed.inc(lapsed.length);
      this.d.logger.warn(
        { shards: lapsed },
        'lease lapsed during the round; its records were published and marked, and the next owner may publish them again (at least once)',
      );
    }
    // Written: what this relay now knows about its keys (bounded: a relay holding many busy shards
    // simply reads some counters again).
    if (this.markedSeq.size > 50_000) this.markedSeq.clear();
    for (const r of batch) {
      const id = keyCounterId(r.topic, r.key);
      const token = shards.get(r.shard) ?? -1;
      const before = this.markedSeq.get(id);
      const seq = Math.max(highest.get(id) ?? 0, before?.token === token ? before.seq : 0);
      this.markedSeq.set(id, { token, seq });
    }
    return batch.length;
  }
}
