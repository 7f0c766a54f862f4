// The translator as a real process between the example upstream service and the mail topics:
// exactly one MailRequested per business fact through random interleavings, a full replay, a kill -9
// mid-batch; parking, expiry, suppression and poison records.
import { AssignerProtocol, Kafka, logLevel, type Producer } from 'kafkajs';
import { MongoClient } from 'mongodb';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { v7 as uuidv7 } from 'uuid';
import { EventCodec, TOPICS, dlqTopicOf, fleetTopics, newEnvelope } from '@mailfleet/contracts';
import { EventPublisher } from '@mailfleet/kafka';
import {
  createShopFixture,
  generateLoad,
  type CommittedFact,
  type ShopFixture,
} from '@mailfleet/example-orders';
import { createLogger } from '@mailfleet/logger';
import { OutboxRelay, collectionsFor, ensureOutboxIndexes } from '@mailfleet/outbox';
import {
  collectTopic,
  createTestTopics,
  oneItemOrder,
  freePort,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  startServiceProcess,
  testTopicSuffix,
  testTopics,
  uniqueName,
  waitFor,
  waitForGroupAtEnd,
  type CollectedRecord,
  type ServiceProcess,
} from '@mailfleet/testing';

// A kill -9 can leave a transaction open; MongoDB releases its documents only after the transaction
// lifetime (60 s), so the tests after a kill allow for that.
jest.setTimeout(300_000);

const kafka = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
const logger = createLogger('translator-test', 'silent');

let suffix: string;
let shop: ShopFixture;
let translatorDb: string;
let mongo: MongoClient;
let producer: Producer;
let relays: OutboxRelay[];
let group: string;
let processes: ServiceProcess[];

beforeEach(async () => {
  suffix = testTopicSuffix();
  await createTestTopics(testTopics(TOPICS, 3, suffix));
  const topics = fleetTopics(suffix);
  shop = await createShopFixture({
    mongoUrl: mongoUrl(),
    registryUrl: schemaRegistryUrl(),
    dbName: uniqueName('shop').replace(/-/g, '_'),
    ordersTopic: topics.orders,
    customersTopic: topics.customers,
  });
  mongo = new MongoClient(mongoUrl());
  await mongo.connect();
  translatorDb = uniqueName('translator').replace(/-/g, '_');
  await ensureOutboxIndexes(mongo.db(translatorDb), collectionsFor(), 3600);
  producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  // One relay for the shop's outbox, one for the translator's: as deployed.
  relays = [shop.db, mongo.db(translatorDb)].map(
    (db) =>
      new OutboxRelay({
        client: db === shop.db ? shop.client : mongo,
        db,
        producer,
        logger,
        leaseMs: 3_000,
        pollIntervalMs: 200,
      }),
  );
  for (const r of relays) await r.start();
  group = uniqueName('translator');
  processes = [];
});

afterEach(async () => {
  for (const p of processes) await p.kill9();
  for (const r of relays) await r.stop();
  await producer.disconnect();
  await shop.db.dropDatabase();
  await mongo.db(translatorDb).dropDatabase();
  await shop.close();
  await mongo.close();
});

async function startTranslator(extra: Record<string, string> = {}): Promise<ServiceProcess> {
  const p = startServiceProcess('translator', 'services/translator/src/main.ts', {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    SCHEMA_REGISTRY_URL: schemaRegistryUrl(),
    MONGO_URL: mongoUrl(),
    MONGO_DB: translatorDb,
    TOPIC_SUFFIX: suffix,
    CONSUMER_GROUP: group,
    OPS_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    ...extra,
  });
  processes.push(p);
  return p;
}

const MAIL_OF: Record<string, string> = {
  OrderPlaced: 'order-confirmation',
  OrderShipped: 'shipping-notice',
  OrderCancelled: 'cancellation-notice',
};

