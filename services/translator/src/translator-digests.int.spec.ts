// Digests as real processes: the shipments of one customer within a window become one MailRequested
// listing them all — with two translator instances collecting, one of them killed (-9) in the middle of
// closing the window, and a replay of the input topics from earliest; a shipment after the window closed
// goes into the next window (alone there, it is sent as its own shipping notice).
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { EventCodec, fleetTopics } from '@mailfleet/contracts';
import {
  collectTopic,
  oneItemOrder,
  schemaRegistryUrl,
  waitFor,
  waitForGroupAtEnd,
} from '@mailfleet/testing';

import { createTranslatorFixture, kafka, type TranslatorFixture } from '../test/translator-test-fixture';

let f: TranslatorFixture;
beforeEach(async () => {
  f = await createTranslatorFixture();
});
afterEach(() => f.close());

const DIGESTS = { TRANSLATOR_DIGESTS: 'shipping-notice=4s', TRANSLATOR_SETTLE_MS: '0' };

test('N shipments in a window → one digest with N members, through two instances, a kill -9 while closing it and a replay from earliest; a later shipment → the next window', async () => {
  const topics = fleetTopics(f.suffix);
  const requested = await collectTopic(topics.mailRequested.name);
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [topics.mailRequested]);
  await codec.register();
  const keys = () => requested.records.map((r) => String(r.key));
  const decode = async (key: string) => {
    const record = requested.records.find((r) => String(r.key) === key)!;
    return (await codec.decode({ topic: topics.mailRequested.name, partition: 0, offset: '0' }, record.value))
      .payload as { digest: { members: string[] } | null; templateData: string };
  };
  try {
    // The first instance dies inside the transaction that closes the window (before it commits).
    const crashing = await f.startTranslator({ ...DIGESTS, TRANSLATOR_CRASH_CLOSING_DIGEST: 'true' });
    const died = new Promise((resolve) => crashing.child.once('exit', (_code, signal) => resolve(signal)));
    const s = f.shop.shop;
    await s.registerCustomer({ customerId: 'c-d', email: 'digest@example.test', name: 'Dee', locale: 'en' });
    const orders = ['o-d1', 'o-d2', 'o-d3'];
    for (const o of orders) await s.placeOrder(oneItemOrder(o, 'c-d'));
    for (const o of orders) await s.shipOrder(o, 'c-d', 'DHL', `T-${o}`);
    expect(await waitFor('the crash while closing', () => died, 60_000)).toBe('SIGKILL');

    // Two instances take over; one of them closes the window once the killed transaction is gone.
    await f.startTranslator(DIGESTS);
    await f.startTranslator(DIGESTS);
    const digestKey = await waitFor(
      'the digest',
      async () => keys().find((k) => k.startsWith('shipping-digest:c-d:')),
      150_000,
    );
    const digest = await decode(digestKey);
    // In the order the translator collected them (the orders' partitions interleave freely).
    expect([...(digest.digest?.members ?? [])].sort()).toEqual(orders.map((o) => `shipping-notice:${o}`));
    const items = JSON.parse(digest.templateData).items as { orderId: string }[];
    expect(items.map((i) => `shipping-notice:${i.orderId}`)).toEqual(digest.digest?.members);

    // A shipment after the window closed: the next window, alone in it → its own shipping notice.
    await s.placeOrder(oneItemOrder('o-d4', 'c-d'));
    await s.shipOrder('o-d4', 'c-d', 'UPS', 'T-o-d4');
    await waitFor(
      'the late shipment',
      async () => keys().includes('shipping-notice:o-d4') || undefined,
      60_000,
    );

    // Replay every input from earliest with the same group: nothing is requested again.
    for (const p of f.processes) await p.stop();
    const admin = kafka.admin();
    await admin.connect();
    for (const topic of [topics.orders.name, topics.customers.name])
      await admin.resetOffsets({ groupId: f.group, topic, earliest: true });
    await admin.disconnect();
    await f.startTranslator(DIGESTS);
    await waitForGroupAtEnd(f.group, [topics.orders.name, topics.customers.name]);
    // Longer than a window: anything a replay wrongly collected would have been closed and sent by now.
    await new Promise((r) => setTimeout(r, 6_000));
    await f.waitForEverythingPublished(requested);

    const counts = new Map<string, number>();
    for (const k of keys()) counts.set(k, (counts.get(k) ?? 0) + 1);
    expect([...counts].filter(([k]) => k.startsWith('shipping')).sort()).toEqual([
      [digestKey, 1],
      ['shipping-notice:o-d4', 1],
    ]);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect([...counts.keys()].filter((k) => k.startsWith('order-confirmation')).sort()).toEqual(
      [...orders, 'o-d4'].map((o) => `order-confirmation:${o}`),
    );
  } finally {
    await requested.stop();
  }
}, 400_000);
