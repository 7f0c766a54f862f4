import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { kafkaBrokers, uniqueName, waitFor } from './helpers';

export interface CollectedRecord {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly headers: Record<string, string>;
  readonly value: Buffer | null;
}

const text = (m: KafkaMessage) =>
  Object.fromEntries(
    Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]),
  );

/** Reads a topic from the beginning into memory, in partition order, until stopped. */
export async function collectTopic(topic: string, brokers = kafkaBrokers()) {
  const consumer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).consumer({
    groupId: uniqueName('collector'),
  });
  const records: CollectedRecord[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers = text(message);
      records.push({
        partition,
        offset: message.offset,
        key: String(message.key),
        eventId: headers['event-id'] ?? '',
        eventType: headers['event-type'] ?? '',
        headers,
        value: message.value,
      });
    },
  });
  return {
    records,
    /** Waits until the distinct event ids seen include all of `eventIds`. */
    async waitForEventIds(eventIds: readonly string[], timeoutMs = 60_000) {
      const wanted = new Set(eventIds);
      return waitFor(
        `${eventIds.length} event ids on ${topic}`,
        async () =>
          new Set(records.map((r) => r.eventId).filter((id) => wanted.has(id))).size === wanted.size
            ? records
            : undefined,
        timeoutMs,
      );
    },
    /**
     * Waits until everything the topic holds at this moment has been collected: every partition read up
     * to its end offset. How a test proves that something was *not* published — nothing more can come
     * from before this point — without sleeping.
     */
    async waitForEnd(timeoutMs = 60_000) {
      const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      const last = new Map<number, bigint>();
      return waitFor(
        `${topic} read to its end`,
        async () => {
          for (const r of records)
            last.set(
              r.partition,
              BigInt(r.offset) > (last.get(r.partition) ?? -1n) ? BigInt(r.offset) : last.get(r.partition)!,
            );
          return ends.every(
            (e) => BigInt(e.high) === 0n || (last.get(e.partition) ?? -1n) >= BigInt(e.high) - 1n,
          )
            ? records
            : undefined;
        },
        timeoutMs,
      );
    },
    stop: () => consumer.disconnect(),
  };
}

/** Event ids per key in the order they first appear on the topic (duplicates dropped). */
export function firstSeenOrderByKey(records: readonly CollectedRecord[]): Map<string, string[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, string[]>();
  for (const r of records) {
    if (seen.has(r.eventId)) continue;
    seen.add(r.eventId);
    byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.eventId]);
  }
  return byKey;
}
