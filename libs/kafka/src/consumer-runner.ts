// The run loop every consumer uses: records in chunks through the batch handler where there is one, and
// otherwise (or when a chunk fails for a record's fault) one by one through a pipeline of middlewares —
// count → dead-letter → retry → decode and handle — in the shape of Watermill's router. An offset is
// marked done only after its record succeeded or was dead-lettered (KafkaJS: resolveOffset after success).
import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { ChunkPath } from './chunk-path';
import { consumerMetrics, type ConsumerMetrics } from './consumer-metrics';
import type { ConsumerRunnerOptions, InFlightRecord, RecordStep } from './consumer-types';
import { decodeAndHandle } from './middleware/decode';
import { counting, deadLettering, type DeadLetterDeps } from './middleware/dead-lettering';
import { PartitionPositions } from './middleware/positions';
import { Backoff, retrying } from './middleware/retry';
import { orderedProducer } from './ordered-producer';

export type {
  BatchHandler,
  ChunkEnd,
  ConsumerRunnerOptions,
  DecodedRecord,
  EventHandlers,
  HandlerContext,
  OwnPositions,
} from './consumer-types';

export class ConsumerRunner {
  private readonly consumer: Consumer;
  private readonly dlqProducer: Producer;
  private readonly metrics: ConsumerMetrics;
  /** Resolves with the error when the consumer has crashed for good; the service should exit non-zero. */
  readonly crashed: Promise<Error>;
  /** Per topic:partition, the offset after the last record this process finished (committed or not). */
  private readonly processed = new Map<string, bigint>();
  /** Aborted by stop(): ends a retry backoff at once instead of holding the shutdown for up to maxMs. */
  private readonly stopping = new AbortController();
  private readonly backoff: Backoff;
  private readonly deadLetters: DeadLetterDeps;
  private readonly oneByOne: RecordStep;
  private readonly chunks: ChunkPath | undefined;
  private readonly positions: PartitionPositions | undefined;

  constructor(private readonly options: ConsumerRunnerOptions) {
    const { groupId, logger, batch } = options;
    this.consumer = options.kafka.consumer({ groupId, allowAutoTopicCreation: false, ...options.fetch });
    this.dlqProducer = orderedProducer(options.kafka);
    this.metrics = consumerMetrics(options.metrics ?? new Registry());
    this.backoff = new Backoff(
      options.retry ?? { initialMs: 200, maxMs: 30_000, maxUnknownAttempts: 5 },
      groupId,
      this.metrics,
      this.stopping.signal,
    );
    this.deadLetters = {
      producer: this.dlqProducer,
      groupId,
      logger,
      now: options.now ?? (() => new Date()),
      enabled: options.deadLetters ?? (() => true),
    };
    const handle = decodeAndHandle({
      codec: options.codec,
      handlers: options.handlers,
      batch: batch?.handler,
      groupId,
      logger,
      metrics: this.metrics,
    });
    this.oneByOne = [
      counting(this.metrics, groupId),
      deadLettering(this.deadLetters),
      retrying(this.backoff, logger),
    ].reduceRight((next, middleware) => middleware(next), handle);
    if (batch) this.chunks = new ChunkPath({ ...options, batch }, this.backoff, this.metrics);
    if (options.positions) this.positions = new PartitionPositions(options.positions, logger);
    this.crashed = new Promise((resolve) => {
      this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) resolve(payload.error);
      });
    });
  }

  async start(): Promise<void> {
    await this.dlqProducer.connect();
    await this.consumer.connect();
    this.positions?.follow(this.consumer);
    await this.consumer.subscribe({
      topics: this.options.topics.map((t) => t.name),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.batch ? (this.options.batch.partitions ?? 64) : 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /**
   * The offset after the last record of `topic`/`partition` this process finished, committed or not
   * (undefined when it finished none). Never ahead of the truth: a partition handed to another member
   * since only moves on from here.
   */
  processedNext(topic: string, partition: number): bigint | undefined {
    return this.processed.get(`${topic}:${partition}`);
  }

  /**
   * Finishes the record in hand, commits what is done, leaves the group and disconnects. A record waiting
   * out a retry backoff is not waited for: it is not done, so it is not committed and comes again.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.consumer.disconnect();
    await this.dlqProducer.disconnect();
  }

  private async onBatch(p: EachBatchPayload): Promise<void> {
    const { topic, partition } = p.batch;
    const active = () => Boolean(p.isRunning() && !p.isStale());
    let messages: readonly KafkaMessage[] = p.batch.messages;
    if (this.positions) {
      const admitted = await this.positions.admit(this.consumer, topic, partition, messages);
      if (admitted === 'sought') return;
      if (admitted.length === 0 && messages.length > 0) {
        p.resolveOffset(p.batch.lastOffset());
        await p.commitOffsetsIfNecessary();
        return;
      }
      messages = admitted;
    }
    const finished = async (offset: string) => {
      p.resolveOffset(offset);
      this.processed.set(`${topic}:${partition}`, BigInt(offset) + 1n);
      this.positions?.advance(topic, partition, offset);
      await p.commitOffsetsIfNecessary();
      await p.heartbeat();
    };
    const limit = this.options.batch?.maxRecords ?? 1;
    for (let i = 0; i < messages.length; i += limit) {
      if (!active()) return;
      const chunk = messages.slice(i, i + limit);
      const result = this.chunks
        ? await this.chunks.handle(topic, partition, chunk, p.heartbeat, active)
        : 'one-by-one';
      if (result === 'stopped') return;
      if (result === 'done') {
        await finished(chunk[chunk.length - 1]!.offset);
        continue;
      }
      for (const message of chunk) {
        if (!active()) return;
        const record: InFlightRecord = {
          source: { topic, partition, offset: message.offset },
          message,
          heartbeat: p.heartbeat,
          active,
          eventType: 'unknown',
        };
        const outcome = await this.oneByOne(record);
        if (outcome === 'stopped') return;
        if ((outcome === 'dead-lettered' || outcome === 'skipped') && !(await this.storePosition(record)))
          return;
        await finished(message.offset);
      }
    }
  }

  /**
   * For a consumer with its own positions: a record it never handled (dead-lettered, skipped) is stored
   * as done through its batch handler, so that a restart does not dead-letter it again. False when
   * stopping first.
   */
  private async storePosition(r: InFlightRecord): Promise<boolean> {
    const handler = this.options.batch?.handler;
    if (!this.positions || !handler) return true;
    const end = { ...r.source, timestamp: Number(r.message.timestamp) };
    // A failure that is not an outage throws: the consumer restarts from its last stored position.
    const store: RecordStep = async () => {
      await handler([], [end]);
      return 'processed';
    };
    const stored = await retrying(this.backoff, this.options.logger)(store)(r);
    return stored !== 'stopped';
  }
}
