// The relay core: publishes committed records of the shards it leases, in per-key commit order. Two
// ways, one chosen at start: from the change stream with one checkpoint per round (stream-relay.ts; the
// default), or — for servers without change streams — by polling for pending records and marking them
// published with each key's position (relay-marks.ts). At least once either way: a crash between publish
// and checkpoint or mark publishes again, with the same event id.
import { randomUUID } from 'node:crypto';
import type { Db, MongoClient } from 'mongodb';
import type { Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import type { Logger } from '@mailfleet/logger';
import { backoffDelay, pause } from '@mailfleet/retry';
import { PollTimer } from './poll-timer';
import {
  collectionsFor,
  ensureOutboxIndexes,
  keyCounterId,
  type OutboxCollections,
  type OutboxKeyCounter,
  type OutboxRecord,
} from './outbox-schema';
import { createRelayMetrics, type RelayMetrics } from './relay-metrics';
import { RelayMarks } from './relay-marks';
import { RelayPublisher } from './relay-publisher';
import { selectPublishable } from './publish-order';
import { ShardLeases } from './shard-leases';
import { StreamRelay } from './stream-relay';
import { unpublishedSummary } from './unpublished';

export interface RelayOptions {
  readonly client: MongoClient;
  readonly db: Db;
  /** An idempotent kafkajs producer (one request in flight), connected by the caller. */
  readonly producer: Producer;
  readonly logger: Logger;
  readonly metrics?: Registry;
  readonly collectionPrefix?: string;
  readonly instanceId?: string;
  readonly batchSize?: number;
  /**
   * How long a relay that just published waits before it reads again, so that records committed close
   * together are published together (Kafka's linger.ms for the outbox): a round costs the same few round
   * trips for 1 record as for 500.
   */
  readonly lingerMs?: number;
  /** Without a change stream: how often the relay looks for new records. */
  readonly pollIntervalMs?: number;
  /** Relay from the change stream (default); false polls and marks every record (servers without streams). */
  readonly useChangeStream?: boolean;
  readonly leaseMs?: number;
  readonly retentionSeconds?: number;
  /**
   * How much later than its createdAt a record may commit (more than MongoDB's transaction lifetime plus
   * the writers' clock skew): retention and recovery after lost stream history keep this much. 5 minutes.
   */
  readonly lateCommitMarginMs?: number;
  /** How often the retention sweep runs (change-stream relaying). 10 minutes. */
  readonly sweepEveryMs?: number;
  /** Test-only fault injection: wait this long between publishing and marking (makes the crash window reachable). */
  readonly pauseAfterPublishMs?: number;
  readonly now?: () => Date;
}

const MAJORITY = { readConcern: { level: 'majority' as const } };
/** A failed round (MongoDB or Kafka away) waits between half and all of 200 ms·2^n, at most 10 s. */
const ROUND_BACKOFF = { initialMs: 200, maxMs: 10_000, jitter: 'equal' } as const;

export class OutboxRelay {
  readonly instanceId: string;
  private readonly collections: OutboxCollections;
  private readonly leases: ShardLeases;
  private readonly metrics: RelayMetrics;
  private readonly now: () => Date;
  private waker: PollTimer | undefined;
  private stream: StreamRelay | undefined;
  private running = false;
  /** Aborted by stop(): a linger or a backoff in hand ends at once. */
  private stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private lastLeaseCheck = 0;
  private healthy = false;
  /** The last round read a full batch: more may be waiting without a wake-up of their own. */
  private lastRoundFull = false;
  private readonly publisher: RelayPublisher;
  private readonly marks: RelayMarks;

  constructor(private readonly options: RelayOptions) {
    this.instanceId = options.instanceId ?? `relay-${randomUUID().slice(0, 8)}`;
    this.collections = collectionsFor(options.collectionPrefix);
    this.now = options.now ?? (() => new Date());
    const leaseMs = options.leaseMs ?? 10_000;
    this.leases = new ShardLeases(options.db, this.collections, {
      instanceId: this.instanceId,
      leaseMs,
      safetyMarginMs: Math.floor(leaseMs / 5),
      now: this.now,
    });
    this.metrics = createRelayMetrics(
      options.metrics ?? new Registry(),
      () => unpublishedSummary(options.db, options.collectionPrefix),
      () => this.leases.validShards().size,
    );
    const { db, logger, producer } = options;
    const deps = { metrics: this.metrics, logger };
    this.publisher = new RelayPublisher({ ...deps, producer, records: this.records, now: this.now });
    this.marks = new RelayMarks({ ...deps, db, collections: this.collections, leases: this.leases });
  }

  private get records() {
    return this.options.db.collection<OutboxRecord>(this.collections.records);
  }

  /** True while the last round reached MongoDB and Kafka. */
  isHealthy(): boolean {
    return this.healthy;
  }

  async start(): Promise<void> {
    await ensureOutboxIndexes(
      this.options.db,
      this.collections,
      this.options.retentionSeconds ?? 7 * 24 * 3600,
    );
    this.running = true;
    this.stopping = new AbortController();
    if (this.options.useChangeStream === false) {
      this.waker = new PollTimer();
      this.loop = this.run();
      return;
    }
    const leaseMs = this.options.leaseMs ?? 10_000;
    this.stream = new StreamRelay({
      client: this.options.client,
      db: this.options.db,
      collections: this.collections,
      leases: this.leases,
      publisher: this.publisher,
      metrics: this.metrics,
      logger: this.options.logger,
      now: this.now,
      batchSize: this.options.batchSize ?? 500,
      maxAwaitMs: Math.min(10_000, Math.floor(leaseMs / 3)),
      retentionSeconds: this.options.retentionSeconds ?? 7 * 24 * 3600,
      lateCommitMarginMs: this.options.lateCommitMarginMs ?? 5 * 60_000,
      sweepEveryMs: this.options.sweepEveryMs ?? 10 * 60_000,
      pauseAfterPublishMs: this.options.pauseAfterPublishMs,
      stage: (name, fn) => this.stage(name, fn),
    });
    this.loop = this.runStream(this.stream);
  }

  /** Finishes the round in hand, gives the leases back (so another relay takes over at once) and stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await this.waker?.close();
    await this.stream?.close();
    await this.loop;
    await this.leases
      .releaseAll()
      .catch((err: unknown) => this.options.logger.warn({ err }, 'could not release leases'));
  }

  /** Change-stream relaying: keep the leases, read, publish, checkpoint; a failed round starts over. */
  private async runStream(stream: StreamRelay): Promise<void> {
    const leaseEvery = Math.floor((this.options.leaseMs ?? 10_000) / 3);
    let failures = 0;
    let busy = false;
    while (this.running) {
      try {
        if (stream.leasesChanged || Date.now() - this.lastLeaseCheck >= leaseEvery) {
          await this.stage('lease', () => this.leases.maintain());
          this.lastLeaseCheck = Date.now();
          stream.leasesChanged = false;
          // MongoDB answers; a round that waits on the stream for long is no sign of trouble.
          this.healthy = failures === 0 || this.healthy;
        }
        if (busy && this.options.lingerMs) await pause(this.options.lingerMs, this.stopping.signal);
        if (!this.running) break;
        const untilLease = Math.max(50, leaseEvery - (Date.now() - this.lastLeaseCheck));
        const valid = this.leases.validShards();
        const taken = await stream.round(valid, untilLease, this.stopping.signal);
        if (valid.size === 0) await pause(untilLease, this.stopping.signal);
        busy = taken > 0;
        this.healthy = true;
        failures = 0;
      } catch (err) {
        this.healthy = false;
        busy = false;
        await stream.close();
        if (!this.running) break;
        const delay = backoffDelay(failures++, ROUND_BACKOFF);
        this.options.logger.warn(
          { err, retryInMs: delay },
          'relay round failed; retrying from the checkpoints',
        );
        await pause(delay, this.stopping.signal);
      }
    }
  }

  /** Polling relaying: keep the leases, fetch pending records, publish, mark. */
  private async run(): Promise<void> {
    const leaseEvery = Math.floor((this.options.leaseMs ?? 10_000) / 3);
    let failures = 0;
    let woken = true;
    while (this.running) {
      try {
        if (Date.now() - this.lastLeaseCheck >= leaseEvery) {
          await this.stage('lease', () => this.leases.maintain());
          this.lastLeaseCheck = Date.now();
        }
        if (woken && this.options.lingerMs) await pause(this.options.lingerMs, this.stopping.signal);
        const published = await this.relayOnce();
        this.healthy = true;
        failures = 0;
        // A round that found records is followed by another (after the linger) without waiting; the
        // first that finds nothing waits for the poll interval.
        woken = this.lastRoundFull || published > 0;
        if (!woken) await this.waker?.wait(Math.min(this.options.pollIntervalMs ?? 1_000, leaseEvery));
      } catch (err) {
        this.healthy = false;
        const delay = backoffDelay(failures++, ROUND_BACKOFF);
        this.options.logger.warn({ err, retryInMs: delay }, 'relay round failed; retrying');
        await pause(delay, this.stopping.signal);
      }
    }
  }

  private async stage<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const end = this.metrics.stageSeconds.startTimer({ stage: name });
    try {
      const result = await fn();
      end();
      return result;
    } catch (err) {
      this.metrics.errors.inc({ stage: name });
      throw err;
    }
  }

  /** One polling round: fetch, publish, mark. Returns how many records were published. */
  async relayOnce(): Promise<number> {
    this.lastRoundFull = false;
    const shards = this.leases.validShards();
    if (shards.size === 0) return 0;
    const { candidates, counters } = await this.stage('fetch', async () => {
      // Only majority-committed records are published: a record read before its write reached a
      // majority could be rolled back by a failover after Kafka already has it.
      const candidates = await this.options.db
        .collection<OutboxRecord>(this.collections.records, MAJORITY)
        .find({ pending: true, shard: { $in: [...shards.keys()] } })
        .sort({ createdAt: 1, _id: 1 })
        .limit(this.options.batchSize ?? 500)
        .toArray();
      if (candidates.length === 0) return { candidates, counters: new Map<string, number>() };
      this.lastRoundFull = candidates.length >= (this.options.batchSize ?? 500);
      const known = this.marks.knownPublishedSeqs(candidates, shards);
      const keyIds = [...new Set(candidates.map((r) => keyCounterId(r.topic, r.key)))].filter(
        (id) => !known.has(id),
      );
      const counters =
        keyIds.length === 0
          ? []
          : await this.options.db
              .collection<OutboxKeyCounter>(this.collections.keys, MAJORITY)
              .find({ _id: { $in: keyIds } })
              .toArray();
      for (const c of counters) known.set(c._id, c.publishedSeq);
      return { candidates, counters: known };
    });
    const batch = selectPublishable(candidates, counters);
    if (batch.length === 0) return 0;

    const { published } = await this.stage('publish', () => this.publisher.publish(batch));
    if (published.length === 0) return 0;
    const publishedAt = this.now();
    for (const r of published)
      this.metrics.latency.observe((publishedAt.getTime() - r.createdAt.getTime()) / 1000);
    if (this.options.pauseAfterPublishMs) await pause(this.options.pauseAfterPublishMs);
    const marked = await this.stage('mark', () => this.marks.mark(published, shards, publishedAt));
    this.metrics.published.inc(marked);
    return marked;
  }
}
