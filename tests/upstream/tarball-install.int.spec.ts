// What an upstream team gets: `npm run packages:pack` builds @mailfleet/outbox and @mailfleet/contracts
// (with the libs they use) into tarballs; a project outside the workspace installs them from the files
// alone, compiles an app against their declarations (strict TypeScript), runs it, and the event it
// committed with its order arrives on the real broker, readable by the fleet's own codec.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { MongoClient } from 'mongodb';
import { EventCodec, ORDERS_EVENTS } from '@mailfleet/contracts';
import {
  collectTopic,
  createTestTopics,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  testTopicSuffix,
  testTopics,
  uniqueName,
} from '@mailfleet/testing';

const repoRoot = path.resolve(__dirname, '..', '..');
const rootManifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mailfleet-upstream-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('the packed outbox and contracts install outside the workspace and publish an event through the stack', async () => {
  const tarballs = run(
    process.execPath,
    ['--import', 'tsx', 'tools/packages/pack.ts', '--out', path.join(work, 'tarballs')],
    repoRoot,
  )
    .trim()
    .split('\n');
  const names = tarballs.map((t) => path.basename(t)).sort();
  expect(names).toEqual([
    'mailfleet-attachments-0.1.0.tgz',
    'mailfleet-contracts-0.1.0.tgz',
    'mailfleet-errors-0.1.0.tgz',
    'mailfleet-logger-0.1.0.tgz',
    'mailfleet-outbox-0.1.0.tgz',
    'mailfleet-retry-0.1.0.tgz',
  ]);
  const outboxFiles = run('tar', ['-tzf', tarballs.find((t) => t.includes('outbox'))!], work).split('\n');
  expect(outboxFiles).toEqual(
    expect.arrayContaining(['package/package.json', 'package/dist/index.js', 'package/dist/index.d.ts']),
  );
  expect(outboxFiles.filter((f) => /\.spec\.|\/src\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);

  // The app's own project: the tarballs, and the drivers it hands to them, at the fleet's versions.
  const app = path.join(work, 'app');
  const deps = rootManifest.dependencies;
  run('mkdir', ['-p', app], work);
  writeFileSync(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'upstream-app',
      private: true,
      dependencies: {
        ...Object.fromEntries(
          tarballs.map((t) => [`@mailfleet/${/mailfleet-(\w+)-/.exec(path.basename(t))![1]}`, `file:${t}`]),
        ),
        '@kafkajs/confluent-schema-registry': deps['@kafkajs/confluent-schema-registry'],
        kafkajs: deps['kafkajs'],
        mongodb: deps['mongodb'],
      },
    }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts'], app);
  copyFileSync(path.join(__dirname, 'app', 'publish-order.ts'), path.join(app, 'publish-order.ts'));
  // The app's types come from the installed packages' declarations only; Node's from the workspace.
  writeFileSync(
    path.join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'Node16',
        moduleResolution: 'Node16',
        strict: true,
        outDir: 'out',
        types: ['node'],
        typeRoots: [path.join(repoRoot, 'node_modules', '@types')],
      },
      files: ['publish-order.ts'],
    }),
  );
  run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], app);

  const [topic] = testTopics([ORDERS_EVENTS], 3, testTopicSuffix());
  await createTestTopics([topic!]);
  const collected = await collectTopic(topic!.name);
  const dbName = uniqueName('upstream').replace(/-/g, '_');
  const orderId = uniqueName('o-upstream');
  try {
    const printed = run(process.execPath, [path.join(app, 'out', 'publish-order.js')], app, {
      ...process.env,
      TOPIC_SUFFIX: topic!.name.slice(ORDERS_EVENTS.name.length),
      MONGO_URL: mongoUrl(),
      MONGO_DB: dbName,
      KAFKA_BROKERS: kafkaBrokers().join(','),
      SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
      ORDER_ID: orderId,
    });
    const { eventId } = JSON.parse(printed.trim()) as { eventId: string };
    const records = await collected.waitForEventIds([eventId]);
    const record = records.find((r) => r.eventId === eventId)!;
    expect(record).toMatchObject({ key: orderId, eventType: 'OrderPlaced' });
    const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [topic!]);
    const decoded = await codec.decode({ topic: topic!.name, ...record }, record.value);
    expect(decoded).toMatchObject({
      eventType: 'OrderPlaced',
      payload: { orderId, totalMinor: 750, invoice: { filename: `invoice-${orderId}.pdf` } },
    });
    // The invoice's bytes are in the attachment store, not in the event.
    const { invoice } = decoded.payload as { invoice: { blobId: string } };
    const mongo = await MongoClient.connect(mongoUrl());
    try {
      expect(
        await mongo
          .db(dbName)
          .collection('attachments.files')
          .countDocuments({ filename: `invoice-${orderId}.pdf` }),
      ).toBe(1);
      expect(record.value!.includes(Buffer.from('%PDF'))).toBe(false);
      expect(invoice.blobId).toMatch(/^[0-9a-f]{24}$/);
    } finally {
      await mongo.close();
    }
  } finally {
    await collected.stop();
    const mongo = await MongoClient.connect(mongoUrl());
    await mongo.db(dbName).dropDatabase();
    await mongo.close();
  }
});
