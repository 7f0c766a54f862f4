// Never twice: every MailRequested reaches the SMTP sink once (by Message-ID), through redelivery, a full
// replay of mail.requested and a kill -9 mid-batch; the ambiguous crash after SMTP accepted is resent
// once, with the same Message-ID.
import { Kafka, logLevel } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { kafkaBrokers, sinkMessages, waitFor, waitForGroupAtEnd } from '@mailfleet/testing';
import { messageIdFor } from './domain/mail-state';
import { createSenderFixture, type SenderFixture } from '../test/sender-test-fixture';

let f: SenderFixture;
beforeEach(async () => {
  f = await createSenderFixture();
});
afterEach(() => f.close());

const countByMessageId = async (messageIds: readonly string[]) =>
  Promise.all(messageIds.map(async (id) => [id, (await sinkMessages({ messageId: id })).length] as const));

async function waitForAllInSink(messageIds: readonly string[], timeoutMs = 150_000) {
  await waitFor(
    'every mail in the sink',
    async () => ((await countByMessageId(messageIds)).every(([, n]) => n >= 1) ? true : undefined),
    timeoutMs,
  );
}

test('redelivery and a full replay of mail.requested send nothing again', async () => {
  const requests = Array.from({ length: 8 }, (_, i) => f.request(`replay-${i}`));
  const eventIds = requests.map(() => uuidv7());
  await f.publish(requests, eventIds);
  // Redelivery (same event ids) and a second request for the same mail (another event id).
  await f.publish(requests, eventIds);
  await f.publish(requests.slice(0, 2));
  const sender = await f.startSender();
  const messageIds = requests.map((r) => messageIdFor(r.mailId, f.domain));
  await waitForAllInSink(messageIds);
  await f.waitForEvents(requests[7]!.mailId, 'MailSent', 1);

  expect(await sender.stop()).toBe(0);
  const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.resetOffsets({ groupId: f.group, topic: f.topics.mailRequested.name, earliest: true });
  await admin.disconnect();
  await f.startSender();
  // A request published after the replay: once the group has consumed everything and its mail is out,
  // every replayed request has been handled and anything it would (wrongly) send was sent before it.
  const sentinel = f.request('after-replay');
  await f.publish([sentinel]);
  await waitForGroupAtEnd(f.group, [f.topics.mailRequested.name]);
  await f.waitForEvents(sentinel.mailId, 'MailSent', 1);

  expect((await countByMessageId(messageIds)).filter(([, n]) => n !== 1)).toEqual([]);
  for (const r of requests) expect(f.eventsFor(r.mailId, 'MailSent').map((e) => e.eventId)).toHaveLength(1);
  const message = (await sinkMessages({ messageId: messageIds[0] }))[0];
  expect(message?.subject).toBe(`Your order ${requests[0]!.mailId.split(':')[1]} is confirmed`);
  expect(message?.headers['x-correlation-id']).toBeTruthy();
});

test('kill -9 mid-batch: every mail arrives; only an attempt interrupted after SMTP accepted is resent, with the same Message-ID', async () => {
  const requests = Array.from({ length: 30 }, (_, i) => f.request(`kill-${i}`));
  await f.publish(requests);
  const messageIds = requests.map((r) => messageIdFor(r.mailId, f.domain));
  const first = await f.startSender({ SENDER_RATE_PER_SECOND: '8', SENDER_CONCURRENCY: '2' });
  await waitFor(
    'a few mails sent',
    async () =>
      (await countByMessageId(messageIds)).filter(([, n]) => n > 0).length >= 5 ? true : undefined,
    60_000,
  );
  await first.kill9();
  const beforeRestart = (await countByMessageId(messageIds)).filter(([, n]) => n > 0).length;
  expect(beforeRestart).toBeLessThan(30);
  await f.startSender({ SENDER_SENDING_GRACE_MS: '1000', SENDER_AMBIGUOUS_RETRY_AFTER_MS: '1000' });
  await waitForAllInSink(messageIds);
  await waitFor('every mail recorded as sent', async () =>
    (await f.db.collection('sender_mails').countDocuments({ status: 'sent' })) === 30 ? true : undefined,
  );
  const counts = await countByMessageId(messageIds);
  for (const [messageId, n] of counts) {
    if (n === 1) continue;
    // The documented ambiguous case: the attempt was interrupted and resumed, so the mail took 2 attempts.
    expect(n).toBe(2);
    const state = await f.db.collection('sender_mails').findOne({ messageId });
    expect(state?.['attempt']).toBe(2);
  }
  expect(counts.filter(([, n]) => n === 2).length).toBeLessThanOrEqual(2);
});

