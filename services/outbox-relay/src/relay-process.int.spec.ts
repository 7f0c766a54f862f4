// The relay as a real process: killed with SIGKILL between publish and checkpoint, and two instances sharing
// the work, one of them killed.
import { CUSTOMERS_EVENTS, ORDERS_EVENTS, type TopicDefinition } from '@mailfleet/contracts';
import {
  createShopFixture,
  generateLoad,
  type CommittedFact,
  type ShopFixture,
} from '@mailfleet/example-orders';
import { readFile } from 'node:fs/promises';
import { unpublishedCount } from '@mailfleet/outbox';
import {
  collectTopic,
  createTestTopics,
  firstSeenOrderByKey,
  freePort,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  startServiceProcess,
  startTcpProxy,
  testTopics,
  uniqueName,
  waitFor,
  type ServiceProcess,
} from '@mailfleet/testing';

let topics: TopicDefinition[];
let fixture: ShopFixture;
const processes: ServiceProcess[] = [];

beforeEach(async () => {
  topics = testTopics([ORDERS_EVENTS, CUSTOMERS_EVENTS]);
  await createTestTopics(topics);
  fixture = await createShopFixture({
    mongoUrl: mongoUrl(),
    registryUrl: schemaRegistryUrl(),
    dbName: uniqueName('relayproc').replace(/-/g, '_'),
    ordersTopic: topics[0],
    customersTopic: topics[1],
  });
});

afterEach(async () => {
  for (const p of processes.splice(0)) await p.kill9();
  await fixture.db.dropDatabase();
  await fixture.close();
});

const opsPorts = new Map<ServiceProcess, number>();

async function startRelay(name: string, extra: Record<string, string> = {}): Promise<ServiceProcess> {
  const opsPort = await freePort();
  const relay = startServiceProcess(name, 'services/outbox-relay/src/main.ts', {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    MONGO_URL: mongoUrl(),
    MONGO_DB: fixture.db.databaseName,
    OPS_PORT: String(opsPort),
    RELAY_LEASE_MS: '2000',
    RELAY_POLL_INTERVAL_MS: '200',
    LOG_LEVEL: 'info',
    ...extra,
  });
  processes.push(relay);
  opsPorts.set(relay, opsPort);
  return relay;
}

const pending = () => unpublishedCount(fixture.db);

async function collectBoth() {
  const orders = await collectTopic(topics[0]!.name);
  const customers = await collectTopic(topics[1]!.name);
  return {
    all: () => [...orders.records, ...customers.records],
    orderByKey: () =>
      new Map([...firstSeenOrderByKey(orders.records), ...firstSeenOrderByKey(customers.records)]),
    stop: async () => {
      await orders.stop();
      await customers.stop();
    },
  };
}

function expectedOrder(committed: readonly CommittedFact[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const c of committed) byKey.set(c.key, [...(byKey.get(c.key) ?? []), c.eventId]);
  return byKey;
}

