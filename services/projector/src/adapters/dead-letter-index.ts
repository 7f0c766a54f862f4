// Keeps `dead_letters` in step with the fleet's `.dlq` topics, for the dashboard's list. Its own consumer
// group reads only headers; writes are upserts by position, so a replay from any offset is harmless.
// It is not on the consumer runner: a dead letter is raw bytes that are not decoded, and nothing here may
// be dead-lettered again; what it shares with the runner is the retry module and exiting on a crash.
import type { Consumer, Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { classifyError } from '@mailfleet/errors';
import { headerText } from '@mailfleet/kafka';
import type { Logger } from '@mailfleet/logger';
import { DEAD_LETTERS_COLLECTION, type DeadLetterView } from '@mailfleet/read-models';
import { retryUntil } from '@mailfleet/retry';
import { deadLetterView } from '../domain/dead-letter-view';

export class DeadLetterIndex {
  private consumer?: Consumer;
  private readonly stopping = new AbortController();
  /** Resolves with the error when the index's consumer crashed for good. */
  crashed: Promise<Error> = new Promise(() => undefined);

  constructor(
    private readonly o: {
      readonly kafka: Kafka;
      readonly db: Db;
      readonly groupId: string;
      readonly topics: readonly string[];
      readonly logger: Logger;
    },
  ) {}

  async start(): Promise<void> {
    const col = this.o.db.collection<DeadLetterView>(DEAD_LETTERS_COLLECTION);
    await col.createIndex({ deadLetteredAt: -1 }, { name: 'newest_first' });
    const consumer = this.o.kafka.consumer({ groupId: this.o.groupId, allowAutoTopicCreation: false });
    this.consumer = consumer;
    this.crashed = new Promise((resolve) =>
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) resolve(payload.error);
      }),
    );
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.o.topics], fromBeginning: true });
    await consumer.run({
      // The batch's offsets are committed only after its upserts (eachBatch resolves last).
      eachBatch: async ({ batch, heartbeat }) => {
        const views = batch.messages.map((m) =>
          deadLetterView({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            timestamp: Number(m.timestamp),
            headers: headerText(m.headers),
          }),
        );
        if (views.length === 0) return;
        // MongoDB away: wait for it here (heartbeating) rather than fail the batch and restart.
        await retryUntil(
          () =>
            col.bulkWrite(
              views.map((v) => ({ replaceOne: { filter: { _id: v._id }, replacement: v, upsert: true } })),
              { ordered: false },
            ),
          {
            backoff: { initialMs: 200, maxMs: 10_000 },
            retryable: (err) => classifyError(err) !== 'permanent',
            signal: this.stopping.signal,
            onRetry: (err, delayMs) => {
              this.o.logger.warn(
                { err, topic: batch.topic, delayMs },
                'could not index dead letters; retrying',
              );
              void heartbeat().catch(() => undefined);
            },
          },
        );
        this.o.logger.info({ topic: batch.topic, records: views.length }, 'dead letters indexed');
      },
    });
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.consumer?.disconnect();
  }
}
