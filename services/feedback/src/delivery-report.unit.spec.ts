import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDeliveryReport } from './domain/delivery-report';
import { decide } from './domain/feedback-decision';
import type { Notification } from './domain/notification';

const DOMAIN = 'feedback.test';
const at = new Date('2026-12-07T08:00:05Z');
const eml = (name: string) => readFileSync(path.join(__dirname, '..', 'test', 'fixtures', name), 'utf8');
const notifications = (name: string, rcpt: string): readonly Notification[] => {
  const parsed = parseDeliveryReport(eml(name), rcpt, DOMAIN, at);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.notifications;
};

test("Postfix's report of an unknown local user (recorded from Debian's postfix 3.7 here) is a hard bounce of the mail it quotes", () => {
  const [n] = notifications('postfix-unknown-user.eml', 'bounces+order-confirmation=3ao-1@feedback.test');
  expect(n).toMatchObject({
    provider: 'dsn',
    kind: 'bounced',
    bounceType: 'HARD',
    status: '5.1.1',
    recipient: 'no-such-user@mta.test',
    diagnostic: 'unknown user: "no-such-user"',
    eventId: '<20261207081817.9D702984743@mta.test>:no-such-user@mta.test',
  });
  expect(decide(n!, DOMAIN)).toMatchObject({
    outcome: 'event',
    event: {
      type: 'MailBounced',
      payload: { mailId: 'order-confirmation:o-1', source: 'dsn', status: '5.1.1' },
    },
  });
});

test('a base64 delivery-status part with folded fields, and only the headers quoted: the VERP address and the quoted Message-ID name the mail', () => {
  const [n] = notifications('base64-report-headers-only.eml', 'bounces+shipping-notice=3ao-77@feedback.test');
  expect(n).toMatchObject({
    kind: 'bounced',
    status: '5.1.1',
    recipient: 'gone.user@gmail.example',
    messageId: '<shipping-notice=3ao-77@feedback.test>',
  });
  expect(n!.diagnostic).toMatch(/^550-5\.1\.1 The email account that you tried to reach does not exist\./);
  expect(decide(n!, DOMAIN).mailId).toBe('shipping-notice:o-77');
  // Without the VERP address, the quoted Message-ID still names it.
  const [alone] = notifications('base64-report-headers-only.eml', 'postmaster@feedback.test');
  expect(decide(alone!, DOMAIN).mailId).toBe('shipping-notice:o-77');
});

test('a report with a soft failure and a delay: the failure after retries is a soft bounce, the delay is no outcome', () => {
  const [full, slow] = notifications(
    'delayed-and-failed.eml',
    'bounces+order-confirmation=3ao-88@feedback.test',
  );
  expect(decide(full!, DOMAIN)).toMatchObject({
    mailId: 'order-confirmation:o-88',
    outcome: 'event',
    event: { payload: { bounceType: 'SOFT', status: '4.2.2', recipient: 'full@exchange.example' } },
  });
  expect(decide(slow!, DOMAIN)).toMatchObject({ outcome: 'ignored', event: null });
  expect(full!.eventId).not.toBe(slow!.eventId);
});

test('a message that is not a report (an auto-reply) is refused with the reason', () => {
  expect(parseDeliveryReport(eml('auto-reply.eml'), 'bounces+x@feedback.test', DOMAIN, at)).toEqual({
    ok: false,
    problem: 'no message/delivery-status part: not an RFC 3464 report',
  });
});
