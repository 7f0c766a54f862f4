// Feeds one version of the projections from Kafka. The Kafka group offsets are only a hint: where to
// start is the version's checkpoint per partition, so the first batch after every assignment seeks
// there if the group's offset disagrees (ahead: records would be skipped; behind: they are filtered).
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import {
  SchemaRegistryUnavailableError,
  UndecodableRecordError,
  requireEnvelope,
  type EventCodec,
} from '@mailfleet/contracts';
import { ChunkCoalescer, SharedChunkError, deadLetterRecord } from '@mailfleet/kafka';
import type { Logger } from '@mailfleet/logger';
import { backoffDelay, pause } from '@mailfleet/retry';
import {
  ProjectionRefusedError,
  type ProjectionChunk,
  type ProjectionStore,
} from '../adapters/projection-store';
import type { ProjectedRecord } from '../domain/projected-record';
import type { Position } from '@mailfleet/read-models';
import type { ProjectorMetrics } from './projector-metrics';

export interface WorkerOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  readonly codec: EventCodec;
  readonly store: ProjectionStore;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly chunkSize: number;
  /** How long a fetch waits for how many bytes (kafkajs): larger chunks at the price of that wait. */
  readonly fetch?: { readonly minBytes: number; readonly maxWaitTimeInMs: number };
  readonly logger: Logger;
  readonly metrics: ProjectorMetrics;
  /** Poison records go to the DLQ only from the active version: a rebuild must not repeat side effects. */
  readonly isActive: () => boolean;
}

/** Each partition's records stay in order; partitions are handled side by side, their chunks combined. */
const PARTITIONS_CONCURRENTLY = 16;

export class ProjectionWorker {
  private consumer: Consumer | undefined;
  /** Per partition, the next offset this version has to apply (forgotten on every new assignment). */
  private readonly next = new Map<string, bigint>();
  /** Rejects when the consumer crashed for good. */
  crashed: Promise<never> = new Promise(() => undefined);
  /**
   * The chunks of one fetch (one per partition, handled concurrently) applied in one transaction: a
   * caught-up projector gets a record or two per partition per fetch.
   */
  private readonly together: ChunkCoalescer<ProjectionChunk, number>;

  constructor(private readonly o: WorkerOptions) {
    this.together = new ChunkCoalescer({
      flush: (chunks) => o.store.applyMany(chunks.flat()),
      lingerMs: 5,
      maxItems: o.chunkSize,
      sizeOf: (chunk) => Math.max(1, chunk.records.length),
    });
  }

