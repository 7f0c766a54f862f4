import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers, waitFor } from './helpers';

/**
 * Waits until consumer group `groupId` has committed, on every partition of `topics`, the end offset the
 * partition has at the time of each look: everything published so far is processed. How a test proves
 * that a replay or a redelivery changed nothing, without sleeping.
 */
export async function waitForGroupAtEnd(
  groupId: string,
  topics: readonly string[],
  timeoutMs = 120_000,
  brokers = kafkaBrokers(),
): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await waitFor(
      `group ${groupId} to consume ${topics.join(', ')} to the end`,
      async () => {
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          for (const end of ends) {
            const done = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            if (Number(end.high) > 0 && Number(done) < Number(end.high)) return undefined;
          }
        }
        return true;
      },
      timeoutMs,
    );
  } finally {
    await admin.disconnect();
  }
}
