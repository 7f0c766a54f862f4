import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { ORDERS_EVENTS, dlqTopicOf } from '@mailfleet/contracts';
import { kafkaBrokers, testTopics } from '@mailfleet/testing';
import { applyTopics } from './topic-admin';

const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

const retentionOf = async (topic: string) => {
  const res = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
  });
  return res.resources[0]?.configEntries[0]?.configValue;
};

test('applying twice creates the topic and its DLQ once, then changes nothing', async () => {
  const [topic] = testTopics([ORDERS_EVENTS], 2);
  const first = await applyTopics(admin, [topic!], 'local');
  expect(first.map((c) => [c.topic, c.change])).toEqual([
    [topic!.name, 'created'],
    [dlqTopicOf(topic!.name), 'created'],
  ]);
  const second = await applyTopics(admin, [topic!], 'local');
  expect(second.map((c) => c.change)).toEqual(['unchanged', 'unchanged']);
  expect(await retentionOf(topic!.name)).toBe('-1');
});

test('a definition with more partitions and another retention updates the topic in place', async () => {
  const [topic] = testTopics([ORDERS_EVENTS], 2);
  await applyTopics(admin, [topic!], 'local');
  const changes = await applyTopics(admin, [{ ...topic!, partitions: 4, retentionMs: 86_400_000 }], 'local');
  expect(changes.filter((c) => c.topic === topic!.name).map((c) => c.change)).toEqual([
    'partitions-increased',
    'configs-updated',
  ]);
  const meta = await admin.fetchTopicMetadata({ topics: [topic!.name] });
  expect(meta.topics[0]?.partitions).toHaveLength(4);
  expect(await retentionOf(topic!.name)).toBe('86400000');
});
