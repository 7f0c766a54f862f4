// The dashboard: a read-only page and JSON API over the projector's read models. It reads MongoDB and
// nothing else, and writes nothing (docs/dashboard.md).
import { bootService } from '@mailfleet/boot';
import { ReadModelReader } from './adapters/read-model-reader';
import { dashboardEnvSchema } from './config';
import { createDashboardServer } from './handlers/http-server';

async function main(): Promise<void> {
  const boot = await bootService('dashboard', dashboardEnvSchema, { readiness: ['mongo'] });
  const { config, logger } = boot;
  const mongo = await boot.mongo({ readPreference: 'primaryPreferred' });
  const reader = new ReadModelReader(mongo.db(config.MONGO_DB));
  boot.ready('mongo', () => reader.ping().catch(() => false));
  const server = createDashboardServer({ token: config.token, reader, logger, metrics: boot.metrics });
  await server.listen({ port: config.DASHBOARD_PORT, host: config.DASHBOARD_HOST });
  boot.onShutdown(() => server.close());
  logger.info(
    { url: `http://${config.DASHBOARD_HOST}:${config.DASHBOARD_PORT}/`, db: config.MONGO_DB },
    'dashboard serving',
  );
}

main().catch((err: unknown) => {
  console.error('dashboard: failed to start:', err);
  process.exit(1);
});
