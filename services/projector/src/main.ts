// The projector: builds the read models the dashboard serves from orders.events, mail.requested and
// mail.events, and the list of the fleet's dead letters. It has no side effects besides its own
// projections (and dead letters for poison records seen by the active version), so any replay or rebuild
// is safe (docs/projector.md).
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { MongoClient } from 'mongodb';
import { loadConfigOrExit, kafkaSecurity, consumerFetch } from '@mailfleet/config';
import { EventCodec, TOPICS, dlqTopicOf, fleetTopics } from '@mailfleet/contracts';
import { createKafka, orderedProducer } from '@mailfleet/kafka';
import { startServiceShell, countMongoCommands, mongoCommandMonitoring } from '@mailfleet/observability';
import { pause } from '@mailfleet/retry';
import { DeadLetterIndex } from './adapters/dead-letter-index';
import { measurePipelineHealth, savePipelineHealth } from './adapters/pipeline-health';
import { ProjectionMetaStore } from './adapters/projection-meta';
import { projectorEnvSchema } from './config';
import { ProjectionController, groupOf } from './handlers/projection-controller';
import { createProjectorMetrics } from './handlers/projector-metrics';

const SERVICE = 'projector';

async function main(): Promise<void> {
  const config = loadConfigOrExit(SERVICE, projectorEnvSchema);
  const holder = { ready: false };
  const shell = await startServiceShell({
    service: SERVICE,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    opsPort: config.OPS_PORT,
    readiness: { projections: () => holder.ready },
  });
  const { logger } = shell;
  const topics = fleetTopics(config.TOPIC_SUFFIX);
  const inputs = [topics.orders, topics.mailRequested, topics.mailEvents];

  const mongo = new MongoClient(config.MONGO_URL, { appName: SERVICE, ...mongoCommandMonitoring });
  countMongoCommands(mongo, shell.metrics);
  await mongo.connect();
  const db = mongo.db(config.MONGO_DB);
  const codec = new EventCodec(new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL }), inputs);
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? SERVICE, ...kafkaSecurity(config) },
    logger,
  );
  const admin = kafka.admin();
  await admin.connect();
  const producer = orderedProducer(kafka);
  await producer.connect();
  const metrics = createProjectorMetrics(shell.metrics);
  const meta = new ProjectionMetaStore(db);
  const controller = new ProjectionController({
    kafka,
    admin,
    producer,
    codec,
    client: mongo,
    db,
    meta,
    groupPrefix: config.CONSUMER_GROUP,
    topics: inputs.map((t) => t.name),
    chunkSize: config.PROJECTOR_CHUNK_SIZE,
    fetch: consumerFetch(config),
    switchMaxLag: config.PROJECTOR_SWITCH_MAX_LAG,
    dropGraceMs: config.PROJECTOR_DROP_GRACE_MS,
    logger,
    metrics,
  });
  await controller.tick(Date.now());
  const dlqTopics = TOPICS.map((t) => dlqTopicOf(`${t.name}${config.TOPIC_SUFFIX}`));
  const deadLetters = new DeadLetterIndex({
    kafka,
    db,
    groupId: `${config.CONSUMER_GROUP}-dead-letters`,
    topics: dlqTopics,
    logger,
  });
  await deadLetters.start();
  holder.ready = true;
  void controller.crashed.then((err) => {
    logger.fatal({ err }, 'projection consumer crashed');
    process.exit(1);
  });

  const every = async (ms: number, what: string, round: () => Promise<void>) => {
    while (!shell.signal.aborted) {
      await round().catch((err: unknown) => logger.warn({ err }, `${what} failed; trying again`));
      await pause(ms, shell.signal);
    }
  };
  const control = every(config.PROJECTOR_CONTROL_INTERVAL_MS, 'projection control round', () =>
    controller.tick(Date.now()),
  );
  const watched = [
    ...config.PROJECTOR_WATCH_GROUPS.map((g) => ({
      group: g.group,
      topics: g.topics.map((k) => topics[k].name),
    })),
    { group: '', topics: inputs.map((t) => t.name) },
  ];
  const health = every(config.PROJECTOR_HEALTH_INTERVAL_MS, 'pipeline health measurement', async () => {
    // The projector's own group follows the active version.
    const groups = watched.map((w) =>
      w.group ? w : { ...w, group: groupOf(config.CONSUMER_GROUP, controller.activeVersion) },
    );
    await savePipelineHealth(
      db,
      await measurePipelineHealth(admin, mongo, groups, dlqTopics, config.PROJECTOR_OUTBOX_DBS, Date.now()),
    );
  });
  logger.info({ topics: inputs.map((t) => t.name), database: config.MONGO_DB }, 'projecting');

  shell.onShutdown(async () => {
    holder.ready = false;
    await Promise.all([control, health]);
    await controller.stop();
    await deadLetters.stop();
    await producer.disconnect();
    await admin.disconnect();
    await mongo.close();
  });
}

void main();
