// Relaying from the change stream (docs/outbox.md, "How the relay works"): the inserts of the shards this
// relay leases, read in commit order, published, and one checkpoint written per round for all of them —
// no write per record. A shard without a checkpoint (never relayed this way) or whose resume point the
// server no longer has is caught up by a scan first. A key whose record Kafka refused for good is held
// in the shard's lease document until an operator requeues the record.
import type { Db, MongoClient } from 'mongodb';
import type { Logger } from '@mailfleet/logger';
import { ChangeFeed, isHistoryLost, type FeedEvent } from './change-feed';
import { LeaseState } from './lease-state';
import { keyCounterId, type OutboxCollections, type OutboxRecord } from './outbox-schema';
import { inKeyOrder } from './publish-order';
import type { RelayMetrics } from './relay-metrics';
import type { RelayPublisher } from './relay-publisher';
import type { HeldKey, ShardLeases } from './shard-leases';
import {
  checkpointAfter,
  compareTimestamps,
  coveredBy,
  earliest,
  isCheckpoint,
  type StreamCheckpoint,
} from './stream-checkpoint';

export interface StreamRelayOptions {
  readonly client: MongoClient;
  readonly db: Db;
  readonly collections: OutboxCollections;
  readonly leases: ShardLeases;
  readonly publisher: RelayPublisher;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly batchSize: number;
  /** The longest one read waits for an insert (the relay keeps its leases between reads). */
  readonly maxAwaitMs: number;
  readonly retentionSeconds: number;
  /**
   * How much later than its createdAt a record can commit: more than MongoDB's transaction lifetime
   * (transactionLifetimeLimitSeconds, 60 s by default) plus the writers' clock skew. A record created
   * this long before a checkpoint is known to be behind it (retention, recovery after lost history).
   */
  readonly lateCommitMarginMs: number;
  readonly sweepEveryMs: number;
  readonly pauseAfterPublishMs?: number;
  /** Times a stage of the round (the relay's stage histogram). */
  readonly stage: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
}

const MAJORITY = { readConcern: { level: 'majority' as const } };

interface Adopted {
  readonly token: number;
  checkpoint: StreamCheckpoint | undefined;
}

export class StreamRelay {
  private readonly feed: ChangeFeed;
  private readonly state: LeaseState;
  private readonly shards = new Map<number, Adopted>();
  /** Per key (topic and key), the quarantined record it waits behind. */
  private readonly held = new Map<string, HeldKey & { readonly shard: number }>();
  /** Shards whose resume point the server lost: caught up by a scan from their checkpoint's time. */
  private readonly lostHistory = new Set<number>();
  private lastSweep = Date.now();
  /**
   * Per shard, when the stream last stood at the present with nothing left for it (ChangeFeed.headAt):
   * the sweep's reference on a shard no new record has moved the checkpoint of. Forgotten with the shard.
   */
  private readonly caughtUp = new Map<number, Date>();
  /**
   * Records a catch-up scan published that the stream may deliver again (committed after the scan's
   * start time): skipped once, until the stream has caught up with the present.
   */
  private scanned = new Set<string>();
  /** A write found a shard no longer ours: the caller renews its view of the leases before the next round. */
  leasesChanged = false;

  constructor(private readonly o: StreamRelayOptions) {
    this.feed = new ChangeFeed(o.client, this.records, {
      batchSize: o.batchSize,
      maxAwaitMs: o.maxAwaitMs,
      now: o.now,
    });
    this.state = new LeaseState(o.leases.collection, o.leases.instanceId);
  }

  private get records() {
    return this.o.db.collection<OutboxRecord>(this.o.collections.records);
  }

