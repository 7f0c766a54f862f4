// Retries without blocking the partition, permanent failures, dead letters, an SMTP outage and invalid
// requests, against the fault-injecting SMTP sink.
import { armSinkFault, sinkMessages, startTcpProxy, waitFor } from '@mailfleet/testing';
import { stackEndpoints } from '@mailfleet/config';
import { messageIdFor } from './domain/mail-state';
import { createSenderFixture, type SenderFixture } from '../test/sender-test-fixture';

let f: SenderFixture;
beforeEach(async () => {
  f = await createSenderFixture(1);
});
afterEach(() => f.close());

test('4xx twice then accepted: delivered once, two retryable MailSendFailed, then MailSent', async () => {
  const request = f.request('four-then-ok');
  await armSinkFault({ kind: '4xx', times: 2, recipient: request.recipient.email });
  await f.publish([request]);
  await f.startSender();
  await f.waitForEvents(request.mailId, 'MailSent', 1);
  const failed = f.eventsFor(request.mailId, 'MailSendFailed');
  expect(failed).toHaveLength(2);
  expect(f.eventsFor(request.mailId).map((e) => e.eventType)).toEqual([
    'MailSendFailed',
    'MailSendFailed',
    'MailSent',
  ]);
  expect(await sinkMessages({ messageId: messageIdFor(request.mailId, f.domain) })).toHaveLength(1);
  const state = await f.db.collection('sender_mails').findOne({ _id: request.mailId as never });
  expect(state).toMatchObject({ status: 'sent', attempt: 3 });
  expect(state?.['history']).toHaveLength(2);
});

test('a slow mail does not hold back the mails behind it in its partition', async () => {
  const slow = f.request('slow');
  const quick = f.request('quick');
  await armSinkFault({ kind: 'slow', delayMs: 6_000, recipient: slow.recipient.email });
  await f.publish([slow, quick]); // one partition: quick is behind slow
  await f.startSender({ SENDER_CONCURRENCY: '4' });
  await f.waitForEvents(slow.mailId, 'MailSent', 1);
  const [slowMail] = await sinkMessages({ to: slow.recipient.email });
  const [quickMail] = await sinkMessages({ to: quick.recipient.email });
  expect(Date.parse(quickMail!.receivedAt)).toBeLessThan(Date.parse(slowMail!.receivedAt));
});

test('5xx fails at once; a mail that keeps failing is dead-lettered with its history after the configured attempts', async () => {
  const rejected = f.request('five');
  const flaky = f.request('always-4xx');
  await armSinkFault({ kind: '5xx', recipient: rejected.recipient.email });
  await armSinkFault({ kind: '4xx', times: 10, recipient: flaky.recipient.email });
  await f.publish([rejected, flaky]);
  await f.startSender({ SENDER_MAX_ATTEMPTS: '3' });

  const [failed] = await f.waitForEvents(rejected.mailId, 'MailSendFailed', 1);
  const dead = await f.waitForEvents(flaky.mailId, 'MailDeadLettered', 1);
  // The flaky mail's three attempts came after the rejected one's only attempt: everything published
  // about either is in by now.
  await f.events.waitForEnd();
  expect(f.eventsFor(rejected.mailId).map((e) => e.eventType)).toEqual(['MailSendFailed']);
  expect(failed?.value).toBeTruthy();
  expect(await f.db.collection('sender_mails').findOne({ _id: rejected.mailId as never })).toMatchObject({
    status: 'failed',
    attempt: 1,
  });
  expect(f.eventsFor(flaky.mailId).map((e) => e.eventType)).toEqual([
    'MailSendFailed',
    'MailSendFailed',
    'MailSendFailed',
    'MailDeadLettered',
  ]);
  expect(dead).toHaveLength(1);
  expect(await f.db.collection('sender_mails').findOne({ _id: flaky.mailId as never })).toMatchObject({
    status: 'dead',
    attempt: 3,
  });
  expect(await sinkMessages({ to: flaky.recipient.email })).toHaveLength(0);
});

test('SMTP down for a while: requests are accepted, the breaker opens, and everything is sent when it returns', async () => {
  const { smtp } = stackEndpoints();
  const proxy = await startTcpProxy(smtp.host, smtp.port);
  try {
    proxy.cut();
    const sender = await f.startSender({
      SMTP_PORT: String(proxy.port),
      SENDER_BREAKER_COOLDOWN_MS: '1000',
      SENDER_MAX_ATTEMPTS: '2',
    });
    const requests = Array.from({ length: 5 }, (_, i) => f.request(`outage-${i}`));
    await f.publish(requests);
    await waitFor('the requests to be recorded while SMTP is down', async () =>
      (await f.db.collection('sender_mails').countDocuments({})) === 5 ? true : undefined,
    );
    const failedAttempts = async () => {
      const metrics = await (await fetch(`${f.opsUrl(sender)}/metrics`)).text();
      const counts = [...metrics.matchAll(/^sender_send_failures_total\{[^}]*\} (\d+)$/gm)];
      return counts.reduce((sum, m) => sum + Number(m[1]), 0);
    };
    await waitFor('the circuit breaker to open', async () => {
      const metrics = await (await fetch(`${f.opsUrl(sender)}/metrics`)).text();
      return /^sender_smtp_circuit_open\{[^}]*\} 1$/m.test(metrics) ? true : undefined;
    });
    // Three more failed probes while the breaker cycles through the outage: had they used up attempts
    // (two per mail here), mails would be dead by the time SMTP is back.
    const atOpen = await failedAttempts();
    await waitFor('three failed probes during the outage', async () =>
      (await failedAttempts()) >= atOpen + 3 ? true : undefined,
    );
    proxy.restore();
    for (const r of requests) await f.waitForEvents(r.mailId, 'MailSent', 1);
    // An outage is not the mails' fault: no attempt was used up, nothing was dead-lettered.
    expect(f.events.records.filter((e) => e.eventType !== 'MailSent')).toEqual([]);
    for (const r of requests)
      expect(await sinkMessages({ messageId: messageIdFor(r.mailId, f.domain) })).toHaveLength(1);
  } finally {
    await proxy.close();
  }
});

test('invalid requests fail at once, not retryable, with a reason a person can act on', async () => {
  const cases = [
    [f.request('unknown-template', { templateId: 'newsletter' }), "unknown template 'newsletter'"],
    [f.request('unknown-version', { templateVersion: 9 }), "template 'order-confirmation' has no version 9"],
    [
      f.request('missing-data', { templateData: JSON.stringify({ orderId: 'x' }) }),
      'is missing: currency, lines, totalMinor',
    ],
    [
      f.request('bad-address', { recipient: { customerId: 'c', email: 'not-an-address', name: null } }),
      'malformed recipient address "not-an-address"',
    ],
  ] as const;
  await f.publish(cases.map(([r]) => r));
  await f.startSender();
  for (const [request, reason] of cases) {
    const [event] = await f.waitForEvents(request.mailId, 'MailSendFailed', 1);
    expect(event?.headers['event-type']).toBe('MailSendFailed');
    const state = await f.db.collection('sender_mails').findOne({ _id: request.mailId as never });
    expect(state).toMatchObject({ status: 'failed', history: [{ errorClass: 'invalid-request' }] });
    expect(String((state?.['history'] as { errorMessage: string }[])[0]?.errorMessage)).toContain(reason);
  }
});
