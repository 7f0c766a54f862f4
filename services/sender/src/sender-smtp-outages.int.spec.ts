// Real servers stay sick for minutes: greylisting one recipient for 10 minutes, 421 for everything for 5,
// a rotated password (535) for 5. The retry schedule is shortened through configuration; the fault
// durations are the real ones (MAILFLEET_OUTAGE_SCALE shortens them too, for a quick local run).
// Afterwards every mail is delivered exactly once, none is dead, and the system-wide faults used no
// attempt of any mail.
import { readFileSync } from 'node:fs';
import { sinkMessages, startPrivateSink, type PrivateSink } from '@mailfleet/testing';
import { messageIdFor } from './domain/mail-state';
import { createSenderFixture, type SenderFixture } from '../test/sender-test-fixture';

const scale = Number(process.env['MAILFLEET_OUTAGE_SCALE'] ?? 1);
const MINUTE = 60_000 * scale;
jest.setTimeout(10 * MINUTE + 6 * 60_000);

// A day's schedule shortened: first retry after ~5 s, then doubling up to a minute, for 30 minutes.
const SHORT_SCHEDULE = {
  SENDER_RETRY_INITIAL_MS: '5000',
  SENDER_RETRY_MAX_MS: '60000',
  SENDER_MAX_RETRY_AGE_MS: String(30 * 60_000),
  SENDER_BREAKER_COOLDOWN_MS: '5000',
};

const fixtures: SenderFixture[] = [];
const sinks: PrivateSink[] = [];
afterAll(async () => {
  for (const f of fixtures) await f.close();
  for (const s of sinks) await s.stop();
});

async function scenario(name: string, sink?: PrivateSink, env: Record<string, string> = {}) {
  const f = await createSenderFixture(1);
  fixtures.push(f);
  const requests = [0, 1, 2].map((i) => f.request(`${name}-${i}`));
  return {
    f,
    requests,
    sink,
    start: () =>
      f.startSender({ ...SHORT_SCHEDULE, ...(sink ? { SMTP_PORT: String(sink.smtpPort) } : {}), ...env }),
  };
}

test('451 for one recipient for 10 min, 421 for everything for 5 min, 535 for 5 min: all delivered once, none dead, no attempts charged for the system-wide ones', async () => {
  const greylist = await scenario('greylisted');
  const grey = greylist.requests[0]!;
  await greylist.f.arm({
    kind: 'reply',
    stage: 'rcpt',
    code: 451,
    enhanced: '4.7.1',
    durationMs: 10 * MINUTE,
    recipient: grey.recipient.email,
  });

  const unavailableSink = await startPrivateSink();
  sinks.push(unavailableSink);
  await unavailableSink.arm({ kind: 'reply', stage: 'connect', code: 421, durationMs: 5 * MINUTE });
  const unavailable = await scenario('unavailable', unavailableSink);

  const authSink = await startPrivateSink();
  sinks.push(authSink);
  await authSink.arm({ kind: 'reply', stage: 'auth', code: 535, enhanced: '5.7.8', durationMs: 5 * MINUTE });
  const rotated = await scenario('rotated', authSink, {
    SMTP_USER: 'mailfleet',
    SMTP_PASSWORD: 'not-a-real-secret',
  });

  const all = [greylist, unavailable, rotated];
  const senders = [];
  for (const s of all) {
    await s.f.publish(s.requests);
    senders.push(await s.start());
  }
  for (const s of all)
    for (const r of s.requests) await s.f.waitForEvents(r.mailId, 'MailSent', 1, 10 * MINUTE + 4 * 60_000);
  for (const sender of senders) expect(await sender.stop()).toBe(0);

  for (const s of all) {
    const messages = (messageId: string) =>
      s.sink ? s.sink.messages({ messageId }) : sinkMessages({ messageId });
    for (const r of s.requests) {
      expect(await messages(messageIdFor(r.mailId, s.f.domain))).toHaveLength(1);
      expect(s.f.eventsFor(r.mailId, 'MailSent')).toHaveLength(1);
      expect(s.f.eventsFor(r.mailId, 'MailDeadLettered')).toEqual([]);
    }
  }
  // Greylisting is the mail's own trouble: its attempts are charged, each failure retryable.
  const greyFailures = await Promise.all(
    greylist.f.eventsFor(grey.mailId, 'MailSendFailed').map((e) => greylist.f.payloadOf(e)),
  );
  expect(greyFailures.length).toBeGreaterThanOrEqual(2);
  for (const failure of greyFailures)
    expect(failure).toMatchObject({ errorClass: 'recipient-transient', retryable: true });
  // 421 and 535 are the path's trouble: no event, no attempt used, and the breaker said why.
  for (const [s, sender] of [
    [unavailable, senders[1]!],
    [rotated, senders[2]!],
  ] as const) {
    for (const r of s.requests) {
      expect(s.f.eventsFor(r.mailId, 'MailSendFailed')).toEqual([]);
      expect(await s.f.db.collection('sender_mails').findOne({ _id: r.mailId as never })).toMatchObject({
        status: 'sent',
        attempt: 1,
        history: [],
      });
    }
    expect(readFileSync(sender.logFile, 'utf8')).toContain(
      'SMTP path unavailable; circuit breaker open, no attempts charged',
    );
  }
});