  /**
   * One round over the shards held now (shard → lease token): reads what the stream has, waiting at most
   * `waitMs`, publishes it and writes the checkpoint. Returns how many change events it took.
   */
  async round(valid: ReadonlyMap<number, number>, waitMs: number, signal: AbortSignal): Promise<number> {
    this.adopt(valid);
    if (valid.size === 0) {
      await this.feed.close();
      return 0;
    }
    await this.releaseRequeued(valid);
    const behind = [...valid.keys()].filter(
      (s) => !this.shards.get(s)?.checkpoint || this.lostHistory.has(s),
    );
    if (behind.length > 0) await this.o.stage('catch-up', () => this.catchUp(behind, valid));
    const from = earliest([...valid.keys()].map((s) => this.shards.get(s)?.checkpoint).filter(isCheckpoint));
    if (!from) return 0;
    let events: FeedEvent[];
    try {
      await this.feed.ensureOpen([...valid.keys()], from);
      events = await this.o.stage('read', () => this.feed.read(waitMs, signal));
    } catch (err) {
      await this.feed.close();
      this.o.metrics.streamErrors.inc();
      if (!isHistoryLost(err)) throw err;
      for (const s of valid.keys()) {
        this.lostHistory.add(s);
        this.caughtUp.delete(s);
      }
      this.o.metrics.historyLost.inc();
      this.o.logger.error(
        { err, shards: [...valid.keys()] },
        'the outbox change stream lost its resume point (oplog rolled over); catching up by a scan from the checkpoints, records near them may be published again',
      );
      return 0;
    }
    if (events.length > 0) await this.relay(events, valid);
    else {
      this.scanned.clear();
      const head = this.feed.headAt;
      if (head) for (const s of valid.keys()) if (!this.lostHistory.has(s)) this.caughtUp.set(s, head);
    }
    if (Date.now() - this.lastSweep >= this.o.sweepEveryMs)
      await this.o.stage('sweep', () => this.sweep(valid));
    return events.length;
  }

  /**
   * Closes the stream: on stop, and after a failed round (the next one reads again from the
   * checkpoints).
   */
  close(): Promise<void> {
    return this.feed.close();
  }

  /** Takes over what the lease documents say of newly leased shards; forgets shards no longer held. */
  private adopt(valid: ReadonlyMap<number, number>): void {
    for (const [shard, adopted] of this.shards)
      if (valid.get(shard) !== adopted.token) {
        this.shards.delete(shard);
        this.caughtUp.delete(shard);
        this.lostHistory.delete(shard);
        for (const [key, h] of this.held) if (h.shard === shard) this.held.delete(key);
      }
    for (const [shard, token] of valid) {
      if (this.shards.has(shard)) continue;
      const doc = this.o.leases.documentOf(shard);
      const checkpoint = isCheckpoint(doc?.checkpoint) ? doc.checkpoint : undefined;
      this.shards.set(shard, { token, checkpoint });
      for (const h of doc?.held ?? []) this.held.set(keyCounterId(h.topic, h.key), { ...h, shard });
    }
  }

  private async relay(events: readonly FeedEvent[], valid: ReadonlyMap<number, number>): Promise<void> {
    // A lease that lapsed during the read: its records are left to the next owner.
    const still = this.o.leases.validShards();
    const lapsed = events.filter((e) => still.get(e.record.shard) !== valid.get(e.record.shard));
    const mine = events.filter(
      (e) =>
        !lapsed.includes(e) &&
        !coveredBy(this.shards.get(e.record.shard)?.checkpoint, e.at, e.id) &&
        !this.scanned.delete(e.id),
    );
    const published = await this.publish(this.free(mine.map((e) => e.record)), valid);
    await this.crashWindow();
    // The stream covered every shard it watches up to the last event: each shard's checkpoint moves
    // there, except one a catch-up put later still.
    const checkpoint = checkpointAfter(events);
    const moving = new Map(
      [...still].filter(([shard, token]) => {
        const adopted = this.shards.get(shard);
        return (
          valid.get(shard) === token &&
          adopted?.checkpoint !== undefined &&
          compareTimestamps(adopted.checkpoint.at, checkpoint.at) <= 0
        );
      }),
    );
    // One write per round. A checkpoint that stood at this very time already (a transaction split over
    // two rounds) keeps the ids of both rounds.
    const before = [...moving.keys()].flatMap((shard) => {
      const previous = this.shards.get(shard)?.checkpoint;
      return previous && compareTimestamps(previous.at, checkpoint.at) === 0 ? previous.ids : [];
    });
    const next: StreamCheckpoint = { ...checkpoint, ids: [...new Set([...before, ...checkpoint.ids])] };
    const saved = await this.o.stage('checkpoint', () => this.state.saveCheckpoint(moving, next));
    if (!saved) {
      this.o.metrics.leaseLapsed.inc();
      this.leasesChanged = true;
      this.o.logger.warn(
        { shards: [...moving.keys()] },
        'a shard changed hands during the round; its next owner resumes from the last checkpoint and may publish some records again (at least once)',
      );
    }
    for (const shard of moving.keys()) {
      const adopted = this.shards.get(shard);
      if (adopted) adopted.checkpoint = next;
    }
    // Events of a shard whose lease lapsed were read but not published: the stream must be read again
    // from the checkpoints, by whoever holds the shard next round.
    if (lapsed.length > 0 || !saved) await this.feed.close();
    this.o.metrics.published.inc(published);
  }

