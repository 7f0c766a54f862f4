// What every command may need, connected on first use and closed once: the validated environment, a
// Kafka admin, MongoDB, the event codec and the audit trail.
import os from 'node:os';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Admin, Kafka } from 'kafkajs';
import { MongoClient, type Db } from 'mongodb';
import { ConfigError, kafkaSecurity, loadConfig } from '@mailfleet/config';
import { EventCodec, fleetTopics, type TopicDefinition } from '@mailfleet/contracts';
import { createKafka } from '@mailfleet/kafka';
import { createLogger, type Logger } from '@mailfleet/logger';
import { UsageError } from './ops-errors';
import { opsEnvSchema, type OpsEnv } from './ops-env';

export class OpsContext {
  readonly env: OpsEnv;
  readonly topics: ReturnType<typeof fleetTopics>;
  /** Audit lines go to stderr as JSON, so `--json` output on stdout stays parseable. */
  readonly log: Logger;
  /** Set by the command: with --json, no progress bars. */
  json = false;
  private kafkaClient?: Kafka;
  private adminClient?: Admin;
  private mongoClient?: MongoClient;
  private codecInstance?: EventCodec;

  constructor(rawEnv: Readonly<Record<string, string | undefined>> = process.env) {
    try {
      this.env = loadConfig('ops', opsEnvSchema, rawEnv);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    this.topics = fleetTopics(this.env.TOPIC_SUFFIX);
    this.log = createLogger('ops', this.env.LOG_LEVEL, {
      write: (line: string) => process.stderr.write(line),
    });
  }

  /** The fleet's topic definitions, with the environment's suffix. */
  get topicList(): TopicDefinition[] {
    return Object.values(this.topics);
  }

  get who(): string {
    return this.env.OPS_USER ?? os.userInfo().username;
  }

  get kafka(): Kafka {
    this.kafkaClient ??= createKafka({
      brokers: this.env.KAFKA_BROKERS,
      clientId: this.env.KAFKA_CLIENT_ID ?? 'mailfleet-ops',
      ...kafkaSecurity(this.env),
    });
    return this.kafkaClient;
  }

  async admin(): Promise<Admin> {
    if (!this.adminClient) {
      const admin = this.kafka.admin();
      await admin.connect();
      this.adminClient = admin;
    }
    return this.adminClient;
  }

  async db(name: string): Promise<Db> {
    if (!this.mongoClient) {
      const client = new MongoClient(this.env.MONGO_URL, {
        appName: 'mailfleet-ops',
        serverSelectionTimeoutMS: 10_000,
      });
      await client.connect();
      this.mongoClient = client;
    }
    return this.mongoClient.db(name);
  }

  get mongo(): MongoClient | undefined {
    return this.mongoClient;
  }

  get codec(): EventCodec {
    this.codecInstance ??= new EventCodec(
      new SchemaRegistry({ host: this.env.SCHEMA_REGISTRY_URL }),
      this.topicList,
    );
    return this.codecInstance;
  }

  async close(): Promise<void> {
    await this.adminClient?.disconnect().catch(() => undefined);
    await this.mongoClient?.close().catch(() => undefined);
  }
}
