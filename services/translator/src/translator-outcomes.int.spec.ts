// The translator's other outcomes as a real process: suppressed, rejected and parked-then-expired mails
// on mail.events, poison in the DLQ, and customer facts read behind order facts.
import { readFileSync } from 'node:fs';
import { AssignerProtocol } from 'kafkajs';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { DateTime } from 'luxon';
import { v7 as uuidv7 } from 'uuid';
import { EventCodec, TOPICS, dlqTopicOf, fleetTopics, newEnvelope } from '@mailfleet/contracts';
import { AttachmentStore } from '@mailfleet/attachments';
import { EventPublisher } from '@mailfleet/kafka';
import {
  collectTopic,
  createTestTopics,
  oneItemOrder,
  schemaRegistryUrl,
  startTcpProxy,
  testTopicSuffix,
  testTopics,
  waitFor,
  type ServiceProcess,
} from '@mailfleet/testing';

import { createTranslatorFixture, kafka, type TranslatorFixture } from '../test/translator-test-fixture';

let f: TranslatorFixture;
beforeEach(async () => {
  f = await createTranslatorFixture();
});
afterEach(() => f.close());

test('suppressed, rejected and parked-then-expired mails are recorded on mail.events; poison goes to the DLQ', async () => {
  const events = await collectTopic(fleetTopics(f.suffix).mailEvents.name);
  const requested = await collectTopic(fleetTopics(f.suffix).mailRequested.name);
  const dlq = await collectTopic(dlqTopicOf(fleetTopics(f.suffix).orders.name));
  try {
    await f.startTranslator({ TRANSLATOR_PARK_LIMIT_MS: '3000', TRANSLATOR_PARKED_SWEEP_MS: '500' });
    const s = f.shop.shop;
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
    await f.producer.send({
      topic: fleetTopics(f.suffix).orders.name,
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
    const orderEvent = (await f.shop.db.collection('outbox').findOne({ key: 'o-late' })) as {
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
      a: await f.startTranslator({ TOPIC_SUFFIX: lagSuffix, KAFKA_CLIENT_ID: 'translator-a' }),
      b: await f.startTranslator({ TOPIC_SUFFIX: lagSuffix, KAFKA_CLIENT_ID: 'translator-b' }),
    };
    const customersReader = await waitFor(
      'the group to split the topics between its two members',
      async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          const [described] = (await admin.describeGroups([f.group])).groups;
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
      (await f.mongo
        .db(f.translatorDb)
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

test("quiet hours and priority: a quiet kind due during the customer's quiet hours is requested with notBefore at their end there; a HIGH kind and a kind quiet hours do not hold go at once", async () => {
  const topics = fleetTopics(f.suffix);
  const requested = await collectTopic(topics.mailRequested.name);
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [topics.mailRequested]);
  await codec.register();
  try {
    // Quiet hours around this very moment in Tokyo (no daylight saving there): from an hour ago to two
    // hours ahead, so the shipping notice falls into them whenever the test runs.
    const zone = 'Asia/Tokyo';
    const tokyoNow = DateTime.now().setZone(zone);
    const hhmm = (d: DateTime) => d.toFormat('HH:mm');
    const end = tokyoNow.plus({ hours: 2 }).startOf('minute');
    await f.startTranslator({
      TRANSLATOR_QUIET_HOURS: `${hhmm(tokyoNow.minus({ hours: 1 }))}-${hhmm(end)}`,
      TRANSLATOR_QUIET_KINDS: 'shipping-notice,cancellation-notice',
      TRANSLATOR_PRIORITIES: 'cancellation-notice=HIGH',
      // The default zone is twelve hours away from Tokyo: only the customer's own zone can put the
      // mail into the quiet hours.
      TRANSLATOR_DEFAULT_TIME_ZONE: 'America/Los_Angeles',
    });
    const s = f.shop.shop;
    await s.registerCustomer({
      customerId: 'c-tokyo',
      email: 'tokyo@example.test',
      name: 'Kei',
      locale: 'en',
      timeZone: zone,
    });
    await s.placeOrder(oneItemOrder('o-quiet', 'c-tokyo'));
    await s.shipOrder('o-quiet', 'c-tokyo', 'Yamato', 'Y1');
    await s.placeOrder(oneItemOrder('o-urgent', 'c-tokyo'));
    await s.cancelOrder('o-urgent', 'c-tokyo', 'out of stock');
    const keys = ['order-confirmation:o-quiet', 'shipping-notice:o-quiet', 'cancellation-notice:o-urgent'];
    const records = await waitFor(
      'the three requests',
      async () => {
        const found = keys.map((k) => requested.records.find((r) => r.key === k));
        return found.every(Boolean) ? found : undefined;
      },
      60_000,
    );
    const payloads = await Promise.all(
      records.map(
        async (r) =>
          (await codec.decode({ topic: topics.mailRequested.name, partition: 0, offset: '0' }, r!.value))
            .payload as { priority: string; notBefore: number | null },
      ),
    );
    expect(payloads.map((p) => [p.priority, p.notBefore])).toEqual([
      ['NORMAL', null],
      ['NORMAL', end.toMillis()],
      ['HIGH', null],
    ]);
  } finally {
    await requested.stop();
  }
});

test('started while the schema registry is unreachable, the translator waits for it instead of crashing, then translates', async () => {
  const target = new URL(schemaRegistryUrl());
  const proxy = await startTcpProxy(target.hostname, Number(target.port));
  const requested = await collectTopic(fleetTopics(f.suffix).mailRequested.name);
  try {
    proxy.cut();
    const translator = await f.startTranslator({ SCHEMA_REGISTRY_URL: `http://127.0.0.1:${proxy.port}` });
    await waitFor('the translator to notice the registry is away', async () =>
      readFileSync(translator.logFile, 'utf8').includes('schema registry not reachable at start; retrying')
        ? true
        : undefined,
    );
    expect(translator.child.exitCode).toBeNull();
    proxy.restore();
    await f.shop.shop.registerCustomer({
      customerId: 'c-wait',
      email: 'wait@example.test',
      name: 'W',
      locale: 'en',
    });
    await f.shop.shop.placeOrder(oneItemOrder('o-wait', 'c-wait'));
    await waitFor(
      'the order confirmation',
      async () => requested.records.find((r) => r.key === 'order-confirmation:o-wait'),
      90_000,
    );
    expect(translator.child.exitCode).toBeNull();
  } finally {
    await requested.stop();
    await proxy.close();
  }
});

test("an invoice the order service stored and referenced on OrderPlaced is carried into the confirmation's MailRequested, and only there", async () => {
  const topics = fleetTopics(f.suffix);
  const requested = await collectTopic(topics.mailRequested.name);
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [topics.mailRequested]);
  try {
    await f.startTranslator();
    const s = f.shop.shop;
    await s.registerCustomer({ customerId: 'c-inv', email: 'inv@example.test', name: 'Inv', locale: 'en' });
    // The documented way (docs/attachments.md): store the blob first, then reference it from the fact.
    const invoice = await new AttachmentStore(f.shop.db).put({
      filename: 'invoice-o-inv.pdf',
      contentType: 'application/pdf',
      content: Buffer.from('%PDF-1.4 invoice o-inv\n'),
    });
    await s.placeOrder({ ...oneItemOrder('o-inv', 'c-inv'), invoice });
    await s.shipOrder('o-inv', 'c-inv', 'DHL', 'T-inv');
    await s.placeOrder(oneItemOrder('o-plain', 'c-inv'));
    const mails = ['order-confirmation:o-inv', 'shipping-notice:o-inv', 'order-confirmation:o-plain'];
    await waitFor('the three mails requested', async () =>
      mails.every((m) => requested.records.some((r) => r.key === m)) ? true : undefined,
    );
    const attachmentsOf = async (mailId: string) => {
      const r = requested.records.find((x) => x.key === mailId)!;
      const decoded = await codec.decode(
        { topic: topics.mailRequested.name, partition: r.partition, offset: r.offset },
        r.value!,
      );
      return (decoded.payload as unknown as { attachments: unknown[] }).attachments;
    };
    expect(await attachmentsOf('order-confirmation:o-inv')).toEqual([invoice]);
    expect(await attachmentsOf('shipping-notice:o-inv')).toEqual([]);
    expect(await attachmentsOf('order-confirmation:o-plain')).toEqual([]);
  } finally {
    await requested.stop();
  }
});
