// Deduplication by the consumer's own positions: where a consumer keeps a checkpoint per partition in
// the same transaction as its writes (the projector), group offsets are only a hint. On every assignment
// each partition is sought to its checkpoint; a batch that starts past it is sought back (never skip);
// records before it — applied already, a redelivery — are dropped before they are decoded, so a poison
// record among them is not dead-lettered twice.
import type { Consumer, KafkaMessage } from 'kafkajs';
import type { Logger } from '@mailfleet/logger';
import type { OwnPositions } from '../consumer-types';

export class PartitionPositions {
  /** Per partition, the next offset to handle (forgotten on every new assignment). */
  private readonly next = new Map<string, bigint>();

  constructor(
    private readonly own: OwnPositions,
    private readonly logger: Logger,
  ) {}

  /** Listens for assignments on `consumer`: each assigned partition is sought to its checkpoint at once. */
  follow(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.next.clear();
      // If the group offset is at the end, no batch would ever come to tell us to seek back.
      void this.seekAll(consumer, e.payload.memberAssignment).catch((err: unknown) =>
        this.logger.warn({ err }, 'could not seek to the checkpoints; the first batch will'),
      );
    });
  }

  /**
   * The messages of a fetched batch that are still to be handled; 'sought' when the batch started past
   * the checkpoint (the consumer was sought back and this batch is dropped).
   */
  async admit(
    consumer: Consumer,
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
  ): Promise<readonly KafkaMessage[] | 'sought'> {
    const first = messages[0];
    if (!first) return messages;
    const start = await this.startOf(topic, partition);
    if (BigInt(first.offset) > start) {
      this.logger.info(
        { topic, partition, groupOffset: first.offset, next: start.toString() },
        'group offset is past the checkpoint; seeking back to the checkpoint',
      );
      consumer.seek({ topic, partition, offset: start.toString() });
      return 'sought';
    }
    return messages.filter((m) => BigInt(m.offset) >= start);
  }

  /** Records up to `offset` are done. */
  advance(topic: string, partition: number, offset: string): void {
    this.next.set(`${topic}:${partition}`, BigInt(offset) + 1n);
  }

  private async startOf(topic: string, partition: number): Promise<bigint> {
    const key = `${topic}:${partition}`;
    let start = this.next.get(key);
    if (start === undefined) {
      start = await this.own.startOf(topic, partition);
      this.next.set(key, start);
    }
    return start;
  }

  private async seekAll(consumer: Consumer, assignment: Record<string, number[]>): Promise<void> {
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const start = await this.own.startOf(topic, partition);
        this.next.set(`${topic}:${partition}`, start);
        consumer.seek({ topic, partition, offset: start.toString() });
      }
    }
    this.logger.info({ assignment }, 'assigned partitions positioned at their checkpoints');
  }
}
