// The outbox's inserts as a change stream: commit order, one getMore for a whole batch. Change streams
// only return majority-committed changes, and a transaction's inserts appear when it commits — in the
// order of commits, not of the ids or times assigned before them (the gap ThreeDotsLabs/watermill#311
// fell into). Started at a shard checkpoint's cluster time, inclusively.
import type {
  ChangeStream,
  ChangeStreamInsertDocument,
  Collection,
  MongoClient,
  ResumeToken,
  Timestamp,
} from 'mongodb';
import { pause } from '@mailfleet/retry';
import type { OutboxRecord } from './outbox-schema';
import { compareTimestamps, type StreamCheckpoint } from './stream-checkpoint';

export interface FeedEvent {
  /** The commit's cluster time. */
  readonly at: Timestamp;
  readonly id: string;
  /** When it committed, by the server's clock (the record's createdAt where the server gives none). */
  readonly wall: Date;
  /** The event's resume token: where a stream resumes after it. */
  readonly token: unknown;
  readonly record: OutboxRecord;
}

/**
 * A checkpoint older than this is checked against the oplog's oldest entry before the stream is opened
 * there: a server that silently starts at its oldest entry instead of failing (the local stand-in does)
 * would otherwise skip what rolled out of the oplog meanwhile.
 */
const CHECK_HISTORY_AFTER_MS = 30_000;

/** An empty answer this much sooner than maxAwaitTimeMS was a wake-up for a write we do not watch. */
const SPURIOUS_WAKE_PAUSE_MS = 100;

/**
 * The server no longer has the stream's resume point (the oplog rolled over while the relay was away):
 * ChangeStreamHistoryLost (286), ChangeStreamFatalError (280), CappedPositionLost (136).
 */
export function isHistoryLost(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 286 || code === 280 || code === 136;
}

class HistoryLostError extends Error {
  readonly code = 286;
}

/**
 * Change events the driver already holds in memory. Not in ChangeStream's typed API, so read defensively:
 * without it a round simply takes one event (correct, only slower).
 */
function bufferedCount(stream: ChangeStream): number {
  const cursor = (stream as unknown as { cursor?: { bufferedCount?: () => number } }).cursor;
  return typeof cursor?.bufferedCount === 'function' ? cursor.bufferedCount() : 0;
}

export class ChangeFeed {
  private stream: ChangeStream<OutboxRecord, ChangeStreamInsertDocument<OutboxRecord>> | undefined;
  private openFor = '';
  /**
   * When the last read that came back empty began: the stream had delivered everything committed before
   * then (a getMore answers empty only at the oplog's present). Undefined after an event, or once closed.
   */
  headAt: Date | undefined;

  constructor(
    private readonly client: MongoClient,
    private readonly records: Collection<OutboxRecord>,
    private readonly options: {
      readonly batchSize: number;
      readonly maxAwaitMs: number;
      readonly now: () => Date;
    },
  ) {}

  /**
   * Opens the stream for these shards from the checkpoint's time (inclusive), unless it is open for them
   * already. Throws an error isHistoryLost() recognises when the oplog no longer reaches back there.
   */
  async ensureOpen(shards: readonly number[], from: StreamCheckpoint): Promise<void> {
    const key = [...shards].sort((a, b) => a - b).join(',');
    if (this.stream && this.openFor === key) return;
    await this.close();
    if (this.options.now().getTime() - from.wall.getTime() > CHECK_HISTORY_AFTER_MS) {
      const oldest = await this.oldestOplogEntry();
      if (oldest && compareTimestamps(oldest, from.at) > 0)
        throw new HistoryLostError(`the oplog starts after the checkpoint (${from.wall.toISOString()})`);
    }
    this.openFor = key;
    this.stream = this.records.watch<OutboxRecord, ChangeStreamInsertDocument<OutboxRecord>>(
      [{ $match: { operationType: 'insert', 'fullDocument.shard': { $in: [...shards] } } }],
      {
        // After the last event published when the checkpoint names it (the events at its time that
        // follow it are not in `ids`, so nothing is skipped); from its time otherwise (a catch-up).
        ...(from.token === undefined
          ? { startAtOperationTime: from.at }
          : { startAfter: from.token as ResumeToken }),
        batchSize: this.options.batchSize,
        maxAwaitTimeMS: this.options.maxAwaitMs,
      },
    );
  }

  /**
   * The stream's present position, without waiting for an event: a change stream's first answer with an
   * empty batch carries the position it reached (its postBatchResumeToken). A catch-up takes it before
   * it scans, so that the stream, resumed after it, overlaps the scan and leaves no gap.
   */
  async position(): Promise<{ at: Timestamp; token: unknown }> {
    const reply = await this.records.db.command({
      aggregate: this.records.collectionName,
      pipeline: [{ $changeStream: {} }],
      cursor: { batchSize: 0 },
    });
    const cursor = reply['cursor'] as { id?: unknown; postBatchResumeToken?: unknown } | undefined;
    if (cursor?.id)
      await this.records.db
        .command({ killCursors: this.records.collectionName, cursors: [cursor.id] })
        .catch(() => undefined);
    const at = reply['operationTime'] as Timestamp | undefined;
    if (!at || !cursor?.postBatchResumeToken)
      throw new Error('the server gives no change stream position: set RELAY_USE_CHANGE_STREAM=false');
    return { at, token: cursor.postBatchResumeToken };
  }

  /** The oplog's first entry; undefined when it cannot be read (a user without rights on `local`). */
  private async oldestOplogEntry(): Promise<Timestamp | undefined> {
    const first = await this.client
      .db('local')
      .collection<{ ts: Timestamp }>('oplog.rs')
      .find({}, { projection: { ts: 1 } })
      .sort({ $natural: 1 })
      .limit(1)
      .next()
      .catch(() => null);
    return first?.ts;
  }

  /**
   * The next batch of inserts, at most batchSize: what one getMore returns (plus what the driver holds
   * already), or nothing after about `waitMs`. Throws when the stream broke; the caller closes it and
   * reopens from its checkpoint.
   */
  async read(waitMs: number, signal: AbortSignal): Promise<FeedEvent[]> {
    const stream = this.stream;
    if (!stream) return [];
    const deadline = Date.now() + waitMs;
    const began = this.options.now();
    this.headAt = undefined;
    for (;;) {
      const asked = Date.now();
      const first = await stream.tryNext();
      if (first) {
        const events = [toEvent(first)];
        while (events.length < this.options.batchSize && bufferedCount(stream) > 0) {
          const next = await stream.tryNext();
          if (!next) break;
          events.push(toEvent(next));
        }
        return events;
      }
      if (signal.aborted || this.stream !== stream) return [];
      if (Date.now() >= deadline) {
        this.headAt = began;
        return [];
      }
      // The local stand-in answers a waiting getMore for every write anywhere: asking again at once would
      // spin at the rate of unrelated writes. A short pause costs at most that much latency.
      if (Date.now() - asked < this.options.maxAwaitMs / 2) await pause(SPURIOUS_WAKE_PAUSE_MS, signal);
    }
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    this.openFor = '';
    this.headAt = undefined;
    await stream?.close().catch(() => undefined);
  }
}

function toEvent(change: ChangeStreamInsertDocument<OutboxRecord>): FeedEvent {
  const record = change.fullDocument;
  return {
    at: change.clusterTime as Timestamp,
    id: record._id,
    wall: (change as { wallTime?: Date }).wallTime ?? record.createdAt,
    token: change._id,
    record,
  };
}