test('a crash after SMTP accepted, before the state was written, is recorded as ambiguous and resent once after the ambiguous delay, with the same Message-ID', async () => {
  const [request] = [f.request('ambiguous')];
  await f.publish([request!]);
  const messageId = messageIdFor(request!.mailId, f.domain);
  const crashing = await f.startSender({ SENDER_CRASH_AFTER_SMTP_ACCEPT: 'true' });
  await waitFor(
    'the crash',
    async () => (crashing.child.exitCode !== null || crashing.child.signalCode !== null ? true : undefined),
    60_000,
  );
  expect(await sinkMessages({ messageId })).toHaveLength(1);
  expect(await f.db.collection('sender_mails').findOne({ _id: request!.mailId as never })).toMatchObject({
    status: 'sending',
    attempt: 1,
  });

  await f.startSender({ SENDER_SENDING_GRACE_MS: '1500', SENDER_AMBIGUOUS_RETRY_AFTER_MS: '3000' });
  const [ambiguous] = await f.waitForEvents(request!.mailId, 'MailSendFailed', 1);
  expect(await f.payloadOf(ambiguous!)).toMatchObject({
    errorClass: 'ambiguous',
    retryable: true,
    attempt: 1,
  });
  await f.waitForEvents(request!.mailId, 'MailSent', 1);
  const copies = await sinkMessages({ messageId });
  expect(copies).toHaveLength(2);
  expect(new Set(copies.map((c) => c.messageId))).toEqual(new Set([messageId]));
  expect(await f.db.collection('sender_mails').findOne({ _id: request!.mailId as never })).toMatchObject({
    status: 'sent',
    attempt: 2,
  });
});

test('attachments travel by reference: the blob from GridFS arrives intact; a tampered blob fails the mail, not retryable', async () => {
  const invoice = Buffer.from(`%PDF-1.4 invoice ${uuidv7()}\n`.repeat(2_000));
  const ref = await f.attachments.put({
    filename: 'invoice.pdf',
    contentType: 'application/pdf',
    content: invoice,
  });
  expect(ref.sizeBytes).toBe(invoice.length);
  const withBlob = f.request('with-attachment', { attachments: [ref] });
  const tampered = f.request('tampered-attachment', {
    attachments: [{ ...ref, sha256: '0'.repeat(64) }],
  });
  const missing = f.request('missing-attachment', {
    attachments: [{ ...ref, blobId: '0123456789abcdef01234567' }],
  });
  await f.publish([withBlob, tampered, missing]);
  await f.startSender();

  const messageId = messageIdFor(withBlob.mailId, f.domain);
  await waitForAllInSink([messageId]);
  const [message] = await sinkMessages({ messageId });
  expect(message?.attachments).toEqual([
    { filename: 'invoice.pdf', contentType: 'application/pdf', size: invoice.length, sha256: ref.sha256 },
  ]);
  for (const [request, reason] of [
    [tampered, 'does not match its reference'],
    [missing, 'not found'],
  ] as const) {
    await f.waitForEvents(request.mailId, 'MailSendFailed', 1);
    const state = await f.db.collection('sender_mails').findOne({ _id: request.mailId as never });
    expect(state).toMatchObject({ status: 'failed', history: [{ errorClass: 'invalid-request' }] });
    expect(String((state?.['history'] as { errorMessage: string }[])[0]?.errorMessage)).toContain(reason);
    expect(await sinkMessages({ messageId: messageIdFor(request.mailId, f.domain) })).toEqual([]);
  }
});

test('a mail held for quiet hours (notBefore) is not sent before that moment, and is sent then without another event', async () => {
  const sender = await f.startSender();
  const notBefore = Date.now() + 8_000;
  const held = f.request('held', { notBefore });
  const now = f.request('not-held');
  await f.publish([held, now]);
  // The mail that is not held goes at once: by then the held one has been recorded too (same batch).
  await waitForAllInSink([messageIdFor(now.mailId, f.domain)], 60_000);
  const heldId = messageIdFor(held.mailId, f.domain);
  expect(await sinkMessages({ messageId: heldId })).toHaveLength(0);
  // It goes by the sender's own schedule (the dispatcher sleeps until it is due), no new event needed.
  await waitForAllInSink([heldId], 60_000);
  const [message] = await sinkMessages({ messageId: heldId });
  expect(Date.parse(message!.receivedAt)).toBeGreaterThanOrEqual(notBefore);
  await f.waitForEvents(held.mailId, 'MailSent', 1);
  expect(await sender.stop()).toBe(0);
});

test('a HIGH-priority mail goes ahead of a rate-limited backlog of normal mail', async () => {
  const backlog = Array.from({ length: 24 }, (_, i) => f.request(`backlog-${i}`));
  const backlogIds = backlog.map((r) => messageIdFor(r.mailId, f.domain));
  await f.publish(backlog);
  // Four mails a second: the backlog takes about six seconds to drain.
  const sender = await f.startSender({ SENDER_RATE_PER_SECOND: '4' });
  await waitFor('the backlog to start draining', async () =>
    (await countByMessageId(backlogIds)).filter(([, n]) => n > 0).length >= 2 ? true : undefined,
  );
  const urgent = f.request('urgent', { priority: 'HIGH' });
  const urgentId = messageIdFor(urgent.mailId, f.domain);
  await f.publish([urgent]);
  await waitForAllInSink([...backlogIds, urgentId], 60_000);
  const idOf = async (messageId: string) => (await sinkMessages({ messageId }))[0]!.id;
  const urgentSinkId = await idOf(urgentId);
  const backlogAfter = (await Promise.all(backlogIds.map(idOf))).filter((id) => id > urgentSinkId);
  // Without the HIGH lane it would be the last of all (the queue is in order of arrival).
  expect(backlogAfter.length).toBeGreaterThanOrEqual(10);
  expect(await sender.stop()).toBe(0);
});
