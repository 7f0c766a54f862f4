// A whole fleet for the ops CLI's tests: the example shop, its relay, translator, sender (to a private
// SMTP sink), their relays and the projector, each a real process on the local stack, with this test's
// own topics, databases and consumer groups. Processes can be stopped and started again by name (a
// replay needs its group empty), and the CLI runs as a child process the way an operator runs it.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { TOPICS } from '@mailfleet/contracts';
import { createShopFixture, type ShopFixture } from '@mailfleet/example-orders';
import { unpublishedCount } from '@mailfleet/outbox';
import {
  createTestTopics,
  freePort,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  startPrivateSink,
  startServiceProcess,
  testTopicSuffix,
  testTopics,
  uniqueName,
  waitFor,
  type PrivateSink,
  type ServiceProcess,
} from '@mailfleet/testing';
import { fleetTopics } from '@mailfleet/contracts';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

type ProcessName = 'relay-shop' | 'translator' | 'relay-translator' | 'sender' | 'relay-sender' | 'projector';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed, for --json calls. */
  json<T = Record<string, unknown>>(): T;
}

export async function createOpsFleet() {
  const suffix = testTopicSuffix();
  await createTestTopics(testTopics(TOPICS, 3, suffix));
  const topics = fleetTopics(suffix);
  const name = (what: string) => uniqueName(what).replace(/-/g, '_');
  const dbs = {
    shop: name('shop'),
    translator: name('translator'),
    sender: name('sender'),
    projections: name('proj'),
    ops: name('ops'),
  };
  const groups = {
    translator: uniqueName('translator'),
    sender: uniqueName('sender'),
    projector: uniqueName('projector'),
  };
  const sink: PrivateSink = await startPrivateSink();
  const shop: ShopFixture = await createShopFixture({
    mongoUrl: mongoUrl(),
    registryUrl: schemaRegistryUrl(),
    dbName: dbs.shop,
    ordersTopic: topics.orders,
    customersTopic: topics.customers,
  });
  const mongo = new MongoClient(mongoUrl());
  await mongo.connect();
  const admin: Admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();

  const common = {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
    MONGO_URL: mongoUrl(),
    TOPIC_SUFFIX: suffix,
    LOG_LEVEL: 'info',
    KAFKA_FETCH_MAX_WAIT_MS: '50',
  };
  const relay = 'services/outbox-relay/src/main.ts';
  const specs: Record<ProcessName, { entry: string; env: Record<string, string> }> = {
    'relay-shop': { entry: relay, env: { MONGO_DB: dbs.shop, RELAY_POLL_INTERVAL_MS: '200' } },
    translator: {
      entry: 'services/translator/src/main.ts',
      env: { MONGO_DB: dbs.translator, CONSUMER_GROUP: groups.translator },
    },
    'relay-translator': { entry: relay, env: { MONGO_DB: dbs.translator, RELAY_POLL_INTERVAL_MS: '200' } },
    sender: {
      entry: 'services/sender/src/main.ts',
      env: {
        MONGO_DB: dbs.sender,
        CONSUMER_GROUP: groups.sender,
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(sink.smtpPort),
        SENDER_POLL_INTERVAL_MS: '500',
      },
    },
    'relay-sender': { entry: relay, env: { MONGO_DB: dbs.sender, RELAY_POLL_INTERVAL_MS: '200' } },
    projector: {
      entry: 'services/projector/src/main.ts',
      env: {
        MONGO_DB: dbs.projections,
        CONSUMER_GROUP: groups.projector,
        PROJECTOR_OUTBOX_DBS: [dbs.shop, dbs.translator, dbs.sender].join(','),
      },
    },
  };
  const running = new Map<ProcessName, ServiceProcess>();
  const start = async (p: ProcessName) => {
    const opsPort = await freePort();
    running.set(
      p,
      startServiceProcess(`ops-${p}`, specs[p].entry, {
        ...common,
        ...specs[p].env,
        OPS_PORT: String(opsPort),
      }),
    );
    await waitFor(
      `${p} ready`,
      async () => {
        const res = await fetch(`http://127.0.0.1:${opsPort}/readyz`).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      90_000,
    );
  };
  const stop = async (p: ProcessName) => {
    await running.get(p)?.stop();
    running.delete(p);
  };

  const cliEnv = {
    ...common,
    TRANSLATOR_DB: dbs.translator,
    SENDER_DB: dbs.sender,
    PROJECTIONS_DB: dbs.projections,
    OPS_DB: dbs.ops,
    OUTBOX_DBS: [dbs.shop, dbs.translator, dbs.sender].join(','),
    TRANSLATOR_GROUP: groups.translator,
    SENDER_GROUP: groups.sender,
    PROJECTOR_GROUP: groups.projector,
    OPS_USER: 'ops-test',
    LOG_LEVEL: 'warn',
  };

  /** Runs `mailfleet <args>` as an operator would. */
  const cli = async (...args: string[]): Promise<CliResult> => {
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'tools/ops/cli.ts'), ...args],
      { cwd: repoRoot, env: { ...process.env, ...cliEnv }, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    ).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (err: { code?: number; stdout?: string; stderr?: string }) => ({
        code: typeof err.code === 'number' ? err.code : 1,
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? '',
      }),
    );
    return {
      ...run,
      json: <T>() => {
        try {
          return JSON.parse(run.stdout) as T;
        } catch {
          throw new Error(`not JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
        }
      },
    };
  };

  /** True once `group` has read everything now on its topics. */
  const caughtUp = async (group: string, groupTopics: readonly string[]) => {
    const committed = await admin.fetchOffsets({ groupId: group, topics: [...groupTopics] });
    for (const t of committed) {
      const ends = new Map(
        (await admin.fetchTopicOffsets(t.topic)).map((o) => [o.partition, BigInt(o.high)]),
      );
      for (const [partition, high] of ends) {
        const c = t.partitions.find((p) => p.partition === partition);
        const at = c && BigInt(c.offset) >= 0n ? BigInt(c.offset) : 0n;
        if (at < high) return false;
      }
    }
    return true;
  };

  /**
   * Waits until nothing is in flight anywhere: the shop's and translator's outboxes drained, both
   * groups at the end of their topics, no mail waiting in the sender. What the sink holds then is final.
   */
  const settle = async (timeoutMs = 120_000) => {
    await waitFor(
      'the fleet to settle',
      async () => {
        for (const db of [dbs.shop, dbs.translator, dbs.sender])
          if ((await unpublishedCount(mongo.db(db))) > 0) return undefined;
        if (!(await caughtUp(groups.translator, [topics.orders.name, topics.customers.name])))
          return undefined;
        if (!(await caughtUp(groups.sender, [topics.mailRequested.name]))) return undefined;
        const waiting = await mongo
          .db(dbs.sender)
          .collection('sender_mails')
          .countDocuments({ status: { $in: ['requested', 'sending', 'retrying'] } });
        return waiting === 0 ? true : undefined;
      },
      timeoutMs,
    );
  };

  return {
    suffix,
    topics,
    dbs,
    groups,
    sink,
    shop,
    mongo,
    admin,
    start,
    stop,
    /** The process id of a running process, for an operator's stop command. */
    pid: (p: ProcessName) => running.get(p)?.child.pid,
    cli,
    settle,
    async startAll() {
      for (const p of Object.keys(specs) as ProcessName[]) await start(p);
    },
    async close() {
      for (const p of [...running.keys()]) await stop(p);
      await sink.stop();
      await shop.close();
      await admin.disconnect();
      await mongo.close();
    },
  };
}
export type OpsFleet = Awaited<ReturnType<typeof createOpsFleet>>;