test('kill -9 between publish and checkpoint, restart: everything arrives, duplicates carry the same event id, per-key order intact', async () => {
  const load = await generateLoad(fixture.shop, { orders: 20, seed: 3, idPrefix: uniqueName('k') });
  const ids = load.committed.map((c) => c.eventId);
  const topicsRead = await collectBoth();
  try {
    const first = await startRelay('relay-crashing', { RELAY_PAUSE_AFTER_PUBLISH_MS: '60000' });
    await waitFor(
      'the first batch on Kafka',
      async () => (topicsRead.all().length > 0 ? true : undefined),
      60_000,
    );
    // Published, no checkpoint written yet: the crash window.
    expect(await pending()).toBe(ids.length);
    await first.kill9();

    const second = await startRelay('relay-restarted');
    await waitFor('every record, and the outbox marked', async () =>
      new Set(topicsRead.all().map((r) => r.eventId)).size === ids.length && (await pending()) === 0
        ? true
        : undefined,
    );
    const ops = `http://127.0.0.1:${opsPorts.get(second)}`;
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${ops}/metrics`)).text();
    expect(metrics).toMatch(/^outbox_relay_backlog\{[^}]*\} 0$/m);
    expect(metrics).toMatch(/^outbox_relay_published_total\{[^}]*\} [1-9]/m);
    expect(metrics).toContain('outbox_relay_oldest_pending_age_seconds');
  } finally {
    await topicsRead.stop();
  }
  const all = topicsRead.all();
  const distinct = new Set(all.map((r) => r.eventId));
  expect([...distinct].sort()).toEqual([...ids].sort());
  const duplicates = all.filter((r, i) => all.findIndex((x) => x.eventId === r.eventId) !== i);
  expect(duplicates.length).toBeGreaterThan(0);
  for (const d of duplicates) {
    const original = all.find((r) => r.eventId === d.eventId)!;
    expect(d.value?.equals(original.value ?? Buffer.alloc(0))).toBe(true);
    expect(d.headers).toEqual(original.headers);
    expect(d.key).toBe(original.key);
  }
  expect(topicsRead.orderByKey()).toEqual(expectedOrder(load.committed));
});

test('two relays share the shards without duplicates; when one is killed the other finishes the work', async () => {
  const topicsRead = await collectBoth();
  try {
    await startRelay('relay-a', { RELAY_INSTANCE_ID: 'relay-a' });
    await startRelay('relay-b', { RELAY_INSTANCE_ID: 'relay-b' });
    const leases = fixture.db.collection<{ owner: string | null }>('outbox_leases');
    await waitFor(
      'both relays to hold shards',
      async () =>
        (await leases.distinct('owner', { owner: { $ne: null } })).length === 2 ? true : undefined,
      30_000,
    );

    const before = await generateLoad(fixture.shop, { orders: 30, seed: 11, idPrefix: uniqueName('a') });
    await waitFor('the first load, and the outbox marked', async () =>
      new Set(topicsRead.all().map((r) => r.eventId)).size === before.committed.length &&
      (await pending()) === 0
        ? true
        : undefined,
    );
    expect(topicsRead.all()).toHaveLength(before.committed.length);

    await processes[0]!.kill9();
    const after = await generateLoad(fixture.shop, { orders: 20, seed: 12, idPrefix: uniqueName('b') });
    const everything = [...before.committed, ...after.committed];
    await waitFor('the second load, published by the survivor', async () =>
      new Set(topicsRead.all().map((r) => r.eventId)).size === everything.length && (await pending()) === 0
        ? true
        : undefined,
    );
    expect(await leases.distinct('owner', { owner: { $ne: null } })).toEqual(['relay-b']);
    expect(topicsRead.orderByKey()).toEqual(expectedOrder(everything));
  } finally {
    await topicsRead.stop();
  }
});

test('started while MongoDB is unreachable, the relay keeps trying and relays once MongoDB answers', async () => {
  // Found by the fault harness: a relay restarted during a MongoDB outage retried "Topology is closed"
  // forever, because the client's first, failed connect had closed it.
  const url = new URL(mongoUrl());
  const proxy = await startTcpProxy(url.hostname, Number(url.port || 27017));
  proxy.cut();
  url.host = `127.0.0.1:${proxy.port}`;
  url.searchParams.delete('replicaSet');
  url.searchParams.set('directConnection', 'true');
  const topicsRead = await collectBoth();
  try {
    const relay = await startRelay('relay-no-mongo', { MONGO_URL: url.toString() });
    // Past the first connect's server selection timeout (5 s): that attempt has failed.
    await waitFor(
      'the relay to report MongoDB unreachable',
      async () =>
        (await readFile(relay.logFile, 'utf8')).includes('mongodb not reachable yet') ? true : undefined,
      30_000,
    );
    proxy.restore();
    const load = await generateLoad(fixture.shop, { orders: 5, seed: 21, idPrefix: uniqueName('m') });
    await waitFor(
      'the load, published by the relay that could not reach MongoDB at first',
      async () =>
        load.committed.every((c) => topicsRead.all().some((r) => r.eventId === c.eventId)) ? true : undefined,
      60_000,
    );
  } finally {
    await topicsRead.stop();
    await proxy.close();
  }
}, 120_000);
