// Delivery semantics against servers that are slow, drop the connection after the final dot, or get data
// that can never be sent — with the sender as real processes and the fault-injecting sink over TCP.
import { sinkMessages } from '@mailfleet/testing';
import { messageIdFor } from './domain/mail-state';
import { createSenderFixture, type SenderFixture } from '../test/sender-test-fixture';

let f: SenderFixture;
beforeEach(async () => {
  f = await createSenderFixture(1);
});
afterEach(() => f.close());

const state = (mailId: string) => f.db.collection('sender_mails').findOne({ _id: mailId as never });

test('a relay slower than SMTP_TIMEOUT_MS but within the RFC 5321 DATA timeout gets exactly one copy, three times over, with two senders', async () => {
  const requests = [0, 1, 2].map((i) => f.request(`slow-${i}`));
  for (const r of requests) await f.arm({ kind: 'slow', delayMs: 8_000, recipient: r.recipient.email });
  await f.publish(requests);
  // Claims older than 3 s would count as abandoned: only the renewal of a live attempt's claim keeps the
  // second sender from taking the slow attempts over.
  const env = {
    SMTP_TIMEOUT_MS: '3000',
    SENDER_SENDING_GRACE_MS: '3000',
    SENDER_AMBIGUOUS_RETRY_AFTER_MS: '1000',
  };
  const senders = [await f.startSender(env), await f.startSender(env)];
  for (const r of requests) await f.waitForEvents(r.mailId, 'MailSent', 1, 90_000);
  // A graceful stop lets every attempt still under way finish: nothing can arrive after this.
  for (const s of senders) expect(await s.stop()).toBe(0);
  for (const r of requests) {
    expect(await sinkMessages({ messageId: messageIdFor(r.mailId, f.domain) })).toHaveLength(1);
    expect(f.eventsFor(r.mailId).map((e) => e.eventType)).toEqual(['MailSent']);
    expect(await state(r.mailId)).toMatchObject({ status: 'sent', attempt: 1, history: [] });
  }
});

test('a connection dropped after the final dot is ambiguous: no resend before the delay, then one copy more with the same Message-ID', async () => {
  const request = f.request('dropped-after-dot');
  const messageId = messageIdFor(request.mailId, f.domain);
  await f.arm({ kind: 'drop-after-dot', recipient: request.recipient.email });
  await f.publish([request]);
  const sender = await f.startSender({ SENDER_AMBIGUOUS_RETRY_AFTER_MS: '6000' });

  const [ambiguous] = await f.waitForEvents(request.mailId, 'MailSendFailed', 1);
  const failure = await f.payloadOf(ambiguous!);
  expect(failure).toMatchObject({ errorClass: 'ambiguous', retryable: true, attempt: 1 });
  expect(Number(failure['nextAttemptAt']) - Number(failure['failedAt'])).toBe(6000);
  expect(await state(request.mailId)).toMatchObject({ status: 'retrying', ambiguousResends: 1 });

  await f.waitForEvents(request.mailId, 'MailSent', 1);
  expect(await sender.stop()).toBe(0);
  const copies = await sinkMessages({ messageId });
  expect(copies).toHaveLength(2);
  expect(Date.parse(copies[1]!.receivedAt) - Date.parse(copies[0]!.receivedAt)).toBeGreaterThanOrEqual(6000);
  expect(await state(request.mailId)).toMatchObject({ status: 'sent', attempt: 2 });
});

test('a DATA termination timeout (configured short) ends that connection and counts as ambiguous, not as a failure to retry at once', async () => {
  const request = f.request('termination-timeout');
  const messageId = messageIdFor(request.mailId, f.domain);
  await f.arm({ kind: 'slow', delayMs: 4_000, recipient: request.recipient.email });
  await f.publish([request]);
  const sender = await f.startSender({
    SMTP_DATA_TERMINATION_TIMEOUT_MS: '1500',
    SENDER_AMBIGUOUS_RETRY_AFTER_MS: '8000',
  });
  const [event] = await f.waitForEvents(request.mailId, 'MailSendFailed', 1);
  const failure = await f.payloadOf(event!);
  expect(failure).toMatchObject({ errorClass: 'ambiguous', retryable: true });
  expect(String(failure['errorMessage'])).toContain('data-termination timeout');
  await f.waitForEvents(request.mailId, 'MailSent', 1);
  expect(await sender.stop()).toBe(0);
  // The slow server did take the first copy; the resend came only after the ambiguous delay.
  const copies = await sinkMessages({ messageId });
  expect(copies).toHaveLength(2);
  expect(Date.parse(copies[1]!.receivedAt) - Date.parse(copies[0]!.receivedAt)).toBeGreaterThanOrEqual(4_000);
});

test('an unknown outcome twice: resent once, then left ambiguous — never a third copy', async () => {
  const request = f.request('dropped-twice');
  const messageId = messageIdFor(request.mailId, f.domain);
  await f.arm({ kind: 'drop-after-dot', times: 2, recipient: request.recipient.email });
  await f.publish([request]);
  const sender = await f.startSender({
    SENDER_AMBIGUOUS_RETRY_AFTER_MS: '1000',
    SENDER_AMBIGUOUS_MAX_RESENDS: '1',
  });
  const failures = await f.waitForEvents(request.mailId, 'MailSendFailed', 2);
  expect(await f.payloadOf(failures[1]!)).toMatchObject({
    errorClass: 'ambiguous',
    retryable: false,
    attempt: 2,
  });
  expect(await sender.stop()).toBe(0);
  expect(await sinkMessages({ messageId })).toHaveLength(2);
  expect(await state(request.mailId)).toMatchObject({ status: 'ambiguous', attempt: 2, ambiguousResends: 1 });
  expect(f.eventsFor(request.mailId, 'MailSent')).toEqual([]);
});

