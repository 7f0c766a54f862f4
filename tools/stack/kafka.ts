// The real Apache Kafka broker, from Maven Central, in KRaft combined mode on 127.0.0.1.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { PrerequisiteError, requireJava, requireMaven } from './prerequisites';
import type { Component, StackContext } from './component';

const POM_DIR = 'infra/kafka';

function serverProperties(ctx: StackContext, dataDir: string): string {
  const { MAILFLEET_KAFKA_PORT: port, MAILFLEET_KAFKA_CONTROLLER_PORT: controller } = ctx.env;
  return [
    '# Written by `npm run stack -- up`; edit tools/stack/kafka.ts instead.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    `num.partitions=${ctx.env.MAILFLEET_KAFKA_PARTITIONS}`,
    // Topics are created explicitly by the project (the topics command), never by a typo.
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    // Tests create many consumer groups; waiting for more members only slows them down.
    'group.initial.rebalance.delay.ms=0',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

function classpath(ctx: StackContext): string {
  return path.join(ctx.repoRoot, POM_DIR, 'target', 'lib', '*');
}

function java(ctx: StackContext, args: string[]): void {
  const result = spawnSync('java', ['-cp', classpath(ctx), ...args], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`java ${args.slice(0, 2).join(' ')} failed:\n${result.stdout}${result.stderr}`);
  }
}

export const kafka: Component = {
  name: 'kafka',
  description: 'Apache Kafka broker (KRaft)',
  ports: (ctx) => [ctx.env.MAILFLEET_KAFKA_PORT, ctx.env.MAILFLEET_KAFKA_CONTROLLER_PORT],
  readyTimeoutMs: 90_000,

  async prepare(ctx) {
    requireJava();
    const libDir = path.join(ctx.repoRoot, POM_DIR, 'target', 'lib');
    if (!existsSync(libDir) || readdirSync(libDir).length === 0) {
      requireMaven();
      ctx.say('fetching the Kafka broker from Maven Central (first run only)');
      const result = spawnSync(
        'mvn',
        ['-B', '-q', '-f', path.join(ctx.repoRoot, POM_DIR, 'pom.xml'), 'dependency:copy-dependencies'],
        {
          stdio: 'inherit',
        },
      );
      if (result.status !== 0)
        throw new PrerequisiteError('mvn could not fetch the Kafka broker (see its output above).');
    }
    const dir = ctx.dir('kafka');
    const dataDir = path.join(dir, 'data');
    const config = path.join(dir, 'server.properties');
    writeFileSync(config, serverProperties(ctx, dataDir));
    if (!existsSync(path.join(dataDir, 'meta.properties'))) {
      mkdirSync(dataDir, { recursive: true });
      java(ctx, ['kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', config]);
    }
  },

  launch(ctx) {
    const dir = ctx.dir('kafka');
    return {
      command: 'java',
      args: [
        `-Xmx${ctx.env.MAILFLEET_KAFKA_HEAP}`,
        `-Xms${ctx.env.MAILFLEET_KAFKA_HEAP}`,
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${path.join(ctx.repoRoot, POM_DIR, 'log4j2.properties')}`,
        '-cp',
        classpath(ctx),
        'kafka.Kafka',
        path.join(dir, 'server.properties'),
      ],
    };
  },

  async isReady(ctx) {
    const client = new Kafka({
      brokers: [`127.0.0.1:${ctx.env.MAILFLEET_KAFKA_PORT}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1_000,
      retry: { retries: 0 },
    });
    const admin = client.admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return true;
    } catch {
      return false;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  },
};

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints).
 * Like Kafka's own Uuid.randomUuid, never one that starts with '-': the storage tool would read it as an
 * option ("--cluster-id: expected one argument"), which failed one start in 64.
 */
export function clusterId(): string {
  for (;;) {
    const id = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}
