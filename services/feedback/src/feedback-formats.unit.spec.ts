import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decide } from './domain/feedback-decision';
import { parseMailfleetBody } from './domain/mailfleet-format';
import { parseMailgunBody } from './domain/mailgun-format';
import { enhancedStatusIn, type Notification } from './domain/notification';
import { parseSendGridBody } from './domain/sendgrid-format';

const DOMAIN = 'mail.example.test';
const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(path.join(__dirname, '..', 'test', 'fixtures', name), 'utf8'));
const notificationsOf = (parsed: ReturnType<typeof parseMailgunBody>): readonly Notification[] => {
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.notifications;
};

describe('Mailgun', () => {
  test('a permanent failure is a hard bounce of the mail our Message-ID names', () => {
    const [n] = notificationsOf(parseMailgunBody(fixture('mailgun-failed-permanent.json')));
    expect(n).toMatchObject({
      provider: 'mailgun',
      eventId: 'G9Bn5sl1TC6nu79C8C0bwg@1521233195.375624',
      kind: 'bounced',
      bounceType: 'HARD',
      status: '5.1.1',
      recipient: 'alice@example.com',
      occurredAt: 1521233195376,
    });
    expect(decide(n!, DOMAIN)).toMatchObject({
      outcome: 'event',
      mailId: 'order-confirmation:o-1001',
      event: {
        type: 'MailBounced',
        payload: {
          mailId: 'order-confirmation:o-1001',
          bounceType: 'HARD',
          status: '5.1.1',
          recipient: 'alice@example.com',
          source: 'webhook:mailgun',
          diagnostic: '550 5.1.1 The email account that you tried to reach does not exist.',
        },
      },
    });
  });

  test('a temporary failure (Mailgun keeps trying) is stored but is no bounce', () => {
    const body = fixture('mailgun-failed-permanent.json') as { 'event-data': Record<string, unknown> };
    body['event-data'].severity = 'temporary';
    const [n] = notificationsOf(parseMailgunBody(body));
    expect(decide(n!, DOMAIN)).toMatchObject({ outcome: 'ignored', event: null });
  });

  test('our mailId in a custom variable wins over a Message-ID of another domain', () => {
    const body = fixture('mailgun-failed-permanent.json') as { 'event-data': Record<string, unknown> };
    body['event-data'].event = 'complained';
    body['event-data']['user-variables'] = { 'mailfleet-mail-id': 'shipping-notice%3Ao-7' };
    (body['event-data'].message as { headers: Record<string, string> }).headers['message-id'] =
      '20260203192638.000be97f99f8cea1@sample.mailgun.com';
    const [n] = notificationsOf(parseMailgunBody(body));
    expect(decide(n!, DOMAIN).event).toMatchObject({
      type: 'MailComplained',
      payload: { mailId: 'shipping-notice:o-7', feedbackType: 'abuse', recipient: 'alice@example.com' },
    });
  });

  test('a body without event-data is refused with the reason', () => {
    expect(parseMailgunBody({ signature: {} })).toEqual({ ok: false, problem: 'no "event-data" object' });
  });
});

describe('SendGrid', () => {
  const decisions = () =>
    notificationsOf(parseSendGridBody(fixture('sendgrid-events.json'))).map((n) => decide(n, DOMAIN));

  test('delivered, bounced and blocked name their mails; a spam report of a foreign Message-ID names none; a deferral is no outcome', () => {
    expect(
      decisions().map((d) => [d.notification.providerEvent, d.outcome, d.mailId, d.event?.type ?? null]),
    ).toEqual([
      ['delivered', 'event', 'order-confirmation:o-1002', 'MailDelivered'],
      ['bounce', 'event', 'order-confirmation:o-1003', 'MailBounced'],
      ['bounce', 'event', 'order-confirmation:o-1004', 'MailBounced'],
      ['spamreport', 'unknown-mail', null, null],
      ['deferred', 'ignored', 'order-confirmation:o-1005', null],
    ]);
  });

  test('a bounce is hard, a block is soft; both keep the status code and the reason', () => {
    const [, bounce, block] = decisions();
    expect(bounce!.event?.payload).toMatchObject({
      bounceType: 'HARD',
      status: '5.0.0',
      diagnostic: '500 unknown recipient',
    });
    expect(block!.event?.payload).toMatchObject({ bounceType: 'SOFT', status: '5.7.1' });
  });

  test('each event is its own notification, keyed by sg_event_id', () => {
    expect(decisions().map((d) => d.notification.eventId)).toHaveLength(5);
    expect(new Set(decisions().map((d) => d.notification.eventId)).size).toBe(5);
  });

  test('a body that is not an array, or an event without its id, is refused', () => {
    expect(parseSendGridBody({}).ok).toBe(false);
    expect(parseSendGridBody([{ event: 'delivered', timestamp: 1 }])).toEqual({
      ok: false,
      problem: 'event 0 needs sg_event_id, event and a numeric timestamp',
    });
  });
});

describe("mailfleet's own format", () => {
  const now = new Date('2026-12-07T08:00:00Z');

  test('one notification or several; a bounce without bounceType takes it from the status class', () => {
    const parsed = parseMailfleetBody(
      [
        {
          id: 'e1',
          type: 'bounced',
          mailId: 'order-confirmation:o-1',
          status: '4.2.2',
          recipient: 'A@B.test',
        },
        {
          id: 'e2',
          type: 'delivered',
          messageId: '<order-confirmation=3ao-2@mail.example.test>',
          occurredAt: '2026-12-07T07:00:00Z',
        },
      ],
      now,
    );
    const [bounce, delivered] = notificationsOf(parsed);
    expect(bounce).toMatchObject({ bounceType: 'SOFT', recipient: 'a@b.test', occurredAt: now.getTime() });
    expect(decide(delivered!, DOMAIN)).toMatchObject({
      mailId: 'order-confirmation:o-2',
      event: { type: 'MailDelivered', payload: { deliveredAt: Date.parse('2026-12-07T07:00:00Z') } },
    });
  });

  test('an invalid body is refused with what to fix', () => {
    const parsed = parseMailfleetBody({ id: 'e3', type: 'bounced', mailId: 'm', extra: 1 }, now);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem).toMatch(/extra/);
    const unnamed = parseMailfleetBody({ id: 'e4', type: 'delivered' }, now);
    expect(!unnamed.ok && unnamed.problem).toMatch(/name the mail/);
    const noKind = parseMailfleetBody({ id: 'e5', type: 'bounced', mailId: 'm' }, now);
    expect(!noKind.ok && noKind.problem).toMatch(/bounceType/);
  });
});

test('the enhanced status code is found in an SMTP reply, not in a version number or a date', () => {
  expect(enhancedStatusIn('550 5.1.1 <a@b>: Recipient address rejected')).toBe('5.1.1');
  expect(enhancedStatusIn('421 4.7.0 Try again later')).toBe('4.7.0');
  expect(enhancedStatusIn('Postfix 3.5.17 said hello')).toBeNull();
  expect(enhancedStatusIn(null)).toBeNull();
});
