// The suppression list as a real translator process builds and uses it: delivery feedback on mail.events
// (a hard bounce, a complaint, soft bounces) suppresses the next mail to those addresses; redelivered
// feedback adds nothing; other addresses, and the translator's own events on mail.events, are unaffected.
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { v7 as uuidv7 } from 'uuid';
import { EventCodec, fleetTopics, type MailBounced } from '@mailfleet/contracts';
import { EventPublisher } from '@mailfleet/kafka';
import {
  collectTopic,
  feedbackEvents,
  oneItemOrder,
  schemaRegistryUrl,
  waitFor,
  waitForGroupAtEnd,
  type FeedbackItem,
} from '@mailfleet/testing';
import { createTranslatorFixture, kafka, type TranslatorFixture } from '../test/translator-test-fixture';

let f: TranslatorFixture;
beforeEach(async () => {
  f = await createTranslatorFixture();
});
afterEach(() => f.close());

test('a hard bounce, a complaint and enough soft bounces suppress the next mail to the address; redelivery adds nothing', async () => {
  const topics = fleetTopics(f.suffix);
  const events = await collectTopic(topics.mailEvents.name);
  const requested = await collectTopic(topics.mailRequested.name);
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [topics.mailEvents]);
  await codec.register();
  const publisher = new EventPublisher(kafka, codec);
  await publisher.connect();
  const feedback = async (items: readonly FeedbackItem[]) => {
    await publisher.publish(feedbackEvents(topics.mailEvents.name, items));
    await waitForGroupAtEnd(f.group, [topics.mailEvents.name]);
  };
  const bounce = (mailId: string, recipient: string | null, bounceType: 'HARD' | 'SOFT'): MailBounced => ({
    mailId,
    bounceType,
    diagnostic: bounceType === 'HARD' ? '550 5.1.1 user unknown' : '452 4.2.2 mailbox full',
    bouncedAt: Date.now(),
    recipient,
    status: bounceType === 'HARD' ? '5.1.1' : '4.2.2',
    source: 'webhook:mailgun',
  });
  try {
    await f.startTranslator({ SUPPRESSION_SOFT_BOUNCE_LIMIT: '3' });
    const s = f.shop.shop;
    for (const [customerId, email] of [
      ['c-gone', 'gone@example.test'],
      ['c-spam', 'spam@example.test'],
      ['c-soft', 'soft@example.test'],
      ['c-fine', 'fine@example.test'],
    ] as const)
      await s.registerCustomer({ customerId, email, name: customerId, locale: 'en' });

    const hardId = uuidv7();
    const hard = {
      eventType: 'MailBounced' as const,
      payload: bounce('order-confirmation:o-old-1', 'GONE@example.test', 'HARD'),
      eventId: hardId,
    };
    await feedback([
      hard,
      {
        eventType: 'MailComplained',
        payload: {
          mailId: 'order-confirmation:o-old-2',
          recipient: 'spam@example.test',
          feedbackType: 'abuse',
          source: 'webhook:sendgrid',
          complainedAt: Date.now(),
        },
      },
      {
        eventType: 'MailBounced',
        payload: bounce('order-confirmation:o-old-3', 'soft@example.test', 'SOFT'),
      },
      {
        eventType: 'MailBounced',
        payload: bounce('order-confirmation:o-old-4', 'soft@example.test', 'SOFT'),
      },
      // Names no address: counted, and suppresses nothing.
      { eventType: 'MailBounced', payload: bounce('order-confirmation:o-old-5', null, 'HARD') },
    ]);
    // The same hard bounce delivered again (a relay's duplicate, a replay): the list does not change.
    await feedback([hard]);

    for (const orderId of ['o-gone', 'o-spam', 'o-soft', 'o-fine'])
      await s.placeOrder(oneItemOrder(orderId, `c-${orderId.slice(2)}`));
    const decided = (mailId: string) =>
      events.records.find((r) => r.key === mailId && r.eventType === 'MailSuppressed') ??
      requested.records.find((r) => r.key === mailId);
    await waitFor('the four mails decided', async () =>
      ['o-gone', 'o-spam', 'o-soft', 'o-fine'].every((o) => decided(`order-confirmation:${o}`))
        ? true
        : undefined,
    );
    const reasonOf = async (mailId: string) => {
      const r = events.records.find((e) => e.key === mailId && e.eventType === 'MailSuppressed');
      if (!r) return null;
      const decoded = await codec.decode(
        { topic: topics.mailEvents.name, partition: r.partition, offset: r.offset },
        r.value!,
      );
      return (decoded.payload as { reason: string }).reason;
    };
    expect(await reasonOf('order-confirmation:o-gone')).toMatch(
      /^the address is suppressed after a permanent bounce \(5\.1\.1, webhook:mailgun\) at .* for mail order-confirmation:o-old-1$/,
    );
    expect(await reasonOf('order-confirmation:o-spam')).toMatch(
      /after a spam complaint \(abuse, webhook:sendgrid\)/,
    );
    // Two soft bounces are below the limit; the other address was never reported.
    expect(requested.records.map((r) => r.key).sort()).toEqual([
      'order-confirmation:o-fine',
      'order-confirmation:o-soft',
    ]);

    // A third soft bounce: the next mail to that address waits out the window.
    await feedback([
      { eventType: 'MailBounced', payload: bounce('order-confirmation:o-soft', 'soft@example.test', 'SOFT') },
    ]);
    await s.placeOrder(oneItemOrder('o-soft-2', 'c-soft'));
    await waitFor('the second mail to the soft-bouncing address decided', async () =>
      decided('order-confirmation:o-soft-2') ? true : undefined,
    );
    expect(await reasonOf('order-confirmation:o-soft-2')).toMatch(
      /suppressed until .* after 3 soft bounces within 72 h/,
    );

    const list = f.mongo.db(f.translatorDb).collection('translator_suppressions');
    expect(await list.findOne({ _id: 'gone@example.test' as never })).toMatchObject({
      permanent: [expect.objectContaining({ eventId: hardId, kind: 'hard-bounce' })],
    });
    expect(await list.countDocuments()).toBe(3);
  } finally {
    await publisher.disconnect();
    await events.stop();
    await requested.stop();
  }
});