  /** Test-only: a pause between publishing and the checkpoint, so a crash there can be provoked. */
  private async crashWindow(): Promise<void> {
    if (this.o.pauseAfterPublishMs) await new Promise((r) => setTimeout(r, this.o.pauseAfterPublishMs));
  }

  /** The records whose keys are not held. */
  private free(records: readonly OutboxRecord[]): OutboxRecord[] {
    return records.filter((r) => !this.held.has(keyCounterId(r.topic, r.key)));
  }

  /** Publishes records in the given order; a quarantined record holds its key. */
  private async publish(
    records: readonly OutboxRecord[],
    valid: ReadonlyMap<number, number>,
  ): Promise<number> {
    if (records.length === 0) return 0;
    const { published } = await this.o.stage('publish', () =>
      this.o.publisher.publish(records, (quarantined) => this.hold(quarantined, valid)),
    );
    const at = this.o.now().getTime();
    for (const r of published) this.o.metrics.latency.observe((at - r.createdAt.getTime()) / 1000);
    return published.length;
  }

  private async hold(record: OutboxRecord, valid: ReadonlyMap<number, number>): Promise<void> {
    const held: HeldKey = {
      topic: record.topic,
      key: record.key,
      eventId: record._id,
      seq: record.seq,
      since: this.o.now(),
    };
    // Written before the checkpoint passes the record: otherwise a new owner would publish the key's
    // later records without it.
    if (!(await this.state.hold(record.shard, valid.get(record.shard) ?? -1, held)))
      throw new Error(`lost the lease of shard ${record.shard} while holding key ${record.key}`);
    this.held.set(keyCounterId(record.topic, record.key), { ...held, shard: record.shard });
  }

  /**
   * Keys an operator requeued: the quarantined record and the key's later records, by seq, published
   * before the stream goes on — so the key's order holds. A record of the key that the stream delivers
   * later again is published twice (at least once), never before its predecessors.
   */
  private async releaseRequeued(valid: ReadonlyMap<number, number>): Promise<void> {
    for (const [shard, token] of valid) {
      const requeued = this.o.leases.documentOf(shard)?.requeued ?? [];
      for (const eventId of requeued) {
        const entry = [...this.held].find(([, h]) => h.eventId === eventId);
        if (entry) {
          const [key, h] = entry;
          const records = await this.records
            .find({ pending: true, shard, topic: h.topic, key: h.key, seq: { $gte: h.seq } })
            .sort({ seq: 1 })
            .toArray();
          // Published while the key is still held (nothing else of it goes out meanwhile); refused again,
          // the record holds the key anew under a new entry, which the release below leaves alone.
          await this.publish(records, valid);
          if (!(await this.state.released(shard, token, { eventId, since: h.since })))
            this.leasesChanged = true;
          if (this.held.get(key) === h) this.held.delete(key);
          this.o.logger.info({ eventId, key: h.key, records: records.length }, 'requeued key released');
        } else if (!(await this.state.released(shard, token, { eventId }))) this.leasesChanged = true;
        const doc = this.o.leases.documentOf(shard);
        if (doc?.requeued) doc.requeued = doc.requeued.filter((id) => id !== eventId);
      }
    }
  }

