// How long the sender keeps a finished mail's record (address, data, history): a TTL from when it
// finished, never shorter than mail.requested keeps its records, or a replay would send mails again.
import { readFileSync } from 'node:fs';
import { waitFor } from '@mailfleet/testing';
import { createSenderFixture, type SenderFixture } from '../test/sender-test-fixture';

let f: SenderFixture;
beforeEach(async () => {
  f = await createSenderFixture(1);
});
afterEach(() => f.close());

test('a retention shorter than the topic keeps its records is refused at start, saying why', async () => {
  const sender = await f.startSender({ SENDER_FINISHED_RETENTION_DAYS: '30' });
  const code = await new Promise<number | null>((resolve) => sender.child.once('exit', resolve));
  expect(code).toBe(2);
  expect(readFileSync(sender.logFile, 'utf8')).toContain(
    `SENDER_FINISHED_RETENTION_DAYS keeps records 30 days, shorter than ${f.topics.mailRequested.name}'s retention (90 days)`,
  );
});

test('finished mails carry when they finished and expire that long after; unfinished ones never do', async () => {
  const sent = f.request('kept-120-days');
  const failing = f.request('still-retrying');
  await f.arm({ kind: '4xx', times: 100, recipient: failing.recipient.email });
  await f.publish([sent, failing]);
  await f.startSender({ SENDER_FINISHED_RETENTION_DAYS: '120', SENDER_RETRY_INITIAL_MS: '60000' });
  await f.waitForEvents(sent.mailId, 'MailSent', 1);
  await f.waitForEvents(failing.mailId, 'MailSendFailed', 1);
  const mails = f.db.collection('sender_mails');
  const done = await waitFor('the sent mail finished', async () => {
    const doc = await mails.findOne({ _id: sent.mailId as never });
    return doc?.['finishedAt'] instanceof Date ? doc : undefined;
  });
  expect(done['status']).toBe('sent');
  expect((await mails.findOne({ _id: failing.mailId as never }))?.['finishedAt']).toBeUndefined();
  const ttl = (await mails.indexes()).find((i) => i.name === 'finished_ttl');
  expect(ttl).toMatchObject({ key: { finishedAt: 1 }, expireAfterSeconds: 120 * 86_400 });
});