/** Every order fact of a registered customer gets its mail (the rules are confluent); the others stay parked. */
function expectedMailIds(committed: readonly CommittedFact[]): string[] {
  const registered = new Set(
    committed.filter((c) => c.eventType === 'CustomerRegistered').map((c) => c.customerId),
  );
  return committed
    .filter((c) => MAIL_OF[c.eventType] && registered.has(c.customerId))
    .map((c) => `${MAIL_OF[c.eventType]}:${c.key}`)
    .sort();
}

/** The mailIds requested, and a check that each has exactly one MailRequested event (relay duplicates share its id). */
function requestedMailIds(records: readonly CollectedRecord[]): string[] {
  const eventIdsByMail = new Map<string, Set<string>>();
  for (const r of records) eventIdsByMail.set(r.key, (eventIdsByMail.get(r.key) ?? new Set()).add(r.eventId));
  for (const [mailId, ids] of eventIdsByMail)
    expect({ mailId, events: ids.size }).toEqual({ mailId, events: 1 });
  return [...eventIdsByMail.keys()].sort();
}

/**
 * Once the group has caught up, every decision is in the translator's outbox: wait until the relay has
 * published all of it and `topic` has been read to its end, so nothing decided can still be on its way.
 */
async function waitForEverythingPublished(topic: { waitForEnd(): Promise<unknown> }): Promise<void> {
  await waitFor('the translator outbox published', async () =>
    (await mongo.db(translatorDb).collection('outbox').countDocuments({ pending: true })) === 0
      ? true
      : undefined,
  );
  await topic.waitForEnd();
}

const waitForGroupToCatchUp = () =>
  waitForGroupAtEnd(group, [fleetTopics(suffix).orders.name, fleetTopics(suffix).customers.name]);

test('random interleavings give exactly one MailRequested per fact; a full replay gives none again', async () => {
  const requested = await collectTopic(fleetTopics(suffix).mailRequested.name);
  try {
    await startTranslator();
    const load = await generateLoad(shop.shop, {
      orders: 30,
      seed: 42,
      interleave: true,
      abortRatio: 0.1,
      idPrefix: uniqueName('r'),
    });
    const expected = expectedMailIds(load.committed);
    await waitFor(
      'every expected mail',
      async () => (new Set(requested.records.map((r) => r.key)).size >= expected.length ? true : undefined),
      120_000,
    );
    await waitForGroupToCatchUp();
    expect(requestedMailIds(requested.records)).toEqual(expected);
    const before = new Set(requested.records.map((r) => r.eventId));

    // Replay: stop, reset the group to the earliest offsets, start again.
    expect(await processes[0]!.stop()).toBe(0);
    const admin = kafka.admin();
    await admin.connect();
    for (const topic of [fleetTopics(suffix).orders.name, fleetTopics(suffix).customers.name]) {
      await admin.resetOffsets({ groupId: group, topic, earliest: true });
    }
    await admin.disconnect();
    await startTranslator();
    await waitForGroupToCatchUp();
    await waitForEverythingPublished(requested);
    expect(new Set(requested.records.map((r) => r.eventId))).toEqual(before);
  } finally {
    await requested.stop();
  }
});

test('kill -9 in the middle of a batch, restart: still exactly the expected set', async () => {
  const requested = await collectTopic(fleetTopics(suffix).mailRequested.name);
  try {
    const load = await generateLoad(shop.shop, {
      orders: 60,
      seed: 9,
      interleave: true,
      idPrefix: uniqueName('k'),
    });
    const expected = expectedMailIds(load.committed);
    const first = await startTranslator();
    await waitFor(
      'the translator to be mid-way',
      async () => (requested.records.length >= 5 ? true : undefined),
      120_000,
    );
    await first.kill9();
    const seenAtKill = new Set(requested.records.map((r) => r.key)).size;
    expect(seenAtKill).toBeLessThan(expected.length);
    await startTranslator();
    await waitFor(
      'every expected mail',
      async () => (new Set(requested.records.map((r) => r.key)).size >= expected.length ? true : undefined),
      180_000,
    );
    await waitForGroupToCatchUp();
    await waitForEverythingPublished(requested);
    expect(requestedMailIds(requested.records)).toEqual(expected);
  } finally {
    await requested.stop();
  }
});

