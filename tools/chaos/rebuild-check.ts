// The projection check: a fresh projector rebuilds the projections from the topics into another
// database; the live projection must equal it, document by document (a replay has no side effects and
// the live one lost or doubled nothing).
import type { MongoClient } from 'mongodb';
import { superviseFleet } from './fleet-supervisor';
import { caughtUpVersion, projectionDiffs } from './oracle/projection-check';

export interface RebuildCheck {
  readonly repoRoot: string;
  readonly logDir: string;
  readonly env: Readonly<Record<string, string>>;
  readonly mongo: MongoClient;
  readonly brokers: readonly string[];
  readonly topics: readonly string[];
  readonly live: { readonly db: string; readonly version: number };
  readonly rebuild: { readonly db: string; readonly group: string; readonly outboxDbs: string };
  readonly timeoutMs: number;
}

/** Rebuilds from scratch and returns how the live projection differs from the rebuild (none: equal). */
export async function rebuildAndCompare(c: RebuildCheck): Promise<string[]> {
  const rebuilder = await superviseFleet({
    repoRoot: c.repoRoot,
    logDir: c.logDir,
    specs: [
      {
        service: 'projector-rebuild',
        entry: 'services/projector/src/main.ts',
        env: {
          MONGO_DB: c.rebuild.db,
          CONSUMER_GROUP: c.rebuild.group,
          PROJECTOR_OUTBOX_DBS: c.rebuild.outboxDbs,
        },
      },
    ],
    instances: 1,
    env: c.env,
  });
  try {
    const rebuiltVersion = await caughtUpVersion(c.mongo.db(c.rebuild.db), c.brokers, c.topics, c.timeoutMs);
    return await projectionDiffs(
      { db: c.mongo.db(c.live.db), version: c.live.version },
      { db: c.mongo.db(c.rebuild.db), version: rebuiltVersion },
    );
  } finally {
    await rebuilder.stop();
  }
}