test('a one-click unsubscribe suppresses the next mail of its category to that address; transactional mail still goes', async () => {
  const topics = fleetTopics(f.suffix);
  const events = await collectTopic(topics.mailEvents.name);
  const requested = await collectTopic(topics.mailRequested.name);
  const codec = new EventCodec(new SchemaRegistry({ host: schemaRegistryUrl() }), [
    topics.mailEvents,
    topics.mailRequested,
  ]);
  await codec.register();
  const publisher = new EventPublisher(kafka, codec);
  await publisher.connect();
  const payloadOf = async (topic: string, r: { partition: number; offset: string; value: Buffer | null }) =>
    (await codec.decode({ topic, partition: r.partition, offset: r.offset }, r.value!))
      .payload as unknown as Record<string, unknown>;
  try {
    await f.startTranslator();
    const s = f.shop.shop;
    await s.registerCustomer({ customerId: 'c-una', email: 'Una@Example.test', name: 'Una', locale: 'en' });
    await s.registerCustomer({ customerId: 'c-ida', email: 'ida@example.test', name: 'Ida', locale: 'en' });
    await publisher.publish(
      feedbackEvents(topics.mailEvents.name, [
        {
          eventType: 'MailUnsubscribed',
          payload: {
            mailId: 'shipping-notice:o-una-old',
            customerId: 'c-una',
            recipient: 'una@example.test',
            category: 'shipping-updates',
            source: 'one-click',
            unsubscribedAt: Date.now(),
          },
        },
      ]),
    );
    await waitForGroupAtEnd(f.group, [topics.mailEvents.name]);
    for (const [orderId, customerId] of [
      ['o-una', 'c-una'],
      ['o-ida', 'c-ida'],
    ] as const) {
      await s.placeOrder(oneItemOrder(orderId, customerId));
      await s.shipOrder(orderId, customerId, 'DHL', `T-${orderId}`);
    }
    const decided = (mailId: string) =>
      events.records.find((r) => r.key === mailId && r.eventType === 'MailSuppressed') ??
      requested.records.find((r) => r.key === mailId);
    const mails = ['order-confirmation', 'shipping-notice'].flatMap((k) => [`${k}:o-una`, `${k}:o-ida`]);
    await waitFor('the four mails decided', async () => (mails.every(decided) ? true : undefined));

    expect(requested.records.map((r) => r.key).sort()).toEqual([
      'order-confirmation:o-ida',
      'order-confirmation:o-una',
      'shipping-notice:o-ida',
    ]);
    const suppressed = events.records.find(
      (r) => r.key === 'shipping-notice:o-una' && r.eventType === 'MailSuppressed',
    )!;
    expect((await payloadOf(topics.mailEvents.name, suppressed))['reason']).toMatch(
      /^the recipient unsubscribed from shipping-updates mail \(one-click\) at .* with the link in mail shipping-notice:o-una-old$/,
    );
    // Each request says whether its mail carries an unsubscribe link, and for which category.
    const categoryOf = async (mailId: string) =>
      (
        await payloadOf(
          topics.mailRequested.name,
          requested.records.find((r) => r.key === mailId)!,
        )
      )['category'];
    expect(await categoryOf('shipping-notice:o-ida')).toBe('shipping-updates');
    expect(await categoryOf('order-confirmation:o-una')).toBeNull();
  } finally {
    await publisher.disconnect();
    await events.stop();
    await requested.stop();
  }
});
