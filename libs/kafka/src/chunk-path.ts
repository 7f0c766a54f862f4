// The batch path: one partition's chunk decoded and handed to the batch handler, combined with the
// other partitions' chunks of the same fetch (one call, one transaction). What is no record's fault (an
// outage, a write conflict, the registry away) is tried again whole with backoff; what may be a record's
// fault sends the chunk alone, then one by one, where the pipeline isolates the record for the DLQ.
import type { KafkaMessage } from 'kafkajs';
import { classifyError } from '@mailfleet/errors';
import { ChunkCoalescer, SharedChunkError } from './chunk-coalescer';
import type { ConsumerMetrics } from './consumer-metrics';
import type { BatchHandler, ChunkEnd, ConsumerRunnerOptions, DecodedRecord } from './consumer-types';
import { decodeRecord } from './middleware/decode';
import { whileHeartbeating } from './middleware/heartbeat';
import type { Backoff } from './middleware/retry';

interface Chunk {
  readonly records: readonly DecodedRecord[];
  readonly end: ChunkEnd;
}

export type ChunkResult = 'done' | 'one-by-one' | 'stopped';

export class ChunkPath {
  private readonly together: ChunkCoalescer<Chunk>;

  constructor(
    private readonly o: ConsumerRunnerOptions & { readonly batch: { readonly handler: BatchHandler } },
    private readonly backoff: Backoff,
    private readonly metrics: ConsumerMetrics,
  ) {
    const { batch } = o;
    this.together = new ChunkCoalescer<Chunk>({
      flush: async (chunks) => {
        const all = chunks.flat();
        const started = performance.now();
        await batch.handler(
          all.flatMap((c) => c.records),
          all.map((c) => c.end),
        );
        // Where the time goes when a consumer is slow: in the handler (MongoDB) or between calls (Kafka).
        o.logger.debug(
          {
            partitions: all.length,
            records: all.reduce((n, c) => n + c.records.length, 0),
            ms: Math.round(performance.now() - started),
          },
          'batch handled',
        );
        return chunks.map((): void => undefined);
      },
      lingerMs: batch.lingerMs ?? 5,
      maxItems: batch.maxRecords,
      sizeOf: (chunk) => Math.max(1, chunk.records.length),
    });
  }

  /** Handles `messages` of one partition as one chunk; see ChunkResult. */
  async handle(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    heartbeat: () => Promise<void>,
    active: () => boolean,
  ): Promise<ChunkResult> {
    const { groupId, logger } = this.o;
    const decoded = await this.decode(topic, partition, messages, heartbeat, active);
    if (decoded === 'one-by-one' || decoded === 'stopped') return decoded;
    const { chunk, ignored } = decoded;
    if (chunk.records.length === 0 && !this.o.positions) return this.counted(topic, chunk, ignored);
    const end = this.metrics.handlerSeconds.startTimer({ group: groupId, topic, event_type: 'batch' });
    // Combined with other partitions' chunks until a combined call fails for a reason that is not an
    // outage: then this chunk goes alone, so that only the chunk at fault is handled one by one.
    let alone = false;
    for (let attempt = 0; ; attempt++) {
      try {
        await whileHeartbeating(heartbeat, () =>
          alone ? this.together.submitAlone([chunk]) : this.together.submit([chunk]),
        );
        break;
      } catch (err) {
        const errorClass = classifyError(err instanceof SharedChunkError ? err.cause : err);
        const fields = { err, topic, partition, records: chunk.records.length, errorClass };
        if (errorClass !== 'retriable' && err instanceof SharedChunkError && !alone) {
          alone = true;
          attempt--;
          continue;
        }
        if (errorClass !== 'retriable') {
          logger.warn(fields, 'batch failed; handling its records one by one');
          return 'one-by-one';
        }
        const waited =
          active() &&
          (await this.backoff.wait(attempt, topic, heartbeat, (delayMs) =>
            logger.warn({ ...fields, attempt: attempt + 1, delayMs }, 'batch failed, retrying it whole'),
          ));
        if (!waited || !active()) return 'stopped';
      }
    }
    end();
    return this.counted(topic, chunk, ignored);
  }

  private counted(topic: string, chunk: Chunk, ignored: readonly string[]): 'done' {
    const count = (event_type: string, outcome: string) =>
      this.metrics.records.inc({ group: this.o.groupId, topic, event_type, outcome });
    for (const r of chunk.records) count(r.event.eventType, 'processed');
    for (const eventType of ignored) count(eventType, 'ignored');
    return 'done';
  }

  /**
   * The chunk's records, decoded; those of types without a handler left out. The registry away is no
   * record's fault: decoding is tried again with backoff. A record that does not decode sends the chunk
   * one by one, where it is dead-lettered alone.
   */
  private async decode(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    heartbeat: () => Promise<void>,
    active: () => boolean,
  ): Promise<{ chunk: Chunk; ignored: string[] } | 'one-by-one' | 'stopped'> {
    const last = messages[messages.length - 1] as KafkaMessage;
    const end: ChunkEnd = { topic, partition, offset: last.offset, timestamp: Number(last.timestamp) };
    for (let attempt = 0; ; attempt++) {
      try {
        const records: DecodedRecord[] = [];
        const ignored: string[] = [];
        for (const message of messages) {
          const source = { topic, partition, offset: message.offset };
          const record = await decodeRecord(this.o.codec, source, message, this.o.logger);
          if (this.o.handlers && !this.o.handlers[record.event.eventType])
            ignored.push(record.event.eventType);
          else records.push(record);
        }
        return { chunk: { records, end }, ignored };
      } catch (err) {
        if (classifyError(err) !== 'retriable') return 'one-by-one';
        const waited =
          active() &&
          (await this.backoff.wait(attempt, topic, heartbeat, (delayMs) =>
            this.o.logger.warn({ err, topic, partition, delayMs }, 'could not decode the batch, retrying'),
          ));
        if (!waited || !active()) return 'stopped';
      }
    }
  }
}
