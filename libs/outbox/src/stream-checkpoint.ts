// Where a shard's relaying stands on the outbox's change stream: the cluster time of the last change
// event published, and which events at exactly that time were published. Pure; kept in the shard's
// lease document (lease-state.ts) and written once per relay round, whatever the round's size.
import { Timestamp } from 'mongodb';

export interface StreamCheckpoint {
  /** The cluster time of the last event published (resumed from inclusively: startAtOperationTime). */
  readonly at: Timestamp;
  /**
   * The events at exactly `at` already published: a transaction's events share one cluster time on
   * MongoDB, so a round may end inside one; resuming skips these instead of publishing them again.
   */
  readonly ids: readonly string[];
  /** About when `at` was: records created this long before it are all committed (retention, recovery). */
  readonly wall: Date;
  /**
   * The resume token of the last event published, when the checkpoint came from the stream (not from a
   * catch-up): a stream resumes after it by seeking, not by scanning from a time (which the local
   * stand-in does through its whole oplog).
   */
  readonly token?: unknown;
}

export function compareTimestamps(a: Timestamp, b: Timestamp): number {
  return a.t !== b.t ? a.t - b.t : a.i - b.i;
}

/** True when a change event (its cluster time and event id) was published before the checkpoint was written. */
export function coveredBy(checkpoint: StreamCheckpoint | undefined, at: Timestamp, id: string): boolean {
  if (!checkpoint) return false;
  const c = compareTimestamps(at, checkpoint.at);
  return c < 0 || (c === 0 && checkpoint.ids.includes(id));
}

/** The earliest checkpoint of a set of shards: where one change stream for all of them must start. */
export function earliest(checkpoints: Iterable<StreamCheckpoint>): StreamCheckpoint | undefined {
  let first: StreamCheckpoint | undefined;
  for (const c of checkpoints) if (!first || compareTimestamps(c.at, first.at) < 0) first = c;
  return first;
}

/**
 * The checkpoint after a round that published `events` (in stream order, at least one): the last
 * event's time, and every event at that time — so a checkpoint never ends halfway through a transaction
 * without saying which half.
 */
export function checkpointAfter(
  events: readonly {
    readonly at: Timestamp;
    readonly id: string;
    readonly wall: Date;
    readonly token?: unknown;
  }[],
): StreamCheckpoint {
  const last = events[events.length - 1];
  if (!last) throw new Error('checkpointAfter: no events');
  const ids = events.filter((e) => compareTimestamps(e.at, last.at) === 0).map((e) => e.id);
  return { at: last.at, ids, wall: last.wall, ...(last.token === undefined ? {} : { token: last.token }) };
}

/** A checkpoint as stored (BSON): the driver gives back a Timestamp, a Date and an array. */
export function isCheckpoint(value: unknown): value is StreamCheckpoint {
  const v = value as Partial<StreamCheckpoint> | null | undefined;
  return v?.at instanceof Timestamp && v.wall instanceof Date && Array.isArray(v.ids);
}
