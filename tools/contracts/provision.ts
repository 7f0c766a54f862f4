// Creates/updates every topic of the fleet and registers every schema under its subject; idempotent.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { EventCodec, TOPICS, type ReplicationProfile, type TopicDefinition } from '@mailfleet/contracts';
import { applyTopics, type TopicChange } from '@mailfleet/kafka';

export interface ProvisionOptions {
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  readonly profile: ReplicationProfile;
  readonly topics?: readonly TopicDefinition[];
}

export async function provisionContracts(options: ProvisionOptions): Promise<TopicChange[]> {
  const topics = options.topics ?? TOPICS;
  const admin = new Kafka({
    clientId: 'mailfleet-topics',
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const changes = await applyTopics(admin, topics, options.profile);
    await new EventCodec(new SchemaRegistry({ host: options.registryUrl }), topics).register();
    return changes;
  } finally {
    await admin.disconnect();
  }
}
