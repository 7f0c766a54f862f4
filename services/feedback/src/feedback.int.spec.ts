// The feedback service as a real process against the real stack: signed webhooks in, events on mail.events
// through its outbox and relay; refused requests store nothing; a notification is stored once however
// often (and however concurrently) it arrives.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NOTIFICATIONS } from './adapters/notification-store';
import {
  UNSUBSCRIBE_KEY,
  counter,
  createFeedbackFixture,
  type FeedbackFixture,
} from '../test/feedback-test-fixture';
import { sealUnsubscribeToken } from '@mailfleet/suppression';
import { collectionsFor } from '@mailfleet/outbox';
import { signMailgunWebhook } from '@mailfleet/webhooks';

let f: FeedbackFixture;
beforeAll(async () => {
  f = await createFeedbackFixture();
}, 120_000);
afterAll(() => f?.close());

const fixture = (name: string): string =>
  readFileSync(path.join(__dirname, '..', 'test', 'fixtures', name), 'utf8');
const stored = (filter: object = {}) => f.db.collection(NOTIFICATIONS).countDocuments(filter);
const outboxed = () => f.db.collection(collectionsFor().records).countDocuments();
const typesOf = (mailId: string) =>
  f.events.records.filter((r) => r.key === mailId).map((r) => `${r.eventType}:${r.eventId}`);

test('a webhook with a bad signature is answered 401 and nothing is stored', async () => {
  const body = JSON.stringify({
    id: 'forged-1',
    type: 'bounced',
    mailId: 'order-confirmation:o-forged',
    bounceType: 'HARD',
  });
  const signed = f.mailfleetHeaders(body);
  const tampered = body.replace('HARD', 'SOFT');
  expect((await f.post('/webhooks/mailfleet', tampered, signed)).status).toBe(401);
  expect((await f.post('/webhooks/mailfleet', body)).status).toBe(401);
  const mailgun = JSON.parse(fixture('mailgun-failed-permanent.json')) as Record<string, unknown>;
  const forgedMailgun = JSON.stringify({
    ...mailgun,
    signature: {
      timestamp: String(Math.floor(Date.now() / 1000)),
      token: 't',
      signature: signMailgunWebhook('wrong-key', '1', 't'),
    },
  });
  expect(await f.post('/webhooks/mailgun', forgedMailgun)).toEqual({
    status: 401,
    body: { error: 'bad-signature' },
  });
  // A Mailgun request signed long ago (a captured one, replayed) is refused too.
  expect((await f.post('/webhooks/mailgun', fixture('mailgun-failed-permanent.json'))).body).toEqual({
    error: 'stale-timestamp',
  });
  const sendGrid = fixture('sendgrid-events.json');
  expect((await f.post('/webhooks/sendgrid', sendGrid, f.sendGridHeaders(sendGrid + ' '))).status).toBe(401);
  expect(await stored({ _id: /^mailfleet:forged/ })).toBe(0);
  expect(await stored({ 'notification.provider': { $in: ['mailgun', 'sendgrid'] } })).toBe(0);
  const metrics = await f.metrics();
  expect(counter(metrics, 'feedback_webhook_requests_total', { provider: 'mailfleet', status: '401' })).toBe(
    2,
  );
  expect(counter(metrics, 'feedback_webhook_requests_total', { provider: 'mailgun', status: '401' })).toBe(2);
});

test('the same webhook three times, and five times at once, is one event', async () => {
  const body = JSON.stringify({
    id: 'evt-three-times',
    type: 'bounced',
    mailId: 'order-confirmation:o-3x',
    bounceType: 'HARD',
    status: '5.1.1',
    recipient: 'Gone@Example.test',
    diagnostic: '550 5.1.1 user unknown',
  });
  for (let i = 0; i < 3; i += 1) {
    expect((await f.post('/webhooks/mailfleet', body, f.mailfleetHeaders(body))).status).toBe(200);
  }
  const once = JSON.stringify({
    id: 'evt-at-once',
    type: 'delivered',
    messageId: '<order-confirmation=3ao-5x@mail.example.test>',
  });
  const answers = await Promise.all(
    Array.from({ length: 5 }, () => f.post('/webhooks/mailfleet', once, f.mailfleetHeaders(once))),
  );
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  expect(answers.filter((a) => (a.body as { new: number }).new === 1)).toHaveLength(1);

  await f.waitForEverythingPublished();
  expect(typesOf('order-confirmation:o-3x')).toEqual([expect.stringMatching(/^MailBounced:/)]);
  expect(typesOf('order-confirmation:o-5x')).toEqual([expect.stringMatching(/^MailDelivered:/)]);
  expect(await stored({ _id: { $in: ['mailfleet:evt-three-times', 'mailfleet:evt-at-once'] } })).toBe(2);
  const metrics = await f.metrics();
  expect(
    counter(metrics, 'feedback_notifications_total', { provider: 'mailfleet', outcome: 'duplicate' }),
  ).toBe(6);
});

