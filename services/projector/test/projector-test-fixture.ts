// Test wiring for the projector: isolated topics and database, the projector as a process, a publisher
// for the events it reads, and helpers to wait for it and to compare projections.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { MongoClient, type Db } from 'mongodb';
import { v7 as uuidv7 } from 'uuid';
import {
  EventCodec,
  TOPICS,
  fleetTopics,
  newEnvelope,
  type EventPayloads,
  type EventType,
} from '@mailfleet/contracts';
import { EventPublisher } from '@mailfleet/kafka';
import {
  createTestTopics,
  freePort,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  startServiceProcess,
  testTopicSuffix,
  testTopics,
  uniqueName,
  waitFor,
  type ServiceProcess,
} from '@mailfleet/testing';
import { META_COLLECTION, collectionNames, type ProjectionMeta } from '@mailfleet/read-models';

const repoRoot = path.resolve(__dirname, '..', '..', '..');

export interface TestEvent<T extends EventType = EventType> {
  readonly type: T;
  readonly key: string;
  readonly payload: EventPayloads[T];
  readonly correlationId?: string;
}

const TOPIC_OF: Record<EventType, 'orders' | 'customers' | 'mailRequested' | 'mailEvents'> = {
  OrderPlaced: 'orders',
  OrderShipped: 'orders',
  OrderCancelled: 'orders',
  CustomerRegistered: 'customers',
  CustomerEmailChanged: 'customers',
  CustomerMailPreferencesChanged: 'customers',
  CustomerErased: 'customers',
  MailRequested: 'mailRequested',
  MailSent: 'mailEvents',
  MailSendFailed: 'mailEvents',
  MailDeadLettered: 'mailEvents',
  MailDelivered: 'mailEvents',
  MailBounced: 'mailEvents',
  MailComplained: 'mailEvents',
  MailUnsubscribed: 'mailEvents',
  MailSuppressed: 'mailEvents',
  MailRequestRejected: 'mailEvents',
  MailParked: 'mailEvents',
};

export async function createProjectorFixture(partitions = 3) {
  const suffix = testTopicSuffix();
  await createTestTopics(testTopics(TOPICS, partitions, suffix));
  const topics = fleetTopics(suffix);
  const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const mongo = new MongoClient(mongoUrl());
  await mongo.connect();
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [
    topics.orders,
    topics.customers,
    topics.mailRequested,
    topics.mailEvents,
  ]);
  await codec.register();
  const publisher = new EventPublisher(kafka, codec);
  await publisher.connect();
  const group = uniqueName('projector');
  const processes: ServiceProcess[] = [];
  const databases: Db[] = [];
  const inputs = [
    topics.orders.name,
    topics.customers.name,
    topics.mailRequested.name,
    topics.mailEvents.name,
  ];

  const envFor = (dbName: string, opsPort: number, extra: Record<string, string>) => ({
    KAFKA_BROKERS: kafkaBrokers().join(','),
    SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
    MONGO_URL: mongoUrl(),
    MONGO_DB: dbName,
    TOPIC_SUFFIX: suffix,
    CONSUMER_GROUP: `${group}-${dbName}`,
    OPS_PORT: String(opsPort),
    PROJECTOR_CONTROL_INTERVAL_MS: '300',
    PROJECTOR_HEALTH_INTERVAL_MS: '500',
    PROJECTOR_DROP_GRACE_MS: '1000',
    PROJECTOR_WATCH_GROUPS: `${group}-none=mailRequested`,
    PROJECTOR_OUTBOX_DBS: dbName,
    LOG_LEVEL: 'info',
    ...extra,
  });

  const fixture = {
    topics,
    suffix,
    /** CONSUMER_GROUP is this plus the database name; the version's group adds -v<n>. */
    groupPrefix: group,
    admin,
    mongo,
    inputs,
    /** A new database for one projector's projections. */
    database(): Db {
      const db = mongo.db(uniqueName('proj').replace(/-/g, '_'));
      databases.push(db);
      return db;
    },
    async publish(events: readonly TestEvent[]) {
      await publisher.publish(
        events.map((e) => ({
          topic: topics[TOPIC_OF[e.type]].name,
          key: e.key,
          envelope: {
            ...newEnvelope({ eventType: e.type, producer: 'test', eventId: uuidv7(), now: new Date() }),
            ...(e.correlationId ? { correlationId: e.correlationId } : {}),
            eventType: e.type,
          },
          payload: e.payload,
        })) as never,
      );
    },
    async startProjector(db: Db, extra: Record<string, string> = {}) {
      const opsPort = await freePort();
      const p = startServiceProcess(
        'projector',
        'services/projector/src/main.ts',
        envFor(db.databaseName, opsPort, extra),
      );
      processes.push(p);
      return { process: p, opsUrl: `http://127.0.0.1:${opsPort}` };
    },
    /** Runs `ops projection rebuild` against `db` (without blocking the test's other loops). */
    async rebuild(db: Db, args: readonly string[] = []) {
      try {
        const { stdout, stderr } = await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', path.join(repoRoot, 'tools/ops/cli.ts'), 'projection', 'rebuild', ...args],
          {
            cwd: repoRoot,
            env: {
              ...process.env,
              // The command opens no ops port; any valid number does.
              ...envFor(db.databaseName, 9464, {}),
              PROJECTIONS_DB: db.databaseName,
              OPS_DB: `${db.databaseName}_ops`,
            },
            encoding: 'utf8',
          },
        );
        return { status: 0, output: `${stdout}${stderr}` };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { status: e.code ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
      }
    },
    async meta(db: Db): Promise<ProjectionMeta | null> {
      return db.collection<ProjectionMeta>(META_COLLECTION).findOne({ _id: 'projections' });
    },
    /** Waits until the version has applied everything now on its topics. */
    async waitCaughtUp(db: Db, version: number, timeoutMs = 90_000) {
      const ends: Record<string, string> = {};
      for (const topic of inputs)
        for (const o of await admin.fetchTopicOffsets(topic)) ends[`${topic}:${o.partition}`] = o.high;
      await waitFor(
        `projection version ${version} caught up`,
        async () => {
          const cps = await db
            .collection<{ _id: string; offset: string }>(collectionNames(version).checkpoints)
            .find({})
            .toArray();
          const done = new Map(cps.map((c) => [c._id, BigInt(c.offset) + 1n]));
          return Object.entries(ends).every(
            ([k, high]) => high === '0' || (done.get(k) ?? 0n) >= BigInt(high),
          )
            ? true
            : undefined;
        },
        timeoutMs,
      );
    },
    /** The projections of one version, sorted, without the freshness fields (which depend on timing). */
    async dump(db: Db, version: number) {
      const names = collectionNames(version);
      const read = async (name: string) =>
        (await db.collection<{ _id: string }>(name).find({}).sort({ _id: 1 }).toArray()).map(
          ({ asOf: _asOf, ...rest }: { asOf?: unknown; _id: string }) => rest,
        );
      return {
        mails: await read(names.mails),
        orders: await read(names.orders),
        recipients: await read(names.recipients),
        templateDays: await read(names.templateDays),
      };
    },
    async close() {
      for (const p of processes) await p.kill9();
      await publisher.disconnect();
      await admin.disconnect();
      for (const db of databases) await db.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
  return fixture;
}

export type ProjectorFixture = Awaited<ReturnType<typeof createProjectorFixture>>;
