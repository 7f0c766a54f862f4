// Consumer lag per topic and partition, as a Prometheus gauge refreshed when /metrics is scraped.
import type { Admin } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';

/** Registers `mailfleet_consumer_lag{group,topic,partition}`: records not yet committed by the group. */
export function registerLagGauge(
  registry: Registry,
  admin: Admin,
  groupId: string,
  topics: readonly string[],
): Gauge {
  return new Gauge({
    name: 'mailfleet_consumer_lag',
    help: 'Records on the topic not yet committed by the consumer group',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      try {
        const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
        for (const { topic, partitions } of committed) {
          const ends = await admin.fetchTopicOffsets(topic);
          for (const p of partitions) {
            const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
            const done =
              Number(p.offset) < 0
                ? Number(ends.find((e) => e.partition === p.partition)?.low ?? 0)
                : Number(p.offset);
            this.set({ group: groupId, topic, partition: String(p.partition) }, Math.max(0, end - done));
          }
        }
      } catch {
        // The broker is unreachable: keep the last values; the consumer's own errors say why.
      }
    },
  });
}