test("Mailgun's and SendGrid's signed webhooks become events of the mails their Message-IDs name; unknown mails are stored and counted", async () => {
  const mailgun = JSON.parse(fixture('mailgun-failed-permanent.json')) as Record<string, unknown>;
  expect((await f.post('/webhooks/mailgun', f.signedMailgunBody(mailgun))).status).toBe(200);
  const sendGrid = fixture('sendgrid-events.json');
  expect(await f.post('/webhooks/sendgrid', sendGrid, f.sendGridHeaders(sendGrid))).toEqual({
    status: 200,
    body: { received: 5, new: 5 },
  });
  await f.waitForEverythingPublished();
  const only = (mailId: string) => typesOf(mailId).map((t) => t.split(':')[0]);
  expect(only('order-confirmation:o-1001')).toEqual(['MailBounced']);
  expect(only('order-confirmation:o-1002')).toEqual(['MailDelivered']);
  expect(only('order-confirmation:o-1003')).toEqual(['MailBounced']);
  expect(only('order-confirmation:o-1004')).toEqual(['MailBounced']);
  // The deferral is stored but is no outcome; the spam report names no mail of ours.
  expect(only('order-confirmation:o-1005')).toEqual([]);
  expect(await stored({ 'notification.provider': 'sendgrid' })).toBe(5);
  expect(await stored({ outcome: 'unknown-mail' })).toBe(1);
  // The address and the servers' words went into the events; the stored notifications keep neither
  // (they could not be erased: a notification does not say whose it is).
  expect(await stored({ 'notification.recipient': { $ne: null } })).toBe(0);
  expect(await stored({ 'notification.diagnostic': { $ne: null } })).toBe(0);
  expect(await stored({ 'notification.provider': { $in: ['mailgun', 'sendgrid'] } })).toBe(6);
  const metrics = await f.metrics();
  expect(
    counter(metrics, 'feedback_notifications_total', { provider: 'sendgrid', outcome: 'unknown-mail' }),
  ).toBe(1);
  expect(counter(metrics, 'feedback_notifications_total', { provider: 'sendgrid', outcome: 'ignored' })).toBe(
    1,
  );
  expect(counter(metrics, 'feedback_notifications_total', { provider: 'sendgrid', outcome: 'event' })).toBe(
    3,
  );
  // Each event on the topic has its outbox record, and no more: nothing was published twice over.
  expect(await outboxed()).toBe(new Set(f.events.records.map((r) => r.eventId)).size);
});

test('a signed body that is not a notification is answered 400 with the reason, and stored nothing', async () => {
  const body = JSON.stringify({ id: 'evt-bad', type: 'bounced' });
  const answer = await f.post('/webhooks/mailfleet', body, f.mailfleetHeaders(body));
  expect(answer.status).toBe(400);
  expect((answer.body as { problem: string }).problem).toMatch(/name the mail/);
  expect(await stored({ _id: 'mailfleet:evt-bad' })).toBe(0);
});

test('one-click unsubscribe (RFC 8058): GET only shows a form, a forged link is refused, the POST records one MailUnsubscribed however often it comes', async () => {
  const claim = {
    mailId: 'shipping-notice:o-unsub',
    customerId: 'c-unsub',
    recipient: 'Una@Example.test',
    category: 'shipping-updates',
  };
  const link = f.url(`/unsubscribe/${sealUnsubscribeToken(claim, [UNSUBSCRIBE_KEY])}`);
  const oneClick = { 'content-type': 'application/x-www-form-urlencoded' };
  // A link scanner fetching the URL unsubscribes no one.
  const shown = await fetch(link);
  expect(shown.status).toBe(200);
  expect(await shown.text()).toMatch(/<form method="post">.*name="List-Unsubscribe" value="One-Click"/);
  // A token sealed with another key, or altered, opens to nothing.
  const forged = sealUnsubscribeToken(claim, ['another-key-that-is-at-least-32-bytes-long']);
  for (const token of [forged, `${link.split('/').pop()!.slice(0, -2)}AA`]) {
    const r = await fetch(f.url(`/unsubscribe/${token}`), {
      method: 'POST',
      headers: oneClick,
      body: 'List-Unsubscribe=One-Click',
    });
    expect(r.status).toBe(404);
  }
  // A POST that is not the one-click request is refused with what is expected.
  const wrong = await fetch(link, { method: 'POST', headers: oneClick, body: 'unsubscribe=yes' });
  expect(wrong.status).toBe(400);
  expect(await wrong.text()).toContain('List-Unsubscribe=One-Click');
  expect(await stored({ 'notification.provider': 'one-click' })).toBe(0);

  // The provider's button (urlencoded), the form again, and a multipart body: one notification, one event.
  const multipart = new FormData();
  multipart.set('List-Unsubscribe', 'One-Click');
  for (const init of [
    { method: 'POST', headers: oneClick, body: 'List-Unsubscribe=One-Click' },
    { method: 'POST', headers: oneClick, body: 'List-Unsubscribe=One-Click' },
    { method: 'POST', body: multipart },
  ]) {
    const r = await fetch(link, init);
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('You are unsubscribed');
  }
  expect(await stored({ 'notification.provider': 'one-click' })).toBe(1);
  await f.waitForEverythingPublished();
  const records = f.events.records.filter((r) => r.key === claim.mailId);
  expect(records.map((r) => r.eventType)).toEqual(['MailUnsubscribed']);
  expect(await f.payloadOf(records[0]!)).toMatchObject({
    mailId: claim.mailId,
    customerId: 'c-unsub',
    recipient: 'una@example.test',
    category: 'shipping-updates',
    source: 'one-click',
  });
});
