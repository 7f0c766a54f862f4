// How far behind an outbox's relaying is: the records not yet published, read from the records and the
// shards' checkpoints — for gauges, the pipeline-health view and tests. A relay reading the change stream
// marks nothing per record: a record is unpublished while it is pending and created after its shard's
// checkpoint (one committed long after its creation may be counted late).
import type { Db, Filter } from 'mongodb';
import { collectionsFor, type OutboxRecord } from './outbox-schema';
import type { LeaseDoc } from './shard-leases';
import { isCheckpoint, type StreamCheckpoint } from './stream-checkpoint';

/** The filter of unpublished records, given the shards' checkpoints (pure). */
export function unpublishedFilter(checkpoints: ReadonlyMap<number, StreamCheckpoint>): Filter<OutboxRecord> {
  if (checkpoints.size === 0) return { pending: true };
  return {
    pending: true,
    $or: [
      { shard: { $nin: [...checkpoints.keys()] } },
      ...[...checkpoints].map(([shard, c]) => ({ shard, createdAt: { $gt: c.wall } })),
    ],
  };
}

export interface UnpublishedSummary {
  readonly count: number;
  /** The oldest unpublished record's createdAt; null when there is none. */
  readonly oldestCreatedAt: Date | null;
}

export async function unpublishedSummary(db: Db, collectionPrefix?: string): Promise<UnpublishedSummary> {
  const collections = collectionsFor(collectionPrefix);
  const leases = await db.collection<LeaseDoc>(collections.leases).find({}).toArray();
  const checkpoints = new Map(
    leases.flatMap((l) =>
      typeof l._id === 'number' && isCheckpoint(l.checkpoint) ? [[l._id, l.checkpoint]] : [],
    ),
  ) as Map<number, StreamCheckpoint>;
  const filter = unpublishedFilter(checkpoints);
  const records = db.collection<OutboxRecord>(collections.records);
  const count = await records.countDocuments(filter);
  if (count === 0) return { count, oldestCreatedAt: null };
  const oldest = await records
    .find(filter, { projection: { createdAt: 1 } })
    .sort({ createdAt: 1 })
    .limit(1)
    .next();
  return { count, oldestCreatedAt: oldest?.createdAt ?? null };
}

export const unpublishedCount = async (db: Db, collectionPrefix?: string): Promise<number> =>
  (await unpublishedSummary(db, collectionPrefix)).count;
