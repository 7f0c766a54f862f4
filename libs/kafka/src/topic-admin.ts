// Creates and updates the fleet's topics from their definitions; running it twice changes nothing.
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import {
  DLQ_RETENTION_MS,
  REPLICATION,
  dlqTopicOf,
  type ReplicationProfile,
  type TopicDefinition,
} from '@mailfleet/contracts';

export interface TopicChange {
  readonly topic: string;
  readonly change: 'created' | 'partitions-increased' | 'configs-updated' | 'unchanged';
  readonly detail?: string;
}

interface Wanted {
  readonly name: string;
  readonly partitions: number;
  readonly configs: Readonly<Record<string, string>>;
}

function wanted(definitions: readonly TopicDefinition[], profile: ReplicationProfile): Wanted[] {
  const minIsr = String(REPLICATION[profile].minInsyncReplicas);
  return definitions.flatMap((d) => [
    {
      name: d.name,
      partitions: d.partitions,
      configs: {
        'retention.ms': String(d.retentionMs),
        'cleanup.policy': d.cleanupPolicy,
        'min.insync.replicas': minIsr,
      },
    },
    {
      name: dlqTopicOf(d.name),
      partitions: 1,
      configs: {
        'retention.ms': String(DLQ_RETENTION_MS),
        'cleanup.policy': 'delete',
        'min.insync.replicas': minIsr,
      },
    },
  ]);
}

/** Brings the broker's topics in line with `definitions` (plus their DLQs); partitions only ever grow. */
export async function applyTopics(
  admin: Admin,
  definitions: readonly TopicDefinition[],
  profile: ReplicationProfile,
): Promise<TopicChange[]> {
  const all = wanted(definitions, profile);
  const existing = new Set(await admin.listTopics());
  const missing = all.filter((t) => !existing.has(t.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: REPLICATION[profile].replicationFactor,
        configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const changes: TopicChange[] = missing.map((t) => ({ topic: t.name, change: 'created' }));
  const present = all.filter((t) => existing.has(t.name));
  if (present.length === 0) return changes;

  const metadata = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((t) => ({
      type: ConfigResourceTypes.TOPIC,
      name: t.name,
      configNames: Object.keys(t.configs),
    })),
  });
  for (const t of present) {
    const have = metadata.topics.find((m) => m.name === t.name)?.partitions.length ?? 0;
    if (have < t.partitions) {
      await admin.createPartitions({ topicPartitions: [{ topic: t.name, count: t.partitions }] });
      changes.push({ topic: t.name, change: 'partitions-increased', detail: `${have} -> ${t.partitions}` });
    }
    const current = described.resources.find((r) => r.resourceName === t.name)?.configEntries ?? [];
    const differing = Object.entries(t.configs).filter(
      ([name, value]) => current.find((c) => c.configName === name)?.configValue !== value,
    );
    if (differing.length > 0) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: t.name,
            configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })),
          },
        ],
      });
      changes.push({
        topic: t.name,
        change: 'configs-updated',
        detail: differing.map(([n, v]) => `${n}=${v}`).join(', '),
      });
    } else if (have >= t.partitions) {
      changes.push({ topic: t.name, change: 'unchanged' });
    }
  }
  return changes;
}
