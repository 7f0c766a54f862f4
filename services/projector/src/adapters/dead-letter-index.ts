// Keeps `dead_letters` in step with the fleet's `.dlq` topics, for the dashboard's list. Its own consumer
// group reads only headers; writes are upserts by position, so a replay from any offset is harmless.
import type { Consumer, Kafka } from 'kafkajs';
import type { Db } from 'mongodb';
import { headerText } from '@mailfleet/kafka';
import type { Logger } from '@mailfleet/logger';
import { DEAD_LETTERS_COLLECTION, type DeadLetterView } from '@mailfleet/read-models';
import { deadLetterView } from '../domain/dead-letter-view';

export class DeadLetterIndex {
  private consumer?: Consumer;

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
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.o.topics], fromBeginning: true });
    await consumer.run({
      // The batch's offsets are committed only after its upserts (eachBatch resolves last).
      eachBatch: async ({ batch }) => {
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
        await col.bulkWrite(
          views.map((v) => ({ replaceOne: { filter: { _id: v._id }, replacement: v, upsert: true } })),
          { ordered: false },
        );
        this.o.logger.info({ topic: batch.topic, records: views.length }, 'dead letters indexed');
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
