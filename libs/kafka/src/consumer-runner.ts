// The run loop every service uses: decode, route by event type, dead-letter poison, retry the rest, and
// mark an offset done only after its handler succeeded (KafkaJS: resolveOffset after success).
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import {
  requireEnvelope,
  type DecodedEvent,
  type Envelope,
  type EventCodec,
  type EventType,
  type RecordSource,
  type TopicDefinition,
} from '@mailfleet/contracts';
import { MailfleetError, classifyError } from '@mailfleet/errors';
import { withLogContext, type Logger } from '@mailfleet/logger';
import { backoffDelay, pause } from '@mailfleet/retry';
import { ChunkCoalescer, SharedChunkError } from './chunk-coalescer';
import { consumerMetrics } from './consumer-metrics';
import { deadLetterRecord } from './dead-letter';
import { orderedProducer } from './ordered-producer';

export interface HandlerContext {
  readonly source: RecordSource;
  readonly envelope: Envelope;
  readonly key: string | null;
  readonly logger: Logger;
}

export type EventHandlers = {
  readonly [T in EventType]?: (event: DecodedEvent<T>, ctx: HandlerContext) => Promise<void>;
};

/** A decoded record as a batch handler gets it. */
export interface DecodedRecord {
  readonly event: DecodedEvent;
  readonly context: HandlerContext;
}

/**
 * Handles several records at once, as if `handlers` were applied to each in list order and atomically:
 * all or nothing. The records may come from several partitions (the chunks of one fetch, combined), each
 * partition's in its order. When it throws, the runner tries each partition's chunk alone, then handles
 * the records of the failing one one by one with `handlers` (so a poison record is isolated for the DLQ
 * and the others still go through).
 */
export type BatchHandler = (records: readonly DecodedRecord[]) => Promise<void>;

export interface ConsumerRunnerOptions {
  readonly kafka: Kafka;
  /** Consumer group = service name, never renamed. */
  readonly groupId: string;
  readonly topics: readonly TopicDefinition[];
  readonly codec: EventCodec;
  readonly handlers: EventHandlers;
  /**
   * Optional: records in chunks of up to `maxRecords`, one call each. `partitions` partitions (16 unless
   * given) are consumed concurrently (kafkajs partitionsConsumedConcurrently; each partition's records
   * stay in order) and their chunks that arrive within `lingerMs` (5) of each other — those of one
   * fetch — are combined into one call of up to `maxRecords`.
   */
  readonly batch?: {
    readonly handler: BatchHandler;
    readonly maxRecords: number;
    readonly partitions?: number;
    readonly lingerMs?: number;
  };
  readonly logger: Logger;
  readonly metrics?: Registry;
  readonly fromBeginning?: boolean;
  /** How long a fetch waits for how many bytes (kafkajs): larger batches at the price of that wait. */
  readonly fetch?: { readonly minBytes: number; readonly maxWaitTimeInMs: number };
  readonly retry?: {
    readonly initialMs: number;
    readonly maxMs: number;
    readonly maxUnknownAttempts: number;
  };
  readonly now?: () => Date;
}

/** The fields every log line about a record carries, and what its handler gets with it. */
function recordContext(source: RecordSource, envelope: Envelope, message: KafkaMessage, logger: Logger) {
  const fields = { correlationId: envelope.correlationId, eventId: envelope.eventId, ...source };
  const context: HandlerContext = {
    source,
    envelope,
    key: message.key?.toString() ?? null,
    logger: logger.child(fields),
  };
  return { fields, context };
}

/**
 * Runs `work` while heartbeating: a handler can wait a long time on MongoDB (an outage, server
 * selection), and heartbeats keep the group membership meanwhile, so the partition is not handed to
 * another member mid-record.
 */
async function whileHeartbeating<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
  const ticker = setInterval(() => void heartbeat().catch(() => undefined), 3_000);
  try {
    return await work();
  } finally {
    clearInterval(ticker);
  }
}

class DeadLetterWriteError extends MailfleetError {
  override name = 'DeadLetterWriteError';
}

export class ConsumerRunner {
  private readonly consumer: Consumer;
  private readonly dlqProducer: Producer;
  private readonly metrics;
  private readonly retry;
  private readonly now;
  /** Resolves with the error when the consumer has crashed for good; the service should exit non-zero. */
  readonly crashed: Promise<Error>;
  /** Per topic:partition, the offset after the last record this process finished (committed or not). */
  private readonly processed = new Map<string, bigint>();
  /** Aborted by stop(): ends a retry backoff at once instead of holding the shutdown for up to maxMs. */
  private readonly stopping = new AbortController();
  private readonly together: ChunkCoalescer<DecodedRecord> | undefined;

