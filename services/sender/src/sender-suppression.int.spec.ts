// The sender checks the suppression list right before it sends: a mail whose address bounced while the
// mail waited for a retry, or complained while it was held for quiet hours, is recorded as suppressed and
// never reaches the SMTP server; other mails are unaffected.
import { unpublishedCount } from '@mailfleet/outbox';
import { sinkMessages, waitFor, waitForGroupAtEnd } from '@mailfleet/testing';
import { messageIdFor } from './domain/mail-state';
import { createSenderFixture, type SenderFixture } from '../test/sender-test-fixture';

let f: SenderFixture;
beforeEach(async () => {
  f = await createSenderFixture(1);
});
afterEach(() => f.close());

test('feedback that arrives while a mail waits suppresses it right before its next attempt', async () => {
  const retrying = f.request('bounced-meanwhile');
  const held = f.request('complained-meanwhile', { notBefore: Date.now() + 6_000 });
  const fine = f.request('fine');
  await f.arm({ kind: '4xx', times: 1, recipient: retrying.recipient.email });
  await f.publish([retrying, held, fine]);
  // The retry comes 6 s after the first failure: time for the feedback to be read.
  await f.startSender({ SENDER_RETRY_INITIAL_MS: '6000', SENDER_RETRY_MAX_MS: '6000' });
  await f.waitForEvents(retrying.mailId, 'MailSendFailed', 1);
  await f.waitForEvents(fine.mailId, 'MailSent', 1);

  await f.publishFeedback([
    {
      eventType: 'MailBounced',
      payload: {
        mailId: 'order-confirmation:an-earlier-mail',
        bounceType: 'HARD',
        diagnostic: '550 5.1.1 user unknown',
        bouncedAt: Date.now(),
        recipient: retrying.recipient.email.toUpperCase(),
        status: '5.1.1',
        source: 'dsn',
      },
    },
    {
      eventType: 'MailComplained',
      payload: {
        mailId: 'order-confirmation:another-earlier-mail',
        recipient: held.recipient.email,
        feedbackType: 'abuse',
        source: 'webhook:mailgun',
        complainedAt: Date.now(),
      },
    },
  ]);
  await waitForGroupAtEnd(f.group, [f.topics.mailEvents.name]);

  const [bounced] = await f.waitForEvents(retrying.mailId, 'MailSuppressed', 1);
  const [complained] = await f.waitForEvents(held.mailId, 'MailSuppressed', 1);
  expect(await f.payloadOf(bounced!)).toMatchObject({
    mailId: retrying.mailId,
    customerId: 'c-1',
    templateId: 'order-confirmation',
    reason: expect.stringMatching(
      /after a permanent bounce \(5\.1\.1, dsn\) .* for mail order-confirmation:an-earlier-mail$/,
    ),
  });
  expect(await f.payloadOf(complained!)).toMatchObject({
    reason: expect.stringMatching(/after a spam complaint/),
  });
  for (const mail of [retrying, held])
    expect(await sinkMessages({ messageId: messageIdFor(mail.mailId, f.domain) })).toEqual([]);
  expect(await sinkMessages({ messageId: messageIdFor(fine.mailId, f.domain) })).toHaveLength(1);
  const states = await f.db
    .collection('sender_mails')
    .find({ _id: { $in: [retrying.mailId, held.mailId] } as never })
    .toArray();
  expect(states.map((s) => s['status'])).toEqual(['suppressed', 'suppressed']);
  // Final: nothing more is recorded for them (everything the sender wrote is published and read).
  await waitFor('the outbox published', async () =>
    (await unpublishedCount(f.db)) === 0 ? true : undefined,
  );
  await f.events.waitForEnd();
  expect(f.eventsFor(retrying.mailId).map((e) => e.eventType)).toEqual(['MailSendFailed', 'MailSuppressed']);
  expect(f.eventsFor(held.mailId).map((e) => e.eventType)).toEqual(['MailSuppressed']);
});

test('an unsubscribe that arrives while mails are held stops the held mail of its category; the transactional one to the same address goes', async () => {
  const notBefore = Date.now() + 6_000;
  const notice = f.request('unsubscribed-meanwhile', { notBefore, category: 'shipping-updates' });
  const confirmation = f.request('confirmation-same-address', {
    notBefore,
    recipient: notice.recipient,
  });
  await f.publish([notice, confirmation]);
  await f.startSender();
  await f.publishFeedback([
    {
      eventType: 'MailUnsubscribed',
      payload: {
        mailId: 'shipping-notice:an-earlier-mail',
        customerId: notice.recipient.customerId,
        recipient: notice.recipient.email.toLowerCase(),
        category: 'shipping-updates',
        source: 'one-click',
        unsubscribedAt: Date.now(),
      },
    },
  ]);
  await waitForGroupAtEnd(f.group, [f.topics.mailEvents.name]);
  const [suppressed] = await f.waitForEvents(notice.mailId, 'MailSuppressed', 1);
  expect(await f.payloadOf(suppressed!)).toMatchObject({
    reason: expect.stringMatching(/^the recipient unsubscribed from shipping-updates mail \(one-click\)/),
  });
  await f.waitForEvents(confirmation.mailId, 'MailSent', 1);
  expect(await sinkMessages({ messageId: messageIdFor(notice.mailId, f.domain) })).toEqual([]);
  expect(await sinkMessages({ messageId: messageIdFor(confirmation.mailId, f.domain) })).toHaveLength(1);
});