  /**
   * Publishes what the stream cannot give: every pending record of a shard never relayed from the stream,
   * or — for one whose resume point is lost — those created since a margin before its checkpoint. Then
   * the stream goes on from the time taken before the scan began (what commits during the scan is in
   * both: at least once).
   */
  private async catchUp(shards: readonly number[], valid: ReadonlyMap<number, number>): Promise<void> {
    const { at: startedAt, token } = await this.feed.position();
    const wall = this.o.now();
    const filter = {
      pending: true,
      $or: shards.map((shard) => {
        const checkpoint = this.shards.get(shard)?.checkpoint;
        return checkpoint && this.lostHistory.has(shard)
          ? { shard, createdAt: { $gte: new Date(checkpoint.wall.getTime() - this.o.lateCommitMarginMs) } }
          : { shard };
      }),
    };
    const cursor = this.o.db
      .collection<OutboxRecord>(this.o.collections.records, MAJORITY)
      .find(filter)
      .sort({ createdAt: 1, _id: 1 })
      .batchSize(this.o.batchSize);
    let page: OutboxRecord[] = [];
    let published = 0;
    const recent = wall.getTime() - this.o.lateCommitMarginMs;
    for await (const record of cursor) {
      page.push(record);
      if (record.createdAt.getTime() >= recent) this.scanned.add(record._id);
      if (page.length < this.o.batchSize) continue;
      published += await this.publish(this.free(inKeyOrder(page)), valid);
      page = [];
    }
    published += await this.publish(this.free(inKeyOrder(page)), valid);
    await this.crashWindow();
    const checkpoint: StreamCheckpoint = { at: startedAt, ids: [], wall, token };
    const caughtUp = new Map(shards.map((s) => [s, valid.get(s) ?? -1]));
    if (!(await this.state.saveCheckpoint(caughtUp, checkpoint))) {
      this.leasesChanged = true;
      throw new Error('lost a lease during the catch-up; the next owner catches the shard up again');
    }
    for (const s of shards) {
      const adopted = this.shards.get(s);
      if (adopted) adopted.checkpoint = checkpoint;
      this.lostHistory.delete(s);
    }
    this.o.metrics.published.inc(published);
    // The stream is reopened over the caught-up shards too.
    await this.feed.close();
    if (published > 0) this.o.logger.info({ shards, published }, 'caught up the outbox by a scan');
  }

  /**
   * Retention: records of our shards older than the retention and safely behind their shard's checkpoint
   * are deleted; quarantined records and the records of held keys stay until an operator acts.
   */
  private async sweep(valid: ReadonlyMap<number, number>): Promise<void> {
    this.lastSweep = Date.now();
    const retained = this.o.now().getTime() - this.o.retentionSeconds * 1000;
    const shards = [...valid.keys()].flatMap((shard) => {
      const checkpoint = this.shards.get(shard)?.checkpoint;
      if (!checkpoint) return [];
      // Everything committed before the reference is published: the checkpoint's time, or later, when
      // the stream has since stood at the present with nothing more for the shard (an idle shard's
      // checkpoint does not move, and its last records would otherwise stay until the next write).
      const reference = Math.max(checkpoint.wall.getTime(), this.caughtUp.get(shard)?.getTime() ?? 0);
      const before = Math.min(retained, reference - this.o.lateCommitMarginMs);
      return [{ shard, createdAt: { $lt: new Date(before) } }];
    });
    if (shards.length === 0) return;
    const held = [...this.held.values()].map((h) => ({ topic: h.topic, key: h.key }));
    // `pending: true` as written: what the stream relay published (it marks nothing), served by the
    // pending_by_shard index; records a polling relay marked expire by their TTL instead.
    const result = await this.records.deleteMany({
      pending: true,
      $or: shards,
      quarantined: { $exists: false },
      ...(held.length > 0 ? { $nor: held } : {}),
    });
    if (result.deletedCount > 0)
      this.o.logger.info({ deleted: result.deletedCount }, 'outbox retention sweep');
  }
}
