// What a consumer of the runner writes: per-event handlers and/or a batch handler, and the options.
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Registry } from 'prom-client';
import type {
  AnyDecodedEvent,
  DecodedEvent,
  Envelope,
  EventCodec,
  EventType,
  RecordSource,
  TopicDefinition,
} from '@mailfleet/contracts';
import type { Logger } from '@mailfleet/logger';

export interface HandlerContext {
  readonly source: RecordSource;
  readonly envelope: Envelope;
  readonly key: string | null;
  /** The record's Kafka timestamp (ms). */
  readonly timestamp: number;
  readonly logger: Logger;
}

export type EventHandlers = {
  readonly [T in EventType]?: (event: DecodedEvent<T>, ctx: HandlerContext) => Promise<void>;
};

/** A decoded record as a batch handler gets it. */
export interface DecodedRecord {
  readonly event: AnyDecodedEvent;
  readonly context: HandlerContext;
}

/** The last record of one partition's chunk in a batch-handler call (decoded or not, handled or not). */
export interface ChunkEnd extends RecordSource {
  readonly timestamp: number;
}

/**
 * Handles several records at once, as if `handlers` were applied to each in list order and atomically:
 * all or nothing. The records may come from several partitions (the chunks of one fetch, combined), each
 * partition's in its order; `ends` names where each partition's chunk ends, so a consumer that keeps its
 * own positions can store them in the same transaction (it may be called with no records and one end:
 * a record that was dead-lettered). When it throws, the runner tries each partition's chunk alone, then
 * the records of the failing one one by one (so a poison record is isolated for the DLQ and the others
 * still go through).
 */
export type BatchHandler = (records: readonly DecodedRecord[], ends: readonly ChunkEnd[]) => Promise<void>;

/** A consumer that keeps its own positions (in the same transaction as its writes) rather than group offsets. */
export interface OwnPositions {
  /** The next offset this consumer has to handle in the partition: after its stored checkpoint. */
  readonly startOf: (topic: string, partition: number) => Promise<bigint>;
}

export interface ConsumerRunnerOptions {
  readonly kafka: Kafka;
  /** Consumer group = service name, never renamed. */
  readonly groupId: string;
  readonly topics: readonly TopicDefinition[];
  readonly codec: EventCodec;
  /**
   * Per event type; a type without a handler is ignored. Without this map every record goes to the batch
   * handler, one by one as a chunk of one.
   */
  readonly handlers?: EventHandlers;
  /**
   * Optional: records in chunks of up to `maxRecords`, one call each. `partitions` partitions (64 unless
   * given) are consumed concurrently (kafkajs partitionsConsumedConcurrently; each partition's records
   * stay in order) and their chunks that arrive within `lingerMs` (5) of each other — those of one
   * fetch — are combined into one call of up to `maxRecords`. It should be at least the partitions a
   * member is assigned: a fetch brings a batch for each, and those beyond it wait for a free worker and
   * go in a call of their own (the fleet's consumers read 3–4 topics of 6 partitions).
   */
  readonly batch?: {
    readonly handler: BatchHandler;
    readonly maxRecords: number;
    readonly partitions?: number;
    readonly lingerMs?: number;
  };
  /**
   * Group offsets are then only a hint: each partition starts where `startOf` says (seeking there on
   * every assignment), and records before it — applied already — are dropped before they are decoded.
   */
  readonly positions?: OwnPositions;
  /**
   * Whether poison records are dead-lettered now (default: always). When false they are skipped and
   * logged: for a consumer that must not repeat side effects, such as a projection being rebuilt.
   */
  readonly deadLetters?: () => boolean;
  readonly logger: Logger;
  readonly metrics?: Registry;
  readonly fromBeginning?: boolean;
  /** How long a fetch waits for how many bytes (kafkajs): larger batches at the price of that wait. */
  readonly fetch?: { readonly minBytes: number; readonly maxWaitTimeInMs: number };
  readonly retry?: RetrySettings;
  readonly now?: () => Date;
}

export interface RetrySettings {
  readonly initialMs: number;
  readonly maxMs: number;
  /** An error that is neither retriable nor permanent is tried this often before it is dead-lettered. */
  readonly maxUnknownAttempts: number;
}

/** One record on its way through the one-by-one pipeline. */
export interface InFlightRecord {
  readonly source: RecordSource;
  readonly message: KafkaMessage;
  readonly heartbeat: () => Promise<void>;
  /** False once the consumer stops or the partition went to another member. */
  readonly active: () => boolean;
  /** Known once the record decoded: the metrics' event_type. */
  eventType: string;
}

export type RecordOutcome = 'processed' | 'ignored' | 'dead-lettered' | 'skipped' | 'stopped';

/** One step of the per-record pipeline, and a middleware around it (Watermill's shape). */
export type RecordStep = (record: InFlightRecord) => Promise<RecordOutcome>;
export type RecordMiddleware = (next: RecordStep) => RecordStep;
