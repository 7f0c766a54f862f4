// Asks the running projector to rebuild its projections into a new version, from the earliest offset or
// from a point in time. The projector does the work in the background and switches readers when done.
import type { Admin } from 'kafkajs';
import type { Db, MongoClient } from 'mongodb';
import type { RebuildRequest } from '@mailfleet/read-models';
import type { ProjectionMetaStore } from './projection-meta';
import { ProjectionStore } from './projection-store';

export async function requestRebuild(args: {
  readonly client: MongoClient;
  readonly db: Db;
  readonly admin: Admin;
  readonly meta: ProjectionMetaStore;
  readonly topics: readonly string[];
  readonly from: 'earliest' | number;
  readonly now: number;
  /** Switch readers once caught up even though the version starts at `from` (a partial history). */
  readonly partial?: boolean;
}): Promise<RebuildRequest> {
  const { active, version } = await args.meta.nextVersion();
  const store = new ProjectionStore(args.client, args.db, version);
  // Leftovers of an interrupted earlier attempt at this version would be applied twice: start clean.
  await store.drop();
  if (args.from !== 'earliest') {
    // The checkpoint is the offset before the first record to apply.
    for (const topic of args.topics) {
      for (const { partition, offset } of await args.admin.fetchTopicOffsetsByTimestamp(topic, args.from)) {
        await store.initCheckpoint(topic, partition, String(BigInt(offset) - 1n));
      }
    }
  }
  const autoSwitch = args.from === 'earliest' || args.partial === true;
  return args.meta.requestRebuild(active, version, args.from, args.now, autoSwitch);
}