test('suppressed, rejected and parked-then-expired mails are recorded on mail.events; poison goes to the DLQ', async () => {
  const events = await collectTopic(fleetTopics(suffix).mailEvents.name);
  const requested = await collectTopic(fleetTopics(suffix).mailRequested.name);
  const dlq = await collectTopic(dlqTopicOf(fleetTopics(suffix).orders.name));
  try {
    await startTranslator({ TRANSLATOR_PARK_LIMIT_MS: '3000', TRANSLATOR_PARKED_SWEEP_MS: '500' });
    const s = shop.shop;
    await s.registerCustomer({
      customerId: 'c-optout',
      email: 'out@example.test',
      name: 'Out',
      locale: 'en',
    });
    await s.changeMailPreferences('c-optout', true, false);
    await s.registerCustomer({ customerId: 'c-bad', email: 'not-an-address', name: 'Bad', locale: 'fr' });
    const order = (orderId: string, customerId: string) => s.placeOrder(oneItemOrder(orderId, customerId));
    await order('o-optout', 'c-optout');
    await order('o-bad', 'c-bad');
    await order('o-ghost', 'c-ghost');
    await order('o-late', 'c-late');
    await producer.send({
      topic: fleetTopics(suffix).orders.name,
      messages: [{ key: 'poison', value: Buffer.from('not avro at all') }],
    });
    // o-late waits for its customer before the customer comes.
    await waitFor('o-late parked', async () =>
      events.records.some((r) => r.key === 'order-confirmation:o-late' && r.eventType === 'MailParked')
        ? true
        : undefined,
    );
    await s.registerCustomer({
      customerId: 'c-late',
      email: 'late@example.test',
      name: 'Late',
      locale: 'de-CH',
    });

    await waitFor(
      'suppression, rejections and the late request',
      async () => {
        const types = events.records.map((r) => `${r.eventType}:${r.key}`);
        return types.includes('MailSuppressed:order-confirmation:o-optout') &&
          types.includes('MailRequestRejected:order-confirmation:o-bad') &&
          types.includes('MailRequestRejected:order-confirmation:o-ghost') &&
          requested.records.some((r) => r.key === 'order-confirmation:o-late')
          ? true
          : undefined;
      },
      // Runs right after the kill -9 test: a transaction the killed translator left open holds its
      // documents until MongoDB's transaction lifetime (60 s) ends it.
      180_000,
    );
    await waitFor('the poison record in the DLQ', async () => (dlq.records.length > 0 ? true : undefined));
    expect(dlq.records[0]?.value?.toString()).toBe('not avro at all');
    expect(dlq.records[0]?.headers['dlq-error-code']).toBe('undecodable-record.bad-magic-byte');
    expect(requested.records.map((r) => r.key)).toEqual(['order-confirmation:o-late']);
    const ghost = events.records.find(
      (r) => r.key === 'order-confirmation:o-ghost' && r.eventType === 'MailRequestRejected',
    );
    expect(ghost?.headers['correlation-id']).toBeTruthy();
    // A mail that waited for its customer said so first (MailParked, once), then its decision: both on
    // mail.events under the mail's key, so in this order.
    expect(
      events.records.filter((r) => r.key === 'order-confirmation:o-ghost').map((r) => r.eventType),
    ).toEqual(['MailParked', 'MailRequestRejected']);
    const late = requested.records[0]!;
    // The mail carries the order fact's correlation id on, with the order event as its cause.
    const orderEvent = (await shop.db.collection('outbox').findOne({ key: 'o-late' })) as {
      _id: string;
      headers: Record<string, string>;
    } | null;
    expect(late.headers['causation-id']).toBe(orderEvent?._id);
    expect(late.headers['correlation-id']).toBe(orderEvent?.headers['correlation-id']);
  } finally {
    await events.stop();
    await requested.stop();
    await dlq.stop();
  }
});