  async start(): Promise<void> {
    const consumer = this.o.kafka.consumer({
      groupId: this.o.groupId,
      allowAutoTopicCreation: false,
      ...this.o.fetch,
    });
    this.consumer = consumer;
    // A new assignment may hand us partitions whose checkpoint differs from the group offset: seek each
    // to its checkpoint at once (if the group offset is at the end, no batch would ever tell us).
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.next.clear();
      void this.seekToCheckpoints(e.payload.memberAssignment).catch((err: unknown) =>
        this.o.logger.warn({ err }, 'could not seek to the checkpoints; the first batch will'),
      );
    });
    this.crashed = new Promise((_, reject) => {
      consumer.on(consumer.events.CRASH, (e) => {
        if (!e.payload.restart) reject(e.payload.error);
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.o.topics], fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = undefined;
  }

  private async onBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    const { topic, partition } = batch;
    const first = batch.firstOffset();
    if (first === null || batch.messages.length === 0) return;
    const key = `${topic}:${partition}`;
    let start = this.next.get(key);
    if (start === undefined) {
      start = await this.startOf(topic, partition);
      this.next.set(key, start);
    }
    if (BigInt(first) > start) {
      // Never skip: the group's offset is past what this version applied.
      this.o.logger.info(
        { topic, partition, groupOffset: first, next: start.toString() },
        'group offset is past the checkpoint; seeking back to the checkpoint',
      );
      this.consumer?.seek({ topic, partition, offset: start.toString() });
      return;
    }
    // Records applied already (a redelivery) are left out before decoding, so a poison record among
    // them is not dead-lettered again.
    const from = start;
    const messages = batch.messages.filter((m) => BigInt(m.offset) >= from);
    if (messages.length === 0) {
      p.resolveOffset(batch.lastOffset());
      await p.commitOffsetsIfNecessary();
      return;
    }
    for (let i = 0; i < messages.length; i += this.o.chunkSize) {
      if (!p.isRunning() || p.isStale()) return;
      const chunk = messages.slice(i, i + this.o.chunkSize);
      let records: ProjectedRecord[] = [];
      const messageOf = new Map<ProjectedRecord, KafkaMessage>();
      for (const message of chunk) {
        const record = await this.decodeWaitingForRegistry(topic, partition, message, p);
        if (record === undefined) return; // stopping while the registry was away
        if (record) {
          records.push(record);
          messageOf.set(record, message);
        }
      }
      const lastMessage = chunk[chunk.length - 1] as KafkaMessage;
      const last: Position = {
        topic,
        partition,
        offset: lastMessage.offset,
        timestamp: Number(lastMessage.timestamp),
      };
      let applied: number;
      // Combined with other partitions' chunks until a combined transaction fails: then alone, so that
      // a refused record is found in its own chunk and an outage fails this batch as it always did.
      let alone = false;
      for (;;) {
        try {
          applied = alone
            ? await this.o.store.apply(topic, partition, records, last)
            : await this.together.submit([{ topic, partition, records, last }]);
          break;
        } catch (err) {
          if (err instanceof SharedChunkError && !alone) {
            alone = true;
            continue;
          }
          // A record the rules throw on would wedge the partition: it goes to the DLQ (before the chunk
          // commits, so it is never lost) and the chunk is applied without it.
          if (!(err instanceof ProjectionRefusedError)) throw err;
          const refused = err.record;
          this.o.metrics.records.inc({ version: String(this.o.store.version), outcome: 'refused' });
          await this.deadLetter(
            messageOf.get(refused) as KafkaMessage,
            refused.position,
            err.code,
            err.message,
          );
          records = records.filter((r) => r !== refused);
        }
      }
      this.o.metrics.records.inc({ version: String(this.o.store.version), outcome: 'applied' }, applied);
      this.o.metrics.checkpointTimestamp.set(
        { version: String(this.o.store.version), topic, partition: String(partition) },
        last.timestamp / 1000,
      );
      this.next.set(key, BigInt(lastMessage.offset) + 1n);
      p.resolveOffset(lastMessage.offset);
      await p.heartbeat();
    }
    await p.commitOffsetsIfNecessary();
  }

  private async seekToCheckpoints(assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const start = await this.startOf(topic, partition);
        this.next.set(`${topic}:${partition}`, start);
        this.consumer?.seek({ topic, partition, offset: start.toString() });
      }
    }
    this.o.logger.info({ assignment }, 'assigned partitions positioned at their checkpoints');
  }

  /** The next offset this version has to apply: after its checkpoint, or the start of the log. */
  private async startOf(topic: string, partition: number): Promise<bigint> {
    const cp = await this.o.store.checkpoint(topic, partition);
    const low = await this.lowWatermark(topic, partition);
    if (!cp) return low;
    const next = BigInt(cp.offset) + 1n;
    if (next >= low) return next;
    // Retention deleted records this version never applied. Seeking to the checkpoint would be out of
    // range again and again (the partition would wedge): go on from the log start, and say so.
    this.o.metrics.checkpointGaps.inc({
      version: String(this.o.store.version),
      topic,
      partition: String(partition),
    });
    this.o.logger.warn(
      { topic, partition, checkpoint: cp.offset, logStart: low.toString(), missed: (low - next).toString() },
      'checkpoint is below the log start; records deleted by retention were not projected (rebuild from a source that has them)',
    );
    return low;
  }

  private async lowWatermark(topic: string, partition: number): Promise<bigint> {
    const offsets = await this.o.admin.fetchTopicOffsets(topic);
    return BigInt(offsets.find((o) => o.partition === partition)?.low ?? '0');
  }

  /**
   * Decodes, waiting out a schema registry that does not answer (retrying with backoff, heartbeating so
   * the group keeps the partition here). Undefined when the consumer stops meanwhile.
   */
  private async decodeWaitingForRegistry(
    topic: string,
    partition: number,
    message: KafkaMessage,
    p: EachBatchPayload,
  ): Promise<ProjectedRecord | null | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.decode(topic, partition, message);
      } catch (err) {
        if (!(err instanceof SchemaRegistryUnavailableError) || !p.isRunning() || p.isStale()) throw err;
        const delayMs = backoffDelay(attempt, { initialMs: 200, maxMs: 10_000 });
        this.o.logger.warn(
          { err, topic, partition, offset: message.offset, delayMs },
          'schema registry unavailable; waiting',
        );
        await pause(delayMs);
        await p.heartbeat().catch(() => undefined);
        if (!p.isRunning() || p.isStale()) return undefined;
      }
    }
  }

  /** The record to project, or null for a poison record (dead-lettered from the active version). */
  private async decode(
    topic: string,
    partition: number,
    message: KafkaMessage,
  ): Promise<ProjectedRecord | null> {
    const source = { topic, partition, offset: message.offset };
    try {
      const event = await this.o.codec.decode(source, message.value);
      const envelope = requireEnvelope(message.headers ?? {}, event.eventType, source, message.value);
      return {
        event,
        envelope: { eventId: envelope.eventId, correlationId: envelope.correlationId },
        position: { ...source, timestamp: Number(message.timestamp) },
      };
    } catch (err) {
      // Anything else (the registry unreachable) is retried by failing the batch.
      if (!(err instanceof UndecodableRecordError)) throw err;
      this.o.metrics.records.inc({ version: String(this.o.store.version), outcome: 'poison' });
      await this.deadLetter(message, source, err.code, err.message);
      return null;
    }
  }

  /** Dead-letters a record from the active version; a rebuild only skips it (no side effects twice). */
  private async deadLetter(
    message: KafkaMessage,
    source: { topic: string; partition: number; offset: string },
    code: string,
    reason: string,
  ): Promise<void> {
    const where = { topic: source.topic, partition: source.partition, offset: source.offset };
    if (!this.o.isActive()) {
      this.o.logger.warn({ ...where, reason }, 'poison record skipped during rebuild');
      return;
    }
    const dead = deadLetterRecord(message, where, { code, reason }, this.o.groupId, new Date());
    await this.o.producer.send({ topic: dead.topic, acks: -1, messages: [dead.message] });
    this.o.logger.error({ ...where, reason, dlq: dead.topic }, 'record dead-lettered');
  }
}
