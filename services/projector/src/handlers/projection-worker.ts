// Feeds one version of the projections from Kafka through the consumer runner every service uses. The
// runner keeps this version's own positions (its checkpoint per partition, stored in the transaction
// that applies the records; group offsets are only a hint), combines the chunks of one fetch into one
// transaction, dead-letters poison and records the rules refuse — from the active version only, since
// a rebuild must not repeat side effects — and retries outages (docs/projector.md).
import type { Admin, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { EventCodec, TopicDefinition } from '@mailfleet/contracts';
import { ConsumerRunner, type ChunkEnd, type DecodedRecord } from '@mailfleet/kafka';
import type { Logger } from '@mailfleet/logger';
import type { ProjectionChunk, ProjectionStore } from '../adapters/projection-store';
import type { ProjectedRecord } from '../domain/projected-record';
import type { ProjectorMetrics } from './projector-metrics';

export interface WorkerOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly codec: EventCodec;
  readonly store: ProjectionStore;
  readonly groupId: string;
  readonly topics: readonly TopicDefinition[];
  readonly chunkSize: number;
  /** How long a fetch waits for how many bytes (kafkajs): larger chunks at the price of that wait. */
  readonly fetch?: { readonly minBytes: number; readonly maxWaitTimeInMs: number };
  readonly logger: Logger;
  readonly metrics: ProjectorMetrics;
  readonly registry: Registry;
  /** Poison records go to the DLQ only from the active version: a rebuild must not repeat side effects. */
  readonly isActive: () => boolean;
}

const projected = ({ event, context }: DecodedRecord): ProjectedRecord => ({
  event,
  envelope: { eventId: context.envelope.eventId, correlationId: context.envelope.correlationId },
  position: { ...context.source, timestamp: context.timestamp },
});

export class ProjectionWorker {
  private readonly runner: ConsumerRunner;
  /** Rejects when the consumer crashed for good. */
  readonly crashed: Promise<never>;

  constructor(private readonly o: WorkerOptions) {
    this.runner = new ConsumerRunner({
      kafka: o.kafka,
      groupId: o.groupId,
      topics: o.topics,
      codec: o.codec,
      batch: { handler: (records, ends) => this.apply(records, ends), maxRecords: o.chunkSize },
      positions: { startOf: (topic, partition) => this.startOf(topic, partition) },
      deadLetters: o.isActive,
      ...(o.fetch && { fetch: o.fetch }),
      logger: o.logger,
      metrics: o.registry,
    });
    this.crashed = this.runner.crashed.then((err) => Promise.reject(err));
    // Nobody may be listening when it never crashes.
    this.crashed.catch(() => undefined);
  }

  start(): Promise<void> {
    return this.runner.start();
  }

  stop(): Promise<void> {
    return this.runner.stop();
  }

  /** One partition's records per end, applied with their checkpoints in ONE transaction. */
  private async apply(records: readonly DecodedRecord[], ends: readonly ChunkEnd[]): Promise<void> {
    const chunks: ProjectionChunk[] = ends.map((last) => ({
      topic: last.topic,
      partition: last.partition,
      last,
      records: records
        .filter((r) => r.context.source.topic === last.topic && r.context.source.partition === last.partition)
        .map(projected),
    }));
    const applied = await this.o.store.applyMany(chunks);
    const version = String(this.o.store.version);
    this.o.metrics.records.inc(
      { version, outcome: 'applied' },
      applied.reduce((a, b) => a + b, 0),
    );
    for (const { topic, partition, timestamp } of ends)
      this.o.metrics.checkpointTimestamp.set(
        { version, topic, partition: String(partition) },
        timestamp / 1000,
      );
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
}