  constructor(private readonly options: ConsumerRunnerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      ...options.fetch,
    });
    this.dlqProducer = orderedProducer(options.kafka);
    this.metrics = consumerMetrics(options.metrics ?? new Registry());
    this.retry = options.retry ?? { initialMs: 200, maxMs: 30_000, maxUnknownAttempts: 5 };
    this.now = options.now ?? (() => new Date());
    const { batch } = options;
    if (batch)
      this.together = new ChunkCoalescer<DecodedRecord>({
        flush: async (chunks) => {
          await batch.handler(chunks.flat());
          return chunks.map((): void => undefined);
        },
        lingerMs: batch.lingerMs ?? 5,
        maxItems: batch.maxRecords,
      });
    this.crashed = new Promise((resolve) => {
      this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) resolve(payload.error);
      });
    });
  }

  async start(): Promise<void> {
    await this.dlqProducer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: this.options.topics.map((t) => t.name),
      fromBeginning: this.options.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.batch ? (this.options.batch.partitions ?? 16) : 1,
      eachBatch: async ({
        batch,
        resolveOffset,
        heartbeat,
        isRunning,
        isStale,
        commitOffsetsIfNecessary,
      }) => {
        const finished = async (offset: string) => {
          resolveOffset(offset);
          this.processed.set(`${batch.topic}:${batch.partition}`, BigInt(offset) + 1n);
          await commitOffsetsIfNecessary();
          await heartbeat();
        };
        const oneByOne = async (messages: readonly KafkaMessage[]) => {
          for (const message of messages) {
            if (!isRunning() || isStale()) return false;
            const source = { topic: batch.topic, partition: batch.partition, offset: message.offset };
            if (!(await this.handle(source, message, heartbeat, isRunning))) return false;
            await finished(message.offset);
          }
          return true;
        };
        const limit = this.options.batch?.maxRecords ?? 1;
        for (let i = 0; i < batch.messages.length; i += limit) {
          if (!isRunning() || isStale()) return;
          const messages = batch.messages.slice(i, i + limit);
          // A single record goes through the batch handler too when chunks are combined: alone it would
          // cost a transaction of its own.
          const together =
            messages.length > 1 || this.together
              ? await this.handleTogether(batch.topic, batch.partition, messages, heartbeat, () =>
                  Boolean(isRunning() && !isStale()),
                )
              : 'one-by-one';
          if (together === 'stopped') return;
          if (together === 'done') await finished(messages[messages.length - 1]!.offset);
          else if (!(await oneByOne(messages))) return;
        }
      },
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

  /**
   * The batch handler for `messages`: 'done'; 'one-by-one' when a record does not decode or the handler
   * throws an error that is not an outage — the one-by-one path isolates the record at fault and
   * dead-letters exactly as without batches; 'stopped' when the consumer stops or loses the partition
   * while it waits. An outage or a write conflict (a retriable error: MongoDB away, a transaction that
   * lost to a concurrent one) is no record's fault: the chunk is tried again whole, with backoff and for
   * as long as it takes, instead of paying one transaction per record afterwards.
   */
  private async handleTogether(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    heartbeat: () => Promise<void>,
    active: () => boolean,
  ): Promise<'done' | 'one-by-one' | 'stopped'> {
    const { batch, groupId, logger } = this.options;
    if (!batch) return 'one-by-one';
    const records: DecodedRecord[] = [];
    const ignored: string[] = [];
    try {
      for (const message of messages) {
        const source = { topic, partition, offset: message.offset };
        const event = await this.options.codec.decode(source, message.value);
        const envelope = requireEnvelope(message.headers, event.eventType, source, message.value);
        if (!this.options.handlers[event.eventType]) {
          ignored.push(event.eventType);
          continue;
        }
        records.push({ event, context: recordContext(source, envelope, message, logger).context });
      }
    } catch {
      return 'one-by-one';
    }
    const end = this.metrics.handlerSeconds.startTimer({ group: groupId, topic, event_type: 'batch' });
    // Combined with other partitions' chunks until a combined call fails for a reason that is not an
    // outage: then this chunk goes alone, so that only the chunk at fault is handled one by one.
    let alone = false;
    for (let attempt = 0; records.length > 0; attempt++) {
      try {
        await whileHeartbeating(heartbeat, () =>
          alone || !this.together ? batch.handler(records) : this.together.submit(records),
        );
        break;
      } catch (err) {
        const errorClass = classifyError(err instanceof SharedChunkError ? err.cause : err);
        const fields = { err, topic, partition, records: records.length, errorClass };
        if (errorClass !== 'retriable' && err instanceof SharedChunkError && !alone) {
          alone = true;
          attempt--;
          continue;
        }
        if (errorClass !== 'retriable') {
          logger.warn(fields, 'batch failed; handling its records one by one');
          return 'one-by-one';
        }
        if (!active()) return 'stopped';
        const waited = await this.backOff(attempt, topic, heartbeat, (delayMs) =>
          logger.warn({ ...fields, attempt: attempt + 1, delayMs }, 'batch failed, retrying it whole'),
        );
        if (!waited || !active()) return 'stopped';
      }
    }
    end();
    for (const r of records)
      this.metrics.records.inc({
        group: groupId,
        topic,
        event_type: r.event.eventType,
        outcome: 'processed',
      });
    for (const eventType of ignored)
      this.metrics.records.inc({ group: groupId, topic, event_type: eventType, outcome: 'ignored' });
    return 'done';
  }

  /** Handles one record until it is processed, ignored or dead-lettered; false when stopping first. */
  private async handle(
    source: RecordSource,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
    isRunning: () => boolean,
  ): Promise<boolean> {
    const { groupId, logger } = this.options;
    let eventType = 'unknown';
    for (let attempt = 0; ; attempt++) {
      try {
        const decoded = await this.options.codec.decode(source, message.value);
        eventType = decoded.eventType;
        const envelope = requireEnvelope(message.headers, decoded.eventType, source, message.value);
        const handler = this.options.handlers[decoded.eventType] as
          ((e: DecodedEvent, c: HandlerContext) => Promise<void>) | undefined;
        if (!handler) {
          this.metrics.records.inc({
            group: groupId,
            topic: source.topic,
            event_type: eventType,
            outcome: 'ignored',
          });
          return true;
        }
        const { fields, context } = recordContext(source, envelope, message, logger);
        const end = this.metrics.handlerSeconds.startTimer({
          group: groupId,
          topic: source.topic,
          event_type: eventType,
        });
        await whileHeartbeating(heartbeat, () => withLogContext(fields, () => handler(decoded, context)));
        end();
        this.metrics.records.inc({
          group: groupId,
          topic: source.topic,
          event_type: eventType,
          outcome: 'processed',
        });
        return true;
      } catch (err) {
        const kind = classifyError(err);
        if (kind === 'permanent' || (kind === 'unknown' && attempt + 1 >= this.retry.maxUnknownAttempts)) {
          await this.deadLetter(source, message, err, attempt + 1);
          this.metrics.records.inc({
            group: groupId,
            topic: source.topic,
            event_type: eventType,
            outcome: 'dead-lettered',
          });
          return true;
        }
        if (!isRunning()) return false;
        const waited = await this.backOff(attempt, source.topic, heartbeat, (delayMs) =>
          logger.warn(
            { err, ...source, attempt: attempt + 1, delayMs, errorClass: kind },
            'handler failed, retrying',
          ),
        );
        if (!waited) return false;
      }
    }
  }

  /**
   * Waits out failed attempt `attempt` with backoff, heartbeating so the group keeps the partition here.
   * False when stop() cut the wait short: the record is not done, and a stopping consumer does not retry.
   */
  private async backOff(
    attempt: number,
    topic: string,
    heartbeat: () => Promise<void>,
    log: (delayMs: number) => void,
  ): Promise<boolean> {
    const delayMs = backoffDelay(attempt, { initialMs: this.retry.initialMs, maxMs: this.retry.maxMs });
    log(delayMs);
    this.metrics.retries.inc({ group: this.options.groupId, topic });
    if (!(await pause(delayMs, this.stopping.signal))) return false;
    await heartbeat().catch(() => undefined);
    return true;
  }

  private async deadLetter(
    source: RecordSource,
    message: KafkaMessage,
    err: unknown,
    attempts: number,
  ): Promise<void> {
    const code = err instanceof MailfleetError ? err.code : 'handler-failed';
    const text = err instanceof Error ? err.message : String(err);
    const reason = attempts > 1 ? `${text} (after ${attempts} attempts)` : text;
    const { topic, message: dead } = deadLetterRecord(
      message,
      source,
      { code, reason },
      this.options.groupId,
      this.now(),
    );
    try {
      await this.dlqProducer.send({ topic, acks: -1, messages: [dead] });
    } catch (writeErr) {
      // Losing a record is worse than stopping: fail loudly, commit nothing.
      throw new DeadLetterWriteError(
        'dead-letter-write-failed',
        `could not write to ${topic}; nothing committed`,
        {
          retriable: true,
          context: { ...source },
          cause: writeErr,
        },
      );
    }
    this.options.logger.error({ ...source, code, reason, dlq: topic }, 'record dead-lettered');
  }
}
