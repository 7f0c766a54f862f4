// A snapshot of the pipeline's health for the dashboard: consumer lag per group and partition, dead
// letters waiting per DLQ topic, and each service's outbox backlog. Unlike the projections it is not
// built from events; it is measured, with the time it was measured.
import type { Admin } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import { unpublishedSummary } from '@mailfleet/outbox';
import { PIPELINE_HEALTH_COLLECTION, type GroupLag, type PipelineHealth } from '@mailfleet/read-models';

export interface WatchedGroup {
  readonly group: string;
  readonly topics: readonly string[];
}

export async function measurePipelineHealth(
  admin: Admin,
  client: MongoClient,
  groups: readonly WatchedGroup[],
  dlqTopics: readonly string[],
  outboxDatabases: readonly string[],
  now: number,
): Promise<PipelineHealth> {
  const errors: string[] = [];
  const lag: GroupLag[] = [];
  const ends = new Map<string, { partition: number; high: string; low: string }[]>();
  const endsOf = async (topic: string) => {
    if (!ends.has(topic)) ends.set(topic, await admin.fetchTopicOffsets(topic));
    return ends.get(topic) as { partition: number; high: string; low: string }[];
  };
  for (const { group, topics } of groups) {
    try {
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId: group, topics: [...topics] })) {
        const topicEnds = await endsOf(topic);
        for (const p of partitions) {
          const end = topicEnds.find((e) => e.partition === p.partition);
          const high = Number(end?.high ?? 0);
          const done = Number(p.offset) < 0 ? Number(end?.low ?? 0) : Number(p.offset);
          lag.push({
            group,
            topic,
            partition: p.partition,
            committed: Number(p.offset) < 0 ? null : p.offset,
            end: String(high),
            lag: Math.max(0, high - done),
          });
        }
      }
    } catch (err) {
      errors.push(`lag of ${group}: ${(err as Error).message}`);
    }
  }
  const dlq: PipelineHealth['dlq'][number][] = [];
  for (const topic of dlqTopics) {
    try {
      const offsets = await endsOf(topic);
      dlq.push({ topic, records: offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0) });
    } catch (err) {
      errors.push(`size of ${topic}: ${(err as Error).message}`);
    }
  }
  const outbox: PipelineHealth['outbox'][number][] = [];
  for (const database of outboxDatabases) {
    try {
      // Unpublished: pending and after the shard's checkpoint (a relay on the change stream marks nothing).
      const { count: pending, oldestCreatedAt } = await unpublishedSummary(client.db(database));
      outbox.push({
        database,
        pending,
        oldestPendingAgeMs: oldestCreatedAt ? Math.max(0, now - oldestCreatedAt.getTime()) : null,
      });
    } catch (err) {
      errors.push(`outbox of ${database}: ${(err as Error).message}`);
    }
  }
  return { _id: 'current', measuredAt: now, lag, dlq, outbox, errors };
}

export async function savePipelineHealth(db: Db, health: PipelineHealth): Promise<void> {
  await db
    .collection<PipelineHealth>(PIPELINE_HEALTH_COLLECTION)
    .replaceOne({ _id: 'current' }, health, { upsert: true });
}
