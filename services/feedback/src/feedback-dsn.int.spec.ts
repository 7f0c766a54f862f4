// Bounce reports no one here wrote: Debian's Postfix, as a real MTA, is handed a mail for a user it does
// not have, writes its RFC 3464 report and sends it to the mail's VERP return path, which it relays to the
// feedback service's SMTP listener; the mail's MailBounced comes out on mail.events. The listener refuses
// other recipients and drops what is not a report.
import nodemailer from 'nodemailer';
import { MAIL_ID_HEADER, messageIdFor, verpAddressFor } from '@mailfleet/contracts';
import { armSinkFault, startPostfix, uniqueName, waitFor, type PostfixInstance } from '@mailfleet/testing';
import { stackEndpoints } from '@mailfleet/config';
import { NOTIFICATIONS } from './adapters/notification-store';
import {
  DOMAIN,
  MAILFLEET_KEY,
  counter,
  createFeedbackFixture,
  type FeedbackFixture,
} from '../test/feedback-test-fixture';

const BOUNCE_DOMAIN = 'bounces.feedback.test';
let f: FeedbackFixture;
let postfix: PostfixInstance;
beforeAll(async () => {
  f = await createFeedbackFixture(() => ({ FEEDBACK_BOUNCE_DOMAIN: BOUNCE_DOMAIN }));
  postfix = await startPostfix({ relayDomain: BOUNCE_DOMAIN, relayPort: f.smtpPort });
}, 120_000);
afterAll(async () => {
  await postfix?.stop();
  await f?.close();
});

test("Postfix's own report of an unknown user becomes the mail's MailBounced, once", async () => {
  const mailId = 'order-confirmation:o-postfix-1';
  const mta = nodemailer.createTransport({
    host: '127.0.0.1',
    port: postfix.port,
    secure: false,
    ignoreTLS: true,
  });
  await mta.sendMail({
    envelope: { from: verpAddressFor(mailId, BOUNCE_DOMAIN), to: `no-such-user@${postfix.localDomain}` },
    from: 'shop@feedback.test',
    to: `no-such-user@${postfix.localDomain}`,
    subject: 'Your order',
    text: 'Thank you.',
    messageId: messageIdFor(mailId, DOMAIN),
    headers: { [MAIL_ID_HEADER]: encodeURIComponent(mailId) },
  });
  const [bounced] = await waitFor(
    'the MailBounced of the report',
    async () => {
      const found = f.events.records.filter((r) => r.key === mailId && r.eventType === 'MailBounced');
      return found.length > 0 ? found : undefined;
    },
    60_000,
  );
  expect(await f.payloadOf(bounced!)).toMatchObject({
    mailId,
    bounceType: 'HARD',
    status: '5.1.1',
    recipient: `no-such-user@${postfix.localDomain}`,
    source: 'dsn',
    diagnostic: expect.stringContaining('unknown user'),
  });
  await f.waitForEverythingPublished();
  expect(f.events.records.filter((r) => r.key === mailId).map((r) => r.eventType)).toEqual(['MailBounced']);
  expect(
    await f.db.collection(NOTIFICATIONS).countDocuments({ 'notification.provider': 'dsn', mailId }),
  ).toBe(1);
});

test('the listener takes reports for bounce addresses only, and drops what is not a report', async () => {
  const direct = nodemailer.createTransport({
    host: '127.0.0.1',
    port: f.smtpPort,
    secure: false,
    ignoreTLS: true,
  });
  await expect(
    direct.sendMail({
      envelope: { from: '', to: 'postmaster@example.test' },
      raw: 'Subject: hi\r\n\r\nhello\r\n',
    }),
  ).rejects.toMatchObject({ responseCode: 550 });
  const before = counter(await f.metrics(), 'feedback_dsn_messages_total', { result: 'not-a-report' });
  await direct.sendMail({
    envelope: { from: '', to: verpAddressFor('order-confirmation:o-ooo', BOUNCE_DOMAIN) },
    raw: 'From: someone@example.test\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\nAway.\r\n',
  });
  expect(counter(await f.metrics(), 'feedback_dsn_messages_total', { result: 'not-a-report' })).toBe(
    before + 1,
  );
  expect(await f.db.collection(NOTIFICATIONS).countDocuments({ mailId: 'order-confirmation:o-ooo' })).toBe(0);
});

test("the dev SMTP sink's bounce rule reports by DSN and its complaint rule by webhook: the loop runs without a real MTA", async () => {
  const run = uniqueName('loop');
  const bounced = { mailId: `order-confirmation:${run}-b`, to: `${run}-bounce@example.test` };
  const complained = { mailId: `order-confirmation:${run}-c`, to: `${run}-complaint@example.test` };
  await armSinkFault({
    kind: 'bounce',
    recipient: bounced.to,
    enhanced: '5.1.1',
    dsn: { host: '127.0.0.1', port: f.smtpPort },
  });
  await armSinkFault({
    kind: 'complaint',
    recipient: complained.to,
    webhook: { url: f.url('/webhooks/mailfleet'), key: MAILFLEET_KEY },
  });
  const { smtp } = stackEndpoints();
  const sink = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: false,
    ignoreTLS: true,
  });
  for (const m of [bounced, complained])
    await sink.sendMail({
      envelope: { from: verpAddressFor(m.mailId, BOUNCE_DOMAIN), to: m.to },
      from: 'shop@feedback.test',
      to: m.to,
      subject: 'Your order',
      text: 'Thank you.',
      messageId: messageIdFor(m.mailId, DOMAIN),
    });
  const eventOf = (mailId: string, type: string) =>
    waitFor(`${type} of ${mailId}`, async () =>
      f.events.records.find((r) => r.key === mailId && r.eventType === type),
    );
  expect(await f.payloadOf(await eventOf(bounced.mailId, 'MailBounced'))).toMatchObject({
    bounceType: 'HARD',
    status: '5.1.1',
    recipient: bounced.to,
    source: 'dsn',
  });
  expect(await f.payloadOf(await eventOf(complained.mailId, 'MailComplained'))).toMatchObject({
    recipient: complained.to,
    feedbackType: 'abuse',
    source: 'webhook:mailfleet',
  });
});
