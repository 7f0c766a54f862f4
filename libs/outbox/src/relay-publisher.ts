// The relay's Kafka side: a batch of outbox records published in one request; when Kafka refuses a
// record for good (too large, say), record by record instead, the refused one quarantined and the rest
// of its key held back, so that one bad record never stalls the other keys.
import type { Collection } from 'mongodb';
import type { Producer } from 'kafkajs';
import type { Logger } from '@mailfleet/logger';
import { permanentRefusal } from './kafka-refusal';
import { keyCounterId, type OutboxRecord } from './outbox-schema';
import type { RelayMetrics } from './relay-metrics';

export interface RelayPublisherDeps {
  readonly producer: Producer;
  readonly records: Collection<OutboxRecord>;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly now: () => Date;
}

export interface PublishOutcome {
  readonly published: readonly OutboxRecord[];
  readonly quarantined: readonly OutboxRecord[];
}

export class RelayPublisher {
  constructor(private readonly d: RelayPublisherDeps) {}

  /**
   * Publishes the batch, isolating permanent refusals: returns what was published and what was
   * quarantined (the later records of a quarantined record's key are neither). `onQuarantined` runs
   * right after each quarantine, before anything else is sent: a send failing later in the batch must
   * not lose what the quarantine implies (the key's hold).
   */
  async publish(
    batch: readonly OutboxRecord[],
    onQuarantined?: (record: OutboxRecord) => Promise<void>,
  ): Promise<PublishOutcome> {
    if (batch.length === 0) return { published: [], quarantined: [] };
    try {
      await this.send(batch);
      return { published: batch, quarantined: [] };
    } catch (err) {
      if (!permanentRefusal(err)) throw err;
    }
    const published: OutboxRecord[] = [];
    const quarantined: OutboxRecord[] = [];
    const held = new Set<string>();
    for (const record of batch) {
      const key = keyCounterId(record.topic, record.key);
      if (held.has(key)) continue;
      try {
        await this.send([record]);
        published.push(record);
      } catch (err) {
        const reason = permanentRefusal(err);
        if (!reason) throw err;
        held.add(key);
        await this.quarantine(record, reason, err);
        await onQuarantined?.(record);
        quarantined.push(record);
      }
    }
    return { published, quarantined };
  }

  private async quarantine(record: OutboxRecord, reason: string, err: unknown): Promise<void> {
    const text = `${reason}: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
    await this.d.records.updateOne(
      { _id: record._id, pending: true },
      { $set: { pending: false, quarantined: { reason: text, at: this.d.now() } } },
    );
    this.d.metrics.quarantined.inc({ reason });
    this.d.logger.error(
      { eventId: record._id, topic: record.topic, key: record.key, seq: record.seq, reason: text },
      'Kafka refused an outbox record for good; quarantined, its key waits for an operator (requeueQuarantined)',
    );
  }

  private async send(batch: readonly OutboxRecord[]): Promise<void> {
    const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
    for (const r of batch) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: Buffer.from(r.value.buffer), headers: { ...r.headers } });
      byTopic.set(r.topic, list);
    }
    await this.d.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