test('550 5.1.1 at RCPT fails that mail at once as recipient-permanent; 552 5.3.4 after the dot as message-permanent', async () => {
  const unknownUser = f.request('no-such-user');
  const tooBig = f.request('too-big');
  await f.arm({
    kind: 'reply',
    stage: 'rcpt',
    code: 550,
    enhanced: '5.1.1',
    recipient: unknownUser.recipient.email,
  });
  await f.arm({
    kind: 'reply',
    stage: 'data',
    code: 552,
    enhanced: '5.3.4',
    recipient: tooBig.recipient.email,
  });
  await f.publish([unknownUser, tooBig]);
  const sender = await f.startSender();
  for (const [r, errorClass] of [
    [unknownUser, 'recipient-permanent'],
    [tooBig, 'message-permanent'],
  ] as const) {
    const [event] = await f.waitForEvents(r.mailId, 'MailSendFailed', 1);
    expect(await f.payloadOf(event!)).toMatchObject({ errorClass, retryable: false, attempt: 1 });
    expect(await state(r.mailId)).toMatchObject({ status: 'failed', attempt: 1 });
  }
  expect(await sender.stop()).toBe(0);
  expect(f.events.records.filter((e) => e.eventType !== 'MailSendFailed')).toEqual([]);
});

test('data that can never be sent fails its mail with a reason; the process keeps running and sends the others once', async () => {
  const blob = await f.attachments.put({
    filename: 'invoice.pdf',
    contentType: 'application/pdf',
    content: Buffer.alloc(300_000, 7),
  });
  // The first of its two chunks goes missing: GridFS itself reports the blob as damaged.
  expect(await f.db.collection('attachments.chunks').countDocuments({})).toBe(2);
  await f.db.collection('attachments.chunks').deleteOne({ n: 0 });
  const cases = [
    [f.request('missing-chunks', { attachments: [blob] }), 'is damaged'],
    [
      f.request('bad-currency', {
        templateData: JSON.stringify({
          orderId: 'o',
          currency: 'EURO!',
          lines: [],
          totalMinor: 1,
          shippingMinor: 0,
        }),
      }),
      'Invalid currency code',
    ],
    [
      f.request('bad-link', {
        templateId: 'shipping-notice',
        templateData: JSON.stringify({
          orderId: 'o',
          carrier: 'DHL',
          trackingNumber: '1',
          trackingUrl: 'javascript:alert(1)',
        }),
      }),
      'links must be http(s)',
    ],
  ] as const;
  const good = [0, 1, 2].map((i) => f.request(`good-${i}`));
  await f.publish([...cases.map(([r]) => r), ...good]);
  const sender = await f.startSender();
  for (const [request, reason] of cases) {
    const [event] = await f.waitForEvents(request.mailId, 'MailSendFailed', 1);
    expect(await f.payloadOf(event!)).toMatchObject({ errorClass: 'invalid-request', retryable: false });
    const s = await state(request.mailId);
    expect(s).toMatchObject({ status: 'failed', history: [{ errorClass: 'invalid-request' }] });
    expect(String((s?.['history'] as { errorMessage: string }[])[0]?.errorMessage)).toContain(reason);
  }
  for (const r of good) await f.waitForEvents(r.mailId, 'MailSent', 1);
  expect(sender.child.exitCode).toBeNull();
  expect((await fetch(`${f.opsUrl(sender)}/healthz`)).ok).toBe(true);
  expect(await sender.stop()).toBe(0);
  for (const r of good)
    expect(await sinkMessages({ messageId: messageIdFor(r.mailId, f.domain) })).toHaveLength(1);
  for (const [r] of cases)
    expect(await sinkMessages({ messageId: messageIdFor(r.mailId, f.domain) })).toEqual([]);
});

test('MongoDB away for 60 s mid-stream: the sender waits, keeps its group membership, and loses and duplicates nothing', async () => {
  const proxy = await f.mongoProxy();
  try {
    const first = [0, 1, 2].map((i) => f.request(`before-outage-${i}`));
    await f.publish(first);
    const sender = await f.startSender({ MONGO_URL: proxy.url, SENDER_SENDING_GRACE_MS: '120000' });
    for (const r of first) await f.waitForEvents(r.mailId, 'MailSent', 1);
    const membersBefore = await f.groupMemberIds();
    proxy.cut();
    const during = [0, 1, 2].map((i) => f.request(`during-outage-${i}`));
    await f.publish(during);
    // The outage itself: twice the consumer session timeout (30 s), long enough to lose a member that
    // stopped heartbeating while it waited on MongoDB.
    await new Promise((r) => setTimeout(r, 60_000));
    expect(sender.child.exitCode).toBeNull();
    const membersAfter = await f.groupMemberIds();
    proxy.restore();
    for (const r of during) await f.waitForEvents(r.mailId, 'MailSent', 1, 120_000);
    expect(await sender.stop()).toBe(0);
    // The same member throughout: it was never kicked out of the group and rejoined.
    expect(membersBefore).toHaveLength(1);
    expect(membersAfter).toEqual(membersBefore);
    for (const r of [...first, ...during]) {
      expect(await sinkMessages({ messageId: messageIdFor(r.mailId, f.domain) })).toHaveLength(1);
      expect(f.eventsFor(r.mailId, 'MailSent')).toHaveLength(1);
    }
  } finally {
    await proxy.close();
  }
});
