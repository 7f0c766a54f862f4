import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { UnpublishedSummary } from './unpublished';

export type RelayMetrics = ReturnType<typeof createRelayMetrics>;

/** The relay's metrics; backlog and oldest age are read from MongoDB when /metrics is scraped. */
export function createRelayMetrics(
  registry: Registry,
  unpublished: () => Promise<UnpublishedSummary>,
  ownedShards: () => number,
) {
  // One reading serves both gauges of a scrape.
  let reading: { at: number; summary: Promise<UnpublishedSummary | undefined> } | undefined;
  const summary = () => {
    if (!reading || Date.now() - reading.at > 1_000)
      reading = { at: Date.now(), summary: unpublished().catch(() => undefined) };
    return reading.summary;
  };
  return {
    published: new Counter({
      name: 'outbox_relay_published_total',
      help: 'Records published to Kafka',
      registers: [registry],
    }),
    errors: new Counter({
      name: 'outbox_relay_errors_total',
      help: 'Failed relay steps by stage (lease, read, catch-up, publish, checkpoint, sweep; fetch and mark when polling); the relay retries with backoff',
      labelNames: ['stage'],
      registers: [registry],
    }),
    stageSeconds: new Histogram({
      name: 'outbox_relay_stage_seconds',
      help: 'Time spent per relay step (lease, read, catch-up, publish, checkpoint, sweep; fetch and mark when polling)',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    streamErrors: new Counter({
      name: 'outbox_relay_change_stream_errors_total',
      help: 'Times the change stream broke or could not open (the relay reopens it from its checkpoints)',
      registers: [registry],
    }),
    historyLost: new Counter({
      name: 'outbox_relay_history_lost_total',
      help: 'Times the change stream could not resume at a checkpoint (the oplog rolled over); caught up by a scan',
      registers: [registry],
    }),
    leaseLapsed: new Counter({
      name: 'outbox_relay_lease_lapsed_total',
      help: 'Rounds in which a shard changed hands: the next owner may publish some of its records again',
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'outbox_relay_commit_to_publish_seconds',
      help: 'Time from outbox.add to the record being acknowledged by Kafka',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    quarantined: new Counter({
      name: 'outbox_relay_quarantined_total',
      help: 'Records Kafka refused for good (too large, invalid), set aside; their keys wait for an operator',
      labelNames: ['reason'],
      registers: [registry],
    }),
    backlog: new Gauge({
      name: 'outbox_relay_backlog',
      help: 'Committed records not yet published',
      registers: [registry],
      async collect() {
        this.set((await summary())?.count ?? Number.NaN);
      },
    }),
    oldestAge: new Gauge({
      name: 'outbox_relay_oldest_pending_age_seconds',
      help: 'Age of the oldest committed record not yet published (0 when none)',
      registers: [registry],
      async collect() {
        const read = await summary();
        const oldest = read?.oldestCreatedAt;
        this.set(read === undefined ? Number.NaN : oldest ? (Date.now() - oldest.getTime()) / 1000 : 0);
      },
    }),
    owned: new Gauge({
      name: 'outbox_relay_owned_shards',
      help: 'Shards this relay instance holds a lease on',
      registers: [registry],
      collect() {
        this.set(ownedShards());
      },
    }),
  };
}
