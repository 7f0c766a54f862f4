// CustomerErased in a real translator process: the replica keeps the id and loses the address and the
// name, the mail parked for the customer and every later one are rejected as CUSTOMER_ERASED, the open
// digest window that collected a request for them goes, and so does the suppression entry of their
// address — while another customer's data stays as it was.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { EventCodec, fleetTopics } from '@mailfleet/contracts';
import { EventPublisher } from '@mailfleet/kafka';
import {
  collectTopic,
  customerErasedEvent,
  feedbackEvents,
  oneItemOrder,
  personalDataIn,
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

test("after CustomerErased the translator's collections hold neither the address nor the name", async () => {
  const topics = fleetTopics(f.suffix);
  const events = await collectTopic(topics.mailEvents.name);
  const requested = await collectTopic(topics.mailRequested.name);
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [
    topics.mailEvents,
    topics.customers,
  ]);
  await codec.register();
  const publisher = new EventPublisher(kafka, codec);
  await publisher.connect();
  const rejection = (mailId: string) =>
    events.records.find((r) => r.key === mailId && r.eventType === 'MailRequestRejected');
  const reasonCodeOf = async (mailId: string) => {
    const r = rejection(mailId)!;
    const decoded = await codec.decode(
      { topic: topics.mailEvents.name, partition: r.partition, offset: r.offset },
      r.value!,
    );
    return (decoded.payload as { reasonCode: string }).reasonCode;
  };
  try {
    // Shipping notices are collected into a digest whose window stays open through the test.
    await f.startTranslator({ TRANSLATOR_DIGESTS: 'shipping-notice=10m', TRANSLATOR_SETTLE_MS: '0' });
    const s = f.shop.shop;
    await s.registerCustomer({
      customerId: 'c-era',
      email: 'Era.Erasable@Example.test',
      name: 'Era Erasable',
      locale: 'en',
    });
    await s.registerCustomer({
      customerId: 'c-kept',
      email: 'kept@example.test',
      name: 'Kept',
      locale: 'en',
    });
    // A soft bounce puts the address on the suppression list (one is below the limit, so the shipping
    // notice is still collected into its digest).
    await s.placeOrder(oneItemOrder('o-era-1', 'c-era'));
    await s.placeOrder(oneItemOrder('o-kept-1', 'c-kept'));
    await waitFor('both confirmations requested', async () =>
      ['order-confirmation:o-era-1', 'order-confirmation:o-kept-1'].every((id) =>
        requested.records.some((r) => r.key === id),
      )
        ? true
        : undefined,
    );
    await s.shipOrder('o-era-1', 'c-era', 'DHL', 'T-era-1');
    await publisher.publish(
      feedbackEvents(topics.mailEvents.name, [
        {
          eventType: 'MailBounced',
          payload: {
            mailId: 'order-confirmation:o-era-1',
            bounceType: 'SOFT',
            diagnostic: '452 4.2.2 <era.erasable@example.test>: mailbox full',
            bouncedAt: Date.now(),
            recipient: 'era.erasable@example.test',
            status: '4.2.2',
            source: 'webhook:mailgun',
          },
        },
      ]),
    );
    await waitForGroupAtEnd(f.group, [topics.mailEvents.name]);
    const db = f.mongo.db(f.translatorDb);
    await waitFor('the shipping notice collected into a digest window', async () =>
      (await db.collection('translator_digest_windows').countDocuments({ customerId: 'c-era' })) === 1
        ? true
        : undefined,
    );
    expect(await db.collection('translator_suppressions').countDocuments()).toBe(1);
    // A mail parked for a customer not known yet, who is then erased.
    await s.placeOrder(oneItemOrder('o-ghost', 'c-ghost'));
    await waitFor('the ghost mail parked', async () =>
      events.records.some((r) => r.key === 'order-confirmation:o-ghost' && r.eventType === 'MailParked')
        ? true
        : undefined,
    );

    // The shop erases its own record and publishes CustomerErased through its outbox; the customer
    // service of c-ghost, whom the shop never knew, publishes it directly.
    await s.eraseCustomer('c-era');
    await publisher.publish([customerErasedEvent(topics.customers.name, 'c-ghost')]);
    await waitFor('the parked mail rejected', async () =>
      rejection('order-confirmation:o-ghost') ? true : undefined,
    );
    expect(await reasonCodeOf('order-confirmation:o-ghost')).toBe('CUSTOMER_ERASED');
    await waitFor('the replica erased', async () =>
      (await db.collection('translator_customers').findOne({ _id: 'c-era' as never }))?.['erasedAt']
        ? true
        : undefined,
    );

    // Every later fact for the customer is rejected, not requested nor parked.
    await s.placeOrder(oneItemOrder('o-era-2', 'c-era'));
    await waitFor('the later mail rejected', async () =>
      rejection('order-confirmation:o-era-2') ? true : undefined,
    );
    expect(await reasonCodeOf('order-confirmation:o-era-2')).toBe('CUSTOMER_ERASED');
    expect(requested.records.map((r) => r.key).sort()).toEqual([
      'order-confirmation:o-era-1',
      'order-confirmation:o-kept-1',
    ]);

    // The outbox is the relay's to clear (tests/fleet/start-and-demo); every other collection is clean.
    expect(
      await personalDataIn(f.mongo, [f.translatorDb], ['era.erasable@example.test', 'Era Erasable'], (c) =>
        c.startsWith('outbox'),
      ),
    ).toEqual([]);
    expect(await db.collection('translator_digest_windows').countDocuments()).toBe(0);
    expect(await db.collection('translator_customers').findOne({ _id: 'c-kept' as never })).toMatchObject({
      email: 'kept@example.test',
      name: 'Kept',
    });
  } finally {
    await publisher.disconnect();
    await events.stop();
    await requested.stop();
  }
});
