// The outbox relay process: publishes committed outbox records to Kafka (see docs/outbox.md).
import { bootService, kafkaClients } from '@mailfleet/boot';
import { orderedProducer } from '@mailfleet/kafka';
import { OutboxRelay } from '@mailfleet/outbox';
import { retryUntil } from '@mailfleet/retry';
import { relayEnvSchema } from './config';

const CONNECT_BACKOFF = { initialMs: 250, maxMs: 10_000 };

async function main(): Promise<void> {
  const boot = await bootService('outbox-relay', relayEnvSchema, { readiness: ['relay'] });
  const { config, logger, signal } = boot;
  // The relay retries its own first round: MongoDB may come up after it.
  const mongo = await boot.mongo({ serverSelectionTimeoutMS: 5_000 }, { connect: false });
  const producer = orderedProducer(kafkaClients(boot).kafka);
  boot.onShutdown(() => producer.disconnect());
  // Until the broker and the database answer, or the process is told to stop (then the shell exits).
  const untilUp = (what: string, connect: () => Promise<void>) =>
    retryUntil(connect, {
      backoff: CONNECT_BACKOFF,
      signal,
      onRetry: (err, delayMs) => logger.warn({ err, retryInMs: delayMs }, `${what} not reachable yet`),
    }).then(
      () => true,
      (err: unknown) => {
        if (signal.aborted) return false;
        throw err;
      },
    );
  if (!(await untilUp('kafka', () => producer.connect()))) return;

  const relay = new OutboxRelay({
    client: mongo,
    db: mongo.db(config.MONGO_DB),
    producer,
    logger,
    metrics: boot.metrics,
    collectionPrefix: config.OUTBOX_COLLECTION_PREFIX,
    instanceId: config.RELAY_INSTANCE_ID,
    batchSize: config.RELAY_BATCH_SIZE,
    pollIntervalMs: config.RELAY_POLL_INTERVAL_MS,
    lingerMs: config.RELAY_LINGER_MS,
    useChangeStream: config.RELAY_USE_CHANGE_STREAM,
    leaseMs: config.RELAY_LEASE_MS,
    retentionSeconds: Math.round(config.OUTBOX_RETENTION_HOURS * 3600),
    sweepEveryMs: config.RELAY_SWEEP_MS,
    lateCommitMarginMs: config.RELAY_LATE_COMMIT_MARGIN_MS,
    pauseAfterPublishMs: config.RELAY_PAUSE_AFTER_PUBLISH_MS,
  });
  boot.ready('relay', () => relay.isHealthy());
  // connect() each time: a first connect that failed leaves the client's topology closed, and only an
  // explicit connect opens a new one (an operation alone would fail with "Topology is closed" forever).
  if (!(await untilUp('mongodb', () => mongo.connect().then(() => relay.start())))) return;
  logger.info({ instanceId: relay.instanceId, db: config.MONGO_DB }, 'relaying');
  boot.onShutdown(() => relay.stop());
}

void main();
