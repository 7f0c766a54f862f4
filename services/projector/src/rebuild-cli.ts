// npm run projector:rebuild -- [--from <ISO time>] : rebuilds the projections in the background; the
// running projector switches readers to the new version when it has caught up.
import { Command } from 'commander';
import { MongoClient } from 'mongodb';
import { loadConfigOrExit, kafkaSecurity } from '@mailfleet/config';
import { fleetTopics } from '@mailfleet/contracts';
import { createKafka } from '@mailfleet/kafka';
import { createLogger } from '@mailfleet/logger';
import { ProjectionMetaStore } from './adapters/projection-meta';
import { requestRebuild } from './adapters/rebuild-request';
import { projectorEnvSchema } from './config';

const program = new Command()
  .name('projector:rebuild')
  .description('Rebuild the read models into a new version while the current one keeps serving.')
  .option('--from <time>', 'start from this time (ISO 8601) instead of the earliest offset')
  .parse();

async function main(): Promise<void> {
  const { from } = program.opts<{ from?: string }>();
  const fromMs = from === undefined ? 'earliest' : Date.parse(from);
  if (fromMs !== 'earliest' && Number.isNaN(fromMs)) {
    console.error(`--from "${from}" is not a time; use ISO 8601, e.g. 2026-11-23T08:00:00Z`);
    process.exit(2);
  }
  const config = loadConfigOrExit('projector', projectorEnvSchema);
  const topics = fleetTopics(config.TOPIC_SUFFIX);
  const mongo = new MongoClient(config.MONGO_URL);
  await mongo.connect();
  const kafka = createKafka(
    { brokers: config.KAFKA_BROKERS, clientId: 'projector-rebuild', ...kafkaSecurity(config) },
    createLogger('projector-rebuild', 'warn'),
  );
  const admin = kafka.admin();
  await admin.connect();
  try {
    const db = mongo.db(config.MONGO_DB);
    const request = await requestRebuild({
      client: mongo,
      db,
      admin,
      meta: new ProjectionMetaStore(db),
      topics: [topics.orders, topics.mailRequested, topics.mailEvents].map((t) => t.name),
      from: fromMs,
      now: Date.now(),
    });
    console.log(
      `rebuild into version ${request.version} requested (from ${from ?? 'the earliest offset'}); ` +
        'the projector switches readers over when it has caught up (projector_rebuild_lag_records).',
    );
  } catch (err) {
    console.error(`rebuild refused: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await admin.disconnect();
    await mongo.close();
  }
}

void main();
