import { Kafka, logLevel } from 'kafkajs';
import { withTopicSuffix, type TopicDefinition } from '@mailfleet/contracts';
import { applyTopics } from '@mailfleet/kafka';
import { kafkaBrokers, uniqueName } from './helpers';

/** Copies of topic definitions under names no other test uses (same event types, fewer partitions). */
export function testTopics(
  definitions: readonly TopicDefinition[],
  partitions = 3,
  suffix = `.${uniqueName('t')}`,
): TopicDefinition[] {
  return withTopicSuffix(definitions, suffix).map((d) => ({ ...d, partitions }));
}

/** A suffix for a test's topics; pass it to testTopics and to services as TOPIC_SUFFIX. */
export const testTopicSuffix = (): string => `.${uniqueName('t')}`;

/** Creates the topics (and their DLQs) on the local broker. */
export async function createTestTopics(
  definitions: readonly TopicDefinition[],
  brokers = kafkaBrokers(),
): Promise<void> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await applyTopics(admin, definitions, 'local');
  } finally {
    await admin.disconnect();
  }
}
