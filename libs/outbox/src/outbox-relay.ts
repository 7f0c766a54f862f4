// The relay core: publishes committed, unpublished records of the shards it leases, in per-key commit
// order (relay-publisher.ts), and marks them published with each key's position (relay-marks.ts).
// At least once: a crash between publish and mark publishes again, with the same event id.
import { randomUUID } from 'node:crypto';
import type { Db, MongoClient } from 'mongodb';
import type { Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import type { Logger } from '@mailfleet/logger';
import { backoffDelay, pause } from '@mailfleet/retry';
import { ChangeStreamWaker, PollingWaker, type Waker } from './change-waker';
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
   * How long a woken relay waits before it reads, so that records committed together are published
   * together (Kafka's linger.ms for the outbox): a round costs the same few round trips for 1 record
   * as for 500.
   */
  readonly lingerMs?: number;
  /** Sweep interval: the longest a record waits when no change event wakes the relay. */
  readonly pollIntervalMs?: number;
  readonly useChangeStream?: boolean;
  readonly leaseMs?: number;
  readonly retentionSeconds?: number;
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
  private waker: Waker | undefined;
  private running = false;
  /** Aborted by stop(): a linger or a backoff in hand ends at once. */
  private stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private lastLeaseCheck = 0;
  private lastShardsKey = '';
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
      this.records,
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
    this.waker =
      this.options.useChangeStream === false
        ? new PollingWaker()
        : new ChangeStreamWaker(this.records as never, this.options.logger, () =>
            this.metrics.streamErrors.inc(),
          );
    this.running = true;
    this.stopping = new AbortController();
    this.loop = this.run();
  }

  /** Finishes the round in hand, gives the leases back (so another relay takes over at once) and stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await this.waker?.close();
    await this.loop;
    await this.leases
      .releaseAll()
      .catch((err: unknown) => this.options.logger.warn({ err }, 'could not release leases'));
  }

  private async run(): Promise<void> {
    const leaseEvery = Math.floor((this.options.leaseMs ?? 10_000) / 3);
    let failures = 0;
    let woken = true;
    let quietRounds = 0;
    while (this.running) {
      try {
        if (Date.now() - this.lastLeaseCheck >= leaseEvery) {
          await this.stage('lease', () => this.leases.maintain());
          this.lastLeaseCheck = Date.now();
        }
        // With a change stream open, a round that was not woken by an insert and whose shards did not
        // change only keeps the leases; the sweep that guarantees progress (a missed wake-up, a record
        // requeued from quarantine) still runs every third such round.
        const shardsKey = [...this.leases.validShards().keys()].join(',');
        const sweep =
          woken || !this.waker?.streaming || shardsKey !== this.lastShardsKey || quietRounds % 3 === 0;
        this.lastShardsKey = shardsKey;
        if (woken && this.options.lingerMs) await pause(this.options.lingerMs, this.stopping.signal);
        this.waker?.consume();
        const published = sweep ? await this.relayOnce() : 0;
        quietRounds = woken || published > 0 ? 0 : quietRounds + 1;
        this.healthy = true;
        failures = 0;
        // A round that found records is followed by another (after the linger) without waiting for a
        // wake-up: under load the relay goes round to round and spends no getMore on the stream; the
        // first round that finds nothing goes back to waiting. Without a change stream, the poll
        // interval is how soon a new record is seen.
        woken = true;
        if (!this.lastRoundFull && published === 0)
          woken =
            (await this.waker?.wait(
              this.waker.streaming ? leaseEvery : Math.min(this.options.pollIntervalMs ?? 1_000, leaseEvery),
            )) ?? true;
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

  /** One round: fetch, publish, mark. Returns how many records were published. */
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

    const published = await this.stage('publish', () => this.publisher.publish(batch));
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
