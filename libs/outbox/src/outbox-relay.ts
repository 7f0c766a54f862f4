// The relay core: publishes committed, unpublished records of the shards it leases, in per-key commit
// order, and marks them published under the lease's fencing token. At least once: a crash between
// publish and mark publishes again, with the same event id.
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
import { permanentRefusal } from './kafka-refusal';
import { createRelayMetrics, type RelayMetrics } from './relay-metrics';
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
  /**
   * Per key, the published seq this relay itself committed, and the lease token it held for the key's
   * shard then: while that lease is unchanged no one else marks the shard, so the value is the truth
   * and the key's counter need not be read again. Cleared when a mark fails (its commit is unknown).
   */
  private readonly markedSeq = new Map<string, { readonly token: number; readonly seq: number }>();

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
        // Without a change stream, the poll interval is how soon a new record is seen.
        woken = true;
        if (!this.lastRoundFull)
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
      const known = this.knownPublishedSeqs(candidates, shards);
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

    const published = await this.stage('publish', () => this.publishIsolatingRefusals(batch));
    if (published.length === 0) return 0;
    const publishedAt = this.now();
    for (const r of published)
      this.metrics.latency.observe((publishedAt.getTime() - r.createdAt.getTime()) / 1000);
    if (this.options.pauseAfterPublishMs) await pause(this.options.pauseAfterPublishMs);
    const marked = await this.stage('mark', () => this.mark(published, shards, publishedAt));
    this.metrics.published.inc(marked);
    return marked;
  }

  /**
   * The published seq of the candidates' keys that needs no read: a key whose first pending record is
   * its first ever (seq 1: nothing of it was published — a record is marked with its counter in one
   * transaction), or one this relay marked under the lease it still holds. Most keys of a busy outbox
   * are new (an order's first event), so most rounds read no counter at all.
   */
  private knownPublishedSeqs(
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
   * Publishes the batch; when Kafka refuses a record for good, publishes record by record instead,
   * quarantines each refused one and holds back the rest of its key (order per key), so one bad record
   * never stalls the other keys. Returns what was published.
   */
  private async publishIsolatingRefusals(batch: readonly OutboxRecord[]): Promise<readonly OutboxRecord[]> {
    try {
      await this.publish(batch);
      return batch;
    } catch (err) {
      if (!permanentRefusal(err)) throw err;
    }
    const published: OutboxRecord[] = [];
    const held = new Set<string>();
    for (const record of batch) {
      const key = keyCounterId(record.topic, record.key);
      if (held.has(key)) continue;
      try {
        await this.publish([record]);
        published.push(record);
      } catch (err) {
        const reason = permanentRefusal(err);
        if (!reason) throw err;
        held.add(key);
        await this.quarantine(record, reason, err);
      }
    }
    return published;
  }

  private async quarantine(record: OutboxRecord, reason: string, err: unknown): Promise<void> {
    const text = `${reason}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
    await this.records.updateOne(
      { _id: record._id, pending: true },
      { $set: { pending: false, quarantined: { reason: text, at: this.now() } } },
    );
    this.metrics.quarantined.inc({ reason });
    this.options.logger.error(
      { eventId: record._id, topic: record.topic, key: record.key, seq: record.seq, reason: text },
      'Kafka refused an outbox record for good; quarantined, its key waits for an operator (requeueQuarantined)',
    );
  }

  private async publish(batch: readonly OutboxRecord[]): Promise<void> {
    const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
    for (const r of batch) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: Buffer.from(r.value.buffer), headers: { ...r.headers } });
      byTopic.set(r.topic, list);
    }
    await this.options.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  /** Marks the batch published in one transaction, shard by shard under each lease's fence. */
  private async mark(
    batch: readonly OutboxRecord[],
    shards: Map<number, number>,
    publishedAt: Date,
  ): Promise<number> {
    let committed: { mine: readonly OutboxRecord[]; highest: ReadonlyMap<string, number> } = {
      mine: [],
      highest: new Map(),
    };
    // A mark that fails may have committed or not: what this relay knows of its keys is forgotten.
    await this.options.client
      .withSession((session) =>
        session.withTransaction(async () => {
          const fencedOut = await this.leases.fenceAll(
            session,
            new Map([...new Set(batch.map((r) => r.shard))].map((s) => [s, shards.get(s) ?? -1])),
          );
          const mine = batch.filter((r) => !fencedOut.has(r.shard));
          if (fencedOut.size > 0) {
            this.metrics.fencedOff.inc(fencedOut.size);
            this.options.logger.warn(
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
          await this.options.db.collection<OutboxKeyCounter>(this.collections.keys).bulkWrite(
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
