// The outbox relay process: publishes committed outbox records to Kafka (see docs/outbox.md).
import { MongoClient } from 'mongodb';
import { kafkaSecurity, loadConfigOrExit } from '@mailfleet/config';
import { createKafka, orderedProducer } from '@mailfleet/kafka';
import { startServiceShell, countMongoCommands, mongoCommandMonitoring } from '@mailfleet/observability';
import { OutboxRelay } from '@mailfleet/outbox';
import { retryUntil } from '@mailfleet/retry';
import { relayEnvSchema } from './config';

const SERVICE = 'outbox-relay';
const CONNECT_BACKOFF = { initialMs: 250, maxMs: 10_000 };

async function main(): Promise<void> {
  const config = loadConfigOrExit(SERVICE, relayEnvSchema);
  // Readiness is asked for before the relay exists; the holder lets the check see it once it does.
  const holder: { relay?: OutboxRelay } = {};
  const shell = await startServiceShell({
    service: SERVICE,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    opsPort: config.OPS_PORT,
    readiness: { relay: () => holder.relay?.isHealthy() ?? false },
  });
  const { logger } = shell;
  const mongo = new MongoClient(config.MONGO_URL, {
    appName: SERVICE,
    ...mongoCommandMonitoring,
    serverSelectionTimeoutMS: 5_000,
  });
  countMongoCommands(mongo, shell.metrics);
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? SERVICE, ...kafkaSecurity(config) },
    logger,
  );
  const producer = orderedProducer(kafka);
  // Until the broker and the database answer, or the process is told to stop (then the shell exits).
  const untilUp = (what: string, connect: () => Promise<void>) =>
    retryUntil(connect, {
      backoff: CONNECT_BACKOFF,
      signal: shell.signal,
      onRetry: (err, delayMs) => logger.warn({ err, retryInMs: delayMs }, `${what} not reachable yet`),
    }).then(
      () => true,
      (err: unknown) => {
        if (shell.signal.aborted) return false;
        throw err;
      },
    );
  if (!(await untilUp('kafka', () => producer.connect()))) return;

  const relay = new OutboxRelay({
    client: mongo,
    db: mongo.db(config.MONGO_DB),
    producer,
    logger,
    metrics: shell.metrics,
    collectionPrefix: config.OUTBOX_COLLECTION_PREFIX,
    instanceId: config.RELAY_INSTANCE_ID,
    batchSize: config.RELAY_BATCH_SIZE,
    pollIntervalMs: config.RELAY_POLL_INTERVAL_MS,
    lingerMs: config.RELAY_LINGER_MS,
    useChangeStream: config.RELAY_USE_CHANGE_STREAM,
    leaseMs: config.RELAY_LEASE_MS,
    retentionSeconds: Math.round(config.OUTBOX_RETENTION_HOURS * 3600),
    pauseAfterPublishMs: config.RELAY_PAUSE_AFTER_PUBLISH_MS,
  });
  holder.relay = relay;
  if (!(await untilUp('mongodb', () => relay.start()))) return;
  logger.info({ instanceId: relay.instanceId, db: config.MONGO_DB }, 'relaying');
  shell.onShutdown(async () => {
    await relay.stop();
    await producer.disconnect();
    await mongo.close();
  });
}

void main();
