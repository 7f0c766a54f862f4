// The sender process: mail.requested -> templates -> SMTP, with retries and dead letters (docs/sender.md).
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { MongoClient } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import { kafkaSecurity, loadConfigOrExit, secretFrom, consumerFetch } from '@mailfleet/config';
import { EventCodec, fleetTopics, type DecodedEvent } from '@mailfleet/contracts';
import { ConsumerRunner, createKafka, registerLagGauge } from '@mailfleet/kafka';
import { startServiceShell, countMongoCommands, mongoCommandMonitoring } from '@mailfleet/observability';
import { Outbox, collectionsFor, ensureOutboxIndexes } from '@mailfleet/outbox';
import { SenderStore } from './adapters/sender-store';
import { SmtpTransport } from './adapters/smtp-transport';
import { TemplateRenderer } from './adapters/template-renderer';
import { AttachmentStore } from '@mailfleet/attachments';
import { senderEnvSchema } from './config';
import { Dispatcher } from './handlers/dispatcher';
import { OutcomeRecorder } from './handlers/outcome-recorder';
import { createRequestBatchHandler, createRequestHandler } from './handlers/request-handler';
import { createSenderMetrics } from './handlers/sender-metrics';

const SERVICE = 'sender';

async function main(): Promise<void> {
  const config = loadConfigOrExit(SERVICE, senderEnvSchema);
  const holder = { ready: false };
  const shell = await startServiceShell({
    service: SERVICE,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    opsPort: config.OPS_PORT,
    readiness: { consumer: () => holder.ready },
  });
  const { logger } = shell;
  const { mailRequested, mailEvents } = fleetTopics(config.TOPIC_SUFFIX);

  const renderer = new TemplateRenderer(config.SENDER_TEMPLATES_DIR);
  const mongo = new MongoClient(config.MONGO_URL, { appName: SERVICE, ...mongoCommandMonitoring });
  countMongoCommands(mongo, shell.metrics);
  await mongo.connect();
  const db = mongo.db(config.MONGO_DB);
  const store = new SenderStore(db);
  const attachments = new AttachmentStore(mongo.db(config.ATTACHMENTS_DB), config.ATTACHMENTS_BUCKET);
  await store.ensureIndexes();
  await ensureOutboxIndexes(db, collectionsFor(), 7 * 24 * 3600);
  const codec = new EventCodec(new SchemaRegistry({ host: config.SCHEMA_REGISTRY_URL }), [
    mailRequested,
    mailEvents,
  ]);
  await codec.register();
  const outbox = new Outbox(db, codec);
  const metrics = createSenderMetrics(shell.metrics);
  const smtp = new SmtpTransport({
    host: config.SMTP_HOST,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    requireTls: config.SMTP_REQUIRE_TLS,
    rejectUnauthorized: config.SMTP_TLS_REJECT_UNAUTHORIZED,
    user: config.SMTP_USER,
    password: secretFrom(process.env, 'SMTP_PASSWORD'),
    clientName: config.SMTP_CLIENT_NAME,
    maxConnections: config.SMTP_POOL_MAX_CONNECTIONS,
    maxMessages: config.SMTP_POOL_MAX_MESSAGES,
    idleMs: config.SMTP_POOL_IDLE_MS,
    timeouts: {
      connectMs: config.SMTP_CONNECT_TIMEOUT_MS,
      greetingMs: config.SMTP_GREETING_TIMEOUT_MS,
      commandMs: config.SMTP_TIMEOUT_MS,
      mailMs: config.SMTP_MAIL_TIMEOUT_MS,
      rcptMs: config.SMTP_RCPT_TIMEOUT_MS,
      dataInitMs: config.SMTP_DATA_INIT_TIMEOUT_MS,
      dataBlockMs: config.SMTP_DATA_BLOCK_TIMEOUT_MS,
      dataTerminationMs: config.SMTP_DATA_TERMINATION_TIMEOUT_MS,
    },
  });
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
    from: config.MAIL_FROM,
    retry: {
      maxAttempts: config.SENDER_MAX_ATTEMPTS,
      initialDelayMs: config.SENDER_RETRY_INITIAL_MS,
      maxDelayMs: config.SENDER_RETRY_MAX_MS,
      maxRetryAgeMs: config.SENDER_MAX_RETRY_AGE_MS,
      infrastructureDelayMs: config.SENDER_INFRA_RETRY_MS,
    },
    ambiguity: {
      retryAfterMs: config.SENDER_AMBIGUOUS_RETRY_AFTER_MS,
      maxResends: config.SENDER_AMBIGUOUS_MAX_RESENDS,
    },
    concurrency: config.SENDER_CONCURRENCY,
    ratePerSecond: config.SENDER_RATE_PER_SECOND,
    pollIntervalMs: config.SENDER_POLL_INTERVAL_MS,
    sendingGraceMs: config.SENDER_SENDING_GRACE_MS,
    breaker: { threshold: config.SENDER_BREAKER_THRESHOLD, cooldownMs: config.SENDER_BREAKER_COOLDOWN_MS },
    metrics,
    logger,
    now,
    crashAfterAccept: config.SENDER_CRASH_AFTER_SMTP_ACCEPT,
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
    onRecorded: () => dispatcher.notify(),
  };
  const onRequested = createRequestHandler(requestDeps);
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID ?? SERVICE, ...kafkaSecurity(config) },
    logger,
  );
  const runner = new ConsumerRunner({
    kafka,
    groupId: config.CONSUMER_GROUP,
    fetch: consumerFetch(config),
    topics: [mailRequested],
    codec,
    logger,
    metrics: shell.metrics,
    handlers: { MailRequested: (event, ctx) => onRequested(event as DecodedEvent<'MailRequested'>, ctx) },
    batch: { handler: createRequestBatchHandler(requestDeps), maxRecords: config.SENDER_BATCH_SIZE },
  });
  dispatcher.start();
  await runner.start();
  holder.ready = true;
  const admin = kafka.admin();
  await admin.connect();
  registerLagGauge(shell.metrics, admin, config.CONSUMER_GROUP, [mailRequested.name]);
  void runner.crashed.then((err) => {
    logger.fatal({ err }, 'consumer crashed');
    process.exit(1);
  });
  logger.info(
    {
      group: config.CONSUMER_GROUP,
      topic: mailRequested.name,
      smtp: `${config.SMTP_HOST}:${config.SMTP_PORT}`,
    },
    'sending',
  );

  shell.onShutdown(async () => {
    holder.ready = false;
    await runner.stop();
    await dispatcher.stop();
    smtp.close();
    await admin.disconnect();
    await mongo.close();
  });
}

void main();
