// Reads given offset ranges of a topic and stops at their ends: for dry-runs, dead-letter listings and
// redrives. kafkajs consumes only in a group, so a throwaway group is used, never commits, and is deleted.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';

/** Offsets [from, to) of one partition. */
export interface PartitionRange {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

export interface ReadRecord {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
}

/** The whole retained log of a topic, per partition. */
export async function wholeTopic(admin: Admin, topic: string): Promise<PartitionRange[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.map((o) => ({ partition: o.partition, from: BigInt(o.low), to: BigInt(o.high) }));
}

/** Calls `each` for every record in `ranges` of `topic`, in offset order per partition. */
export async function readRanges(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  ranges: readonly PartitionRange[],
  each: (record: ReadRecord) => void | Promise<void>,
  timeoutMs = 120_000,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  // A range may start before the log start (retention deleted it): read what is left.
  const lows = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.low)]));
  const wanted = new Map<number, PartitionRange>();
  for (const r of ranges) {
    const from = r.from < (lows.get(r.partition) ?? 0n) ? (lows.get(r.partition) ?? 0n) : r.from;
    if (from < r.to) wanted.set(r.partition, { ...r, from });
  }
  if (wanted.size === 0) return;
  const total = [...wanted.values()].reduce((n, r) => n + Number(r.to - r.from), 0);
  let done = 0;

  const groupId = `mailfleet-ops-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  const remaining = new Set(wanted.keys());
  let finish!: (err?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = (err) => (err === undefined ? resolve() : reject(err));
  });
  const timer = setTimeout(
    () => finish(new Error(`reading ${topic} did not finish in ${timeoutMs / 1000} s`)),
    timeoutMs,
  );
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = wanted.get(batch.partition);
        if (!range || !remaining.has(batch.partition)) return;
        try {
          for (const message of batch.messages) {
            const offset = BigInt(message.offset);
            if (offset >= range.to) break;
            if (offset >= range.from) {
              await each({ topic, partition: batch.partition, message });
              onProgress?.(++done, total);
            }
          }
        } catch (err) {
          finish(err);
          return;
        }
        // lastOffset counts control records (transaction markers) too, which never reach `messages`.
        if (BigInt(batch.lastOffset()) + 1n >= range.to) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        }
      },
    });
    for (const r of wanted.values()) consumer.seek({ topic, partition: r.partition, offset: String(r.from) });
    await finished;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
}
