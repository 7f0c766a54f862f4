// The order-to-mail translator process (see docs/translator.md).
import { v7 as uuidv7 } from 'uuid';
import { bootService, kafkaClients, serviceOutbox, startConsumer } from '@mailfleet/boot';
import { consumerFetch } from '@mailfleet/config';
import { fleetTopics } from '@mailfleet/contracts';
import { ConsumerRunner } from '@mailfleet/kafka';
import { SuppressionStore, softBouncePolicy } from '@mailfleet/suppression';
import { CustomersWatermark } from './adapters/customers-watermark';
import { DigestWindowStore } from './adapters/digest-window-store';
import { TranslatorStore } from './adapters/translator-store';
import { deliveryPolicy, digestRules, translatorEnvSchema } from './config';
import { runDigestCloser } from './handlers/digest-closer';
import { runParkedSweeps } from './handlers/parked-sweeps';
import { sweepParkedMails } from './handlers/parked-mail-sweep';
import { createTranslatorBatchHandler } from './handlers/translator-batch';
import type { TranslatorDeps } from './handlers/translator-deps';
import { createTranslatorMetrics } from './handlers/translator-metrics';

async function main(): Promise<void> {
  const boot = await bootService('translator', translatorEnvSchema, { readiness: ['consumer'] });
  const { config, logger } = boot;
  const {
    orders,
    customers,
    mailRequested: requested,
    mailEvents: events,
  } = fleetTopics(config.TOPIC_SUFFIX);
  const clients = kafkaClients(boot);

  const mongo = await boot.mongo();
  const db = mongo.db(config.MONGO_DB);
  const store = new TranslatorStore(db);
  await store.ensureIndexes();
  const digestWindows = new DigestWindowStore(db);
  await digestWindows.ensureIndexes();
  const suppressions = new SuppressionStore(db, 'translator_suppressions');
  await suppressions.ensureCollection();
  const codec = await clients.codec([orders, customers, requested, events]);
  const admin = await clients.admin();
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
    digestWindows,
    suppressions,
    outbox: await serviceOutbox(db, codec),
    policy: {
      locales: config.TRANSLATOR_LOCALES,
      defaultLocale: config.TRANSLATOR_DEFAULT_LOCALE,
      parkLimitMs: config.TRANSLATOR_PARK_LIMIT_MS,
      softBounces: softBouncePolicy(config),
      settleMs: config.TRANSLATOR_SETTLE_MS,
      templateVersions: {
        'order-confirmation': config.TRANSLATOR_TEMPLATE_VERSION,
        'shipping-notice': config.TRANSLATOR_TEMPLATE_VERSION,
        'cancellation-notice': config.TRANSLATOR_TEMPLATE_VERSION,
        'shipping-digest': config.TRANSLATOR_TEMPLATE_VERSION,
      },
      delivery: deliveryPolicy(config),
      quietHours: config.TRANSLATOR_QUIET_HOURS,
      defaultTimeZone: config.TRANSLATOR_DEFAULT_TIME_ZONE,
      digests: digestRules(config),
    },
    topics: { requested, events },
    metrics: createTranslatorMetrics(boot.metrics, store),
    logger,
    now: () => new Date(),
    newId: uuidv7,
    customersWatermark,
    crashClosingDigest: config.TRANSLATOR_CRASH_CLOSING_DIGEST,
  };
  const runner = new ConsumerRunner({
    kafka: clients.kafka,
    groupId: config.CONSUMER_GROUP,
    fetch: consumerFetch(config),
    // mail.events for the delivery feedback that fills the suppression list (its other events are skipped).
    topics: [orders, customers, events],
    codec,
    batch: { handler: createTranslatorBatchHandler(deps), maxRecords: config.TRANSLATOR_BATCH_SIZE },
    logger,
    metrics: boot.metrics,
  });
  progress.runner = runner;
  await startConsumer(boot, runner, {
    admin,
    group: config.CONSUMER_GROUP,
    topics: [orders.name, customers.name, events.name],
  });

  const sweeps = runParkedSweeps(
    (options) => sweepParkedMails(deps, options),
    { busyMs: config.TRANSLATOR_PARKED_SWEEP_MS, idleMs: config.TRANSLATOR_IDLE_SWEEP_MS },
    boot.signal,
    logger,
  );
  deps.onParked = sweeps.parked;
  const closer = runDigestCloser(deps, config.TRANSLATOR_IDLE_SWEEP_MS, boot.signal, logger);
  deps.onDigestOpened = closer.opened;
  // Registered last, so they run first: the sweep and the closing in hand finish before the consumer and
  // MongoDB stop.
  boot.onShutdown(() => Promise.all([sweeps.done, closer.done]).then(() => undefined));
  logger.info(
    { group: config.CONSUMER_GROUP, topics: [orders.name, customers.name, events.name], db: config.MONGO_DB },
    'translating',
  );
}

void main();
