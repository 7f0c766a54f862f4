// The dashboard: a read-only page and JSON API over the projector's read models. It reads MongoDB and
// nothing else, and writes nothing (docs/dashboard.md).
import { MongoClient } from 'mongodb';
import { loadConfigOrExit } from '@mailfleet/config';
import { startServiceShell } from '@mailfleet/observability';
import { ReadModelReader } from './adapters/read-model-reader';
import { dashboardEnvSchema } from './config';
import { createDashboardServer } from './handlers/http-server';

const SERVICE = 'dashboard';

async function main(): Promise<void> {
  const config = loadConfigOrExit(SERVICE, dashboardEnvSchema);
  const mongo = new MongoClient(config.MONGO_URL, { appName: SERVICE, readPreference: 'primaryPreferred' });
  const reader = new ReadModelReader(mongo.db(config.MONGO_DB));
  const shell = await startServiceShell({
    service: SERVICE,
    logLevel: config.LOG_LEVEL,
    logFormat: config.LOG_FORMAT,
    opsPort: config.OPS_PORT,
    readiness: { mongo: () => reader.ping().catch(() => false) },
  });
  const { logger } = shell;
  await mongo.connect();
  const server = createDashboardServer({ token: config.token, reader, logger, metrics: shell.metrics });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.DASHBOARD_PORT, config.DASHBOARD_HOST, resolve);
  });
  logger.info(
    { url: `http://${config.DASHBOARD_HOST}:${config.DASHBOARD_PORT}/`, db: config.MONGO_DB },
    'dashboard serving',
  );
  shell.onShutdown(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await mongo.close();
  });
}

main().catch((err: unknown) => {
  console.error('dashboard: failed to start:', err);
  process.exit(1);
});
