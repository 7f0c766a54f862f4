// "Every projection equals a from-scratch rebuild": the live projection (built through every fault) is
// compared, document for document, with one a fresh projector builds from the topics after the run.
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import type { Db } from 'mongodb';
import { META_COLLECTION, collectionNames, type ProjectionMeta } from '@mailfleet/read-models';

/** The active version of the projections in `db`, once it has applied everything now on `topics`. */
export async function caughtUpVersion(
  db: Db,
  brokers: readonly string[],
  topics: readonly string[],
  timeoutMs: number,
): Promise<number> {
  const kafka = new Kafka({ brokers: [...brokers], clientId: 'chaos-oracle', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of topics)
      for (const o of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}:${o.partition}`, BigInt(o.high));
  } finally {
    await admin.disconnect();
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const meta = await db.collection<ProjectionMeta>(META_COLLECTION).findOne({ _id: 'projections' });
    if (meta) {
      const cps = await db
        .collection<{ _id: string; offset: string }>(collectionNames(meta.active).checkpoints)
        .find({})
        .toArray();
      const done = new Map(cps.map((c) => [c._id, BigInt(c.offset) + 1n]));
      if ([...ends].every(([k, high]) => high === 0n || (done.get(k) ?? 0n) >= high)) return meta.active;
    }
    if (Date.now() > deadline)
      throw new Error(`the projections in ${db.databaseName} did not catch up in ${timeoutMs / 1000} s`);
    await sleep(1_000);
  }
}

async function dump(db: Db, version: number) {
  const names = collectionNames(version);
  const read = async (name: string) =>
    new Map(
      (await db.collection<{ _id: string }>(name).find({}).toArray()).map(
        ({ asOf: _asOf, ...rest }: { asOf?: unknown; _id: string }) => [String(rest._id), rest],
      ),
    );
  return {
    mails: await read(names.mails),
    orders: await read(names.orders),
    recipients: await read(names.recipients),
    templateDays: await read(names.templateDays),
  };
}

/** Differences between two projections, one line per differing document (at most `limit`). */
export async function projectionDiffs(
  live: { db: Db; version: number },
  rebuilt: { db: Db; version: number },
  limit = 20,
): Promise<string[]> {
  const a = await dump(live.db, live.version);
  const b = await dump(rebuilt.db, rebuilt.version);
  const diffs: string[] = [];
  for (const view of ['mails', 'orders', 'recipients', 'templateDays'] as const) {
    const ids = new Set([...a[view].keys(), ...b[view].keys()]);
    for (const id of ids) {
      const x = a[view].get(id);
      const y = b[view].get(id);
      if (isDeepStrictEqual(x, y)) continue;
      diffs.push(
        x === undefined
          ? `${view} ${id}: only in the rebuild`
          : y === undefined
            ? `${view} ${id}: only in the live projection`
            : `${view} ${id}: live ${JSON.stringify(x).slice(0, 300)} ≠ rebuilt ${JSON.stringify(y).slice(0, 300)}`,
      );
      if (diffs.length >= limit) return diffs;
    }
  }
  return diffs;
}
