// The feedback service: providers' delivery webhooks in, MailDelivered / MailBounced / MailComplained out
// through its outbox (docs/feedback-webhooks.md).
import { v7 as uuidv7 } from 'uuid';
import { bootService, kafkaClients, serviceOutbox } from '@mailfleet/boot';
import { fleetTopics } from '@mailfleet/contracts';
import { NotificationStore } from './adapters/notification-store';
import { feedbackEnvSchema } from './config';
import { createFeedbackMetrics } from './handlers/feedback-metrics';
import { createDsnListener } from './handlers/dsn-listener';
import { createFeedbackServer } from './handlers/http-server';
import { webhookRoutes } from './handlers/webhook-routes';

async function main(): Promise<void> {
  const boot = await bootService('feedback', feedbackEnvSchema, { readiness: ['mongo'] });
  const { config, logger } = boot;
  const { mailEvents } = fleetTopics(config.TOPIC_SUFFIX);
  const clients = kafkaClients(boot);
  const mongo = await boot.mongo();
  const db = mongo.db(config.MONGO_DB);
  const codec = await clients.codec([mailEvents]);
  const outbox = await serviceOutbox(db, codec);
  const store = new NotificationStore(mongo, db, outbox, mailEvents, uuidv7, () => new Date());
  await store.ensureIndexes(config.FEEDBACK_RETENTION_DAYS * 24 * 3600);
  boot.ready('mongo', () => store.ping().catch(() => false));
  const routes = webhookRoutes(config.webhooks);
  const metrics = createFeedbackMetrics(boot.metrics);
  const server = createFeedbackServer({
    routes,
    store,
    messageIdDomain: config.MESSAGE_ID_DOMAIN,
    maxBodyBytes: config.FEEDBACK_MAX_BODY_BYTES,
    logger,
    metrics,
    unsubscribeKeys: config.unsubscribeKeys,
  });
  await server.listen({ port: config.FEEDBACK_PORT, host: config.FEEDBACK_HOST });
  boot.onShutdown(() => server.close());
  const bounceDomain = config.FEEDBACK_BOUNCE_DOMAIN;
  if (bounceDomain !== undefined) {
    const listener = createDsnListener({
      bounceDomain,
      messageIdDomain: config.MESSAGE_ID_DOMAIN,
      maxBytes: config.FEEDBACK_MAX_BODY_BYTES,
      store,
      logger,
      metrics,
    });
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(config.FEEDBACK_SMTP_PORT, config.FEEDBACK_SMTP_HOST, () => resolve());
    });
    listener.on('error', (err) => logger.warn({ err }, 'bounce listener connection error'));
    boot.onShutdown(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  }
  logger.info(
    {
      url: `http://${config.FEEDBACK_HOST}:${config.FEEDBACK_PORT}`,
      endpoints: [
        ...routes.map((r) => r.path),
        ...(config.unsubscribeKeys === undefined ? [] : ['/unsubscribe/<token>']),
      ],
      bounces:
        bounceDomain === undefined
          ? null
          : `bounces+…@${bounceDomain} on ${config.FEEDBACK_SMTP_HOST}:${config.FEEDBACK_SMTP_PORT}`,
      db: config.MONGO_DB,
    },
    'receiving feedback',
  );
}

main().catch((err: unknown) => {
  console.error('feedback: failed to start:', err);
  process.exit(1);
});
