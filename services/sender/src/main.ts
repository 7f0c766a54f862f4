// The sender process: mail.requested -> templates -> SMTP, with retries and dead letters (docs/sender.md).
import { v7 as uuidv7 } from 'uuid';
import { AttachmentStore } from '@mailfleet/attachments';
import { bootService, kafkaClients, serviceOutbox, startConsumer } from '@mailfleet/boot';
import { consumerFetch } from '@mailfleet/config';
import { fleetTopics } from '@mailfleet/contracts';
import { ConsumerRunner, retentionProblem, topicRetentionMs } from '@mailfleet/kafka';
import { SuppressionStore } from '@mailfleet/suppression';
import { AttachmentReferences } from './adapters/attachment-references';
import { SenderStore } from './adapters/sender-store';
import { SmtpTransport } from './adapters/smtp-transport';
import { TemplateRenderer } from './adapters/template-renderer';
import { senderEnvSchema } from './config';
import { AttachmentJanitor } from './handlers/attachment-janitor';
import { Dispatcher } from './handlers/dispatcher';
import { OutcomeRecorder } from './handlers/outcome-recorder';
import { createRequestBatchHandler } from './handlers/request-handler';
import { withAddressFeedback } from './handlers/address-feedback';
import { withCustomerErasure } from './handlers/customer-erasure';
import { createSenderMetrics } from './handlers/sender-metrics';
import { dispatchSettings, smtpSettings } from './settings';

async function main(): Promise<void> {
  const boot = await bootService('sender', senderEnvSchema, { readiness: ['consumer'] });
  const { config, logger } = boot;
  const { mailRequested, mailEvents, customers } = fleetTopics(config.TOPIC_SUFFIX);
  const clients = kafkaClients(boot);

  const renderer = new TemplateRenderer(config.SENDER_TEMPLATES_DIR);
  const mongo = await boot.mongo();
  const db = mongo.db(config.MONGO_DB);
  const store = new SenderStore(db);
  const attachments = new AttachmentStore(mongo.db(config.ATTACHMENTS_DB), config.ATTACHMENTS_BUCKET);
  const references = new AttachmentReferences(db);
  const admin = await clients.admin();
  const retention = config.SENDER_FINISHED_RETENTION_DAYS;
  const tooShort = retentionProblem({
    setting: 'SENDER_FINISHED_RETENTION_DAYS',
    keptMs: retention,
    topic: mailRequested.name,
    topicRetentionMs: await topicRetentionMs(admin, mailRequested.name),
  });
  if (tooShort !== null) {
    logger.fatal(tooShort);
    logger.flush();
    process.exit(2);
  }
  await store.ensureIndexes(retention === null ? null : Math.round(retention / 1000));
  await references.ensureIndexes();
  await attachments.ensureIndexes();
  const suppressions = new SuppressionStore(db, 'sender_suppressions');
  await suppressions.ensureCollection();
  const codec = await clients.codec([mailRequested, mailEvents, customers]);
  const outbox = await serviceOutbox(db, codec);
  const metrics = createSenderMetrics(boot.metrics);
  const smtp = new SmtpTransport(smtpSettings(config, process.env));
  const now = () => new Date();
  const recorder = new OutcomeRecorder({
    client: mongo,
    store,
    outbox,
    mailEvents,
    logger,
    now,
    newId: uuidv7,
  });
  const dispatcher = new Dispatcher({
    store,
    recorder,
    renderer,
    attachments,
    smtp,
    suppressions,
    ...dispatchSettings(config),
    metrics,
    logger,
    now,
  });
  const requestDeps = {
    client: mongo,
    store,
    outbox,
    renderer,
    mailEvents,
    messageIdDomain: config.MESSAGE_ID_DOMAIN,
    metrics,
    now,
    newId: uuidv7,
    onRecorded: (high: boolean) => dispatcher.notify(high),
  };
  const runner = new ConsumerRunner({
    kafka: clients.kafka,
    groupId: config.CONSUMER_GROUP,
    fetch: consumerFetch(config),
    // mail.events for the delivery feedback that fills the suppression list (its other events are skipped).
    // customers.events for CustomerErased only (customer-erasure.ts).
    topics: [mailRequested, mailEvents, customers],
    codec,
    logger,
    metrics: boot.metrics,
    batch: {
      handler: withCustomerErasure(
        withAddressFeedback(createRequestBatchHandler(requestDeps), {
          feedbackTopic: mailEvents.name,
          suppressions,
          count: (kind) => metrics.addressFeedback.inc({ kind }),
        }),
        {
          client: mongo,
          store,
          suppressions,
          attachments,
          outbox,
          mailEvents,
          customersTopic: customers.name,
          logger,
          now,
          newId: uuidv7,
          onErased: (n) => metrics.erasures.inc(n),
        },
      ),
      maxRecords: config.SENDER_BATCH_SIZE,
    },
  });
  boot.onShutdown(async () => smtp.close());
  dispatcher.start();
  boot.onShutdown(() => dispatcher.stop());
  const janitor = new AttachmentJanitor({
    attachments,
    references,
    graceMs: config.SENDER_ATTACHMENT_GRACE_HOURS * 3_600_000,
    orphanAfterMs: config.SENDER_ATTACHMENT_ORPHAN_DAYS * 86_400_000,
    sweepEveryMs: config.SENDER_ATTACHMENT_SWEEP_MS,
    metrics,
    logger,
    now,
  });
  janitor.start();
  boot.onShutdown(() => janitor.stop());
  await startConsumer(boot, runner, {
    admin,
    group: config.CONSUMER_GROUP,
    topics: [mailRequested.name, mailEvents.name, customers.name],
  });
  logger.info(
    {
      group: config.CONSUMER_GROUP,
      topic: mailRequested.name,
      smtp: `${config.SMTP_HOST}:${config.SMTP_PORT}`,
    },
    'sending',
  );
}

void main();
