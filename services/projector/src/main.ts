// The projector: builds the read models the dashboard serves from orders.events, mail.requested and
// mail.events, and the list of the fleet's dead letters. It has no side effects besides its own
// projections (and dead letters for poison records seen by the active version), so any replay or rebuild
// is safe (docs/projector.md).
import { bootService, kafkaClients } from '@mailfleet/boot';
import { consumerFetch } from '@mailfleet/config';
import { TOPICS, dlqTopicOf, fleetTopics } from '@mailfleet/contracts';
import { pause } from '@mailfleet/retry';
import { DeadLetterIndex } from './adapters/dead-letter-index';
import { measurePipelineHealth, savePipelineHealth } from './adapters/pipeline-health';
import { ProjectionMetaStore } from './adapters/projection-meta';
import { projectorEnvSchema } from './config';
import { ProjectionController, groupOf } from './handlers/projection-controller';
import { createProjectorMetrics } from './handlers/projector-metrics';

async function main(): Promise<void> {
  const boot = await bootService('projector', projectorEnvSchema, { readiness: ['projections'] });
  const { config, logger } = boot;
  const topics = fleetTopics(config.TOPIC_SUFFIX);
  // customers.events for CustomerErased only: the projections hold no customer data of their own.
  const inputs = [topics.orders, topics.customers, topics.mailRequested, topics.mailEvents];
  const clients = kafkaClients(boot);
  const { kafka } = clients;

  const mongo = await boot.mongo();
  const db = mongo.db(config.MONGO_DB);
  const codec = await clients.codec(inputs, { register: false });
  const admin = await clients.admin();
  const metrics = createProjectorMetrics(boot.metrics);
  const meta = new ProjectionMetaStore(db);
  const controller = new ProjectionController({
    kafka,
    admin,
    codec,
    client: mongo,
    db,
    meta,
    groupPrefix: config.CONSUMER_GROUP,
    topics: inputs,
    chunkSize: config.PROJECTOR_CHUNK_SIZE,
    fetch: consumerFetch(config),
    switchMaxLag: config.PROJECTOR_SWITCH_MAX_LAG,
    dropGraceMs: config.PROJECTOR_DROP_GRACE_MS,
    logger,
    metrics,
    registry: boot.metrics,
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
  boot.onShutdown(() => controller.stop());
  await deadLetters.start();
  boot.onShutdown(() => deadLetters.stop());
  boot.exitOn(deadLetters.crashed, 'dead-letter index consumer');
  let projecting = true;
  boot.ready('projections', () => projecting);
  boot.exitOn(controller.crashed, 'projection consumer');

  const every = async (ms: number, what: string, round: () => Promise<void>) => {
    while (!boot.signal.aborted) {
      await round().catch((err: unknown) => logger.warn({ err }, `${what} failed; trying again`));
      await pause(ms, boot.signal);
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

  // Registered last, so it runs first: the rounds in hand end before the consumers and clients stop.
  boot.onShutdown(async () => {
    projecting = false;
    await Promise.all([control, health]);
  });
}

void main();
