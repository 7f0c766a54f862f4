// The order-to-mail translator process (see docs/translator.md).
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { MongoClient } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import { kafkaSecurity, loadConfigOrExit, consumerFetch } from '@mailfleet/config';
import { EventCodec, fleetTopics } from '@mailfleet/contracts';
import { ConsumerRunner, createKafka, registerLagGauge } from '@mailfleet/kafka';
import { startServiceShell, countMongoCommands, mongoCommandMonitoring } from '@mailfleet/observability';
import { Outbox, collectionsFor, ensureOutboxIndexes } from '@mailfleet/outbox';
import { TranslatorStore } from './adapters/translator-store';
import { translatorEnvSchema } from './config';
import { createTranslatorHandlers, sweepParkedMails } from './handlers/translator-handlers';
import type { TranslatorDeps } from './handlers/translator-deps';
import { createTranslatorBatchHandler } from './handlers/translator-batch';
import { createTranslatorMetrics } from './handlers/translator-metrics';
import { CustomersWatermark } from './adapters/customers-watermark';

const SERVICE = 'translator';

async function main(): Promise<void> {
  const config = loadConfigOrExit(SERVICE, translatorEnvSchema);
  const holder: { runner?: ConsumerRunner; ready: boolean } = { ready: false };
  const shell = await startServiceShell({
    service: SERVICE,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    opsPort: config.OPS_PORT,
    readiness: { consumer: () => holder.ready },
  });
  const { logger } = shell;
  const {
    orders,
    customers,
    mailRequested: requested,
    mailEvents: events,
  } = fleetTopics(config.TOPIC_SUFFIX);

  const mongo = new MongoClient(config.MONGO_URL, { appName: SERVICE, ...mongoCommandMonitoring });
  countMongoCommands(mongo, shell.metrics);
  await mongo.connect();
  const db = mongo.db(config.MONGO_DB);
  const store = new TranslatorStore(db);
  await store.ensureIndexes();
  await ensureOutboxIndexes(db, collectionsFor(), 7 * 24 * 3600);

  const codec = new EventCodec(new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL }), [
    orders,
    customers,
    requested,
    events,
  ]);
  await codec.register();
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? SERVICE, ...kafkaSecurity(config) },
    logger,
  );

  const admin = kafka.admin();
  await admin.connect();
  // Filled in once the runner exists; until then this process has finished nothing itself.
  const progress: { runner?: ConsumerRunner } = {};
  const customersWatermark = new CustomersWatermark({
    admin,
    groupId: config.CONSUMER_GROUP,
    topic: customers.name,
    processedNext: (topic, partition) => progress.runner?.processedNext(topic, partition),
    now: () => Date.now(),
    logger,
  });
  const deps: TranslatorDeps = {
    client: mongo,
    store,
    outbox: new Outbox(db, codec),
    policy: {
      locales: config.TRANSLATOR_LOCALES,
      defaultLocale: config.TRANSLATOR_DEFAULT_LOCALE,
      parkLimitMs: config.TRANSLATOR_PARK_LIMIT_MS,
      settleMs: config.TRANSLATOR_SETTLE_MS,
      templateVersions: {
        'order-confirmation': config.TRANSLATOR_TEMPLATE_VERSION,
        'shipping-notice': config.TRANSLATOR_TEMPLATE_VERSION,
        'cancellation-notice': config.TRANSLATOR_TEMPLATE_VERSION,
      },
    },
    topics: { requested, events },
    metrics: createTranslatorMetrics(shell.metrics, store),
    logger,
    now: () => new Date(),
    newId: uuidv7,
    customersWatermark,
  };
  const runner = new ConsumerRunner({
    kafka,
    groupId: config.CONSUMER_GROUP,
    fetch: consumerFetch(config),
    topics: [orders, customers],
    codec,
    handlers: createTranslatorHandlers(deps),
    batch: { handler: createTranslatorBatchHandler(deps), maxRecords: config.TRANSLATOR_BATCH_SIZE },
    logger,
    metrics: shell.metrics,
  });
  holder.runner = runner;
  progress.runner = runner;
  await runner.start();
  holder.ready = true;
  registerLagGauge(shell.metrics, admin, config.CONSUMER_GROUP, [orders.name, customers.name]);

  // Rescheduled after each run, so a slow sweep never overlaps the next one. Every
  // TRANSLATOR_PARKED_SWEEP_MS while this process has parked or decided a mail lately; otherwise every
  // TRANSLATOR_IDLE_SWEEP_MS (mails another instance parked before it stopped, customers who never come),
  // so an idle translator costs MongoDB next to nothing.
  let sweep: NodeJS.Timeout | undefined;
  // Slow from the start: the first sweep still comes after TRANSLATOR_PARKED_SWEEP_MS (mails parked before
  // a restart), and finding work makes the next ones fast.
  let lastActivity = 0;
  let first = true;
  deps.onParked = () => {
    lastActivity = Date.now();
  };
  const scheduleSweep = () => {
    const isFirst = first;
    const busy = isFirst || Date.now() - lastActivity < config.TRANSLATOR_IDLE_SWEEP_MS;
    first = false;
    sweep = setTimeout(
      () => {
        // The first sweep after start also decides mails parked by a version that did not record factAt.
        sweepParkedMails(deps, { legacy: isFirst })
          .then((decided) => {
            if (decided > 0) lastActivity = Date.now();
          })
          .catch((err: unknown) => logger.warn({ err }, 'parked-mail sweep failed; retrying next time'))
          .finally(() => {
            if (holder.ready) scheduleSweep();
          });
      },
      busy ? config.TRANSLATOR_PARKED_SWEEP_MS : config.TRANSLATOR_IDLE_SWEEP_MS,
    );
  };
  scheduleSweep();
  void runner.crashed.then((err) => {
    logger.fatal({ err }, 'consumer crashed');
    process.exit(1);
  });
  logger.info(
    { group: config.CONSUMER_GROUP, topics: [orders.name, customers.name], db: config.MONGO_DB },
    'translating',
  );

  shell.onShutdown(async () => {
    clearTimeout(sweep);
    holder.ready = false;
    await runner.stop();
    await admin.disconnect();
    await mongo.close();
  });
}

void main();