test('customers.events read behind orders.events (its member stalled): the mail waits and uses the newer customer facts', async () => {
  // Topics of one partition each, so that two translators split them: one reads orders.events, the other
  // customers.events — and that one stalls.
  const lagSuffix = testTopicSuffix();
  await createTestTopics(testTopics(TOPICS, 1, lagSuffix));
  const topics = fleetTopics(lagSuffix);
  const requested = await collectTopic(topics.mailRequested.name);
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [
    topics.orders,
    topics.customers,
    topics.mailRequested,
  ]);
  await codec.register();
  const publisher = new EventPublisher(kafka, codec);
  await publisher.connect();
  const publish = async (
    topic: string,
    key: string,
    eventType: 'CustomerRegistered' | 'CustomerEmailChanged' | 'OrderPlaced',
    payload: object,
    at: Date,
  ) =>
    publisher.publish([
      {
        topic,
        key,
        envelope: { ...newEnvelope({ eventType, producer: 'test', eventId: uuidv7(), now: at }), eventType },
        payload: payload as never,
      },
    ]);
  let stalled: ServiceProcess | undefined;
  try {
    const t0 = Date.now();
    await publish(
      topics.customers.name,
      'c-moved',
      'CustomerRegistered',
      {
        customerId: 'c-moved',
        email: 'old@example.test',
        name: 'Mo',
        locale: 'en',
        registeredAt: t0 - 60_000,
      },
      new Date(t0 - 60_000),
    );
    const members = {
      a: await startTranslator({ TOPIC_SUFFIX: lagSuffix, KAFKA_CLIENT_ID: 'translator-a' }),
      b: await startTranslator({ TOPIC_SUFFIX: lagSuffix, KAFKA_CLIENT_ID: 'translator-b' }),
    };
    const customersReader = await waitFor(
      'the group to split the topics between its two members',
      async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          const [described] = (await admin.describeGroups([group])).groups;
          if (described?.state !== 'Stable' || described.members.length !== 2) return undefined;
          const holder = described.members.find((m) =>
            Object.keys(
              AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {},
            ).includes(topics.customers.name),
          );
          return holder?.clientId === 'translator-a'
            ? members.a
            : holder?.clientId === 'translator-b'
              ? members.b
              : undefined;
        } finally {
          await admin.disconnect();
        }
      },
      90_000,
    );
    await waitFor('the replica to know the customer', async () =>
      (await mongo
        .db(translatorDb)
        .collection('translator_customers')
        .findOne({ _id: 'c-moved' as never }))
        ? true
        : undefined,
    );
    await new Promise((r) => setTimeout(r, 2_500)); // known for longer than the settle time
    // The member reading customers.events stalls; the new address is published, then the order.
    stalled = customersReader;
    process.kill(customersReader.child.pid!, 'SIGSTOP');
    const t1 = Date.now();
    await publish(
      topics.customers.name,
      'c-moved',
      'CustomerEmailChanged',
      { customerId: 'c-moved', email: 'new@example.test', changedAt: t1 },
      new Date(t1),
    );
    await publish(
      topics.orders.name,
      'o-moved',
      'OrderPlaced',
      { ...oneItemOrder('o-moved', 'c-moved'), placedAt: t1 + 1 },
      new Date(t1 + 1),
    );
    // The other member reads the order at once; the stalled one leaves the group after its session
    // timeout, and its partition of customers.events is read by the member that is left.
    const record = await waitFor(
      'the order confirmation',
      async () => requested.records.find((r) => r.key === 'order-confirmation:o-moved'),
      120_000,
    );
    const decoded = await codec.decode(
      { topic: topics.mailRequested.name, partition: 0, offset: '0' },
      record.value,
    );
    expect(decoded.payload).toMatchObject({
      recipient: expect.objectContaining({ email: 'new@example.test' }),
    });
  } finally {
    if (stalled?.child.pid) process.kill(stalled.child.pid, 'SIGCONT');
    await publisher.disconnect();
    await requested.stop();
  }
});
