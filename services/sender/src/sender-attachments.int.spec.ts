// The life cycle of attachment blobs with a real sender process: a blob stays while a retry may still load
// it, goes once its mail is sent (after the grace period), and an old blob no mail needs is swept as an
// orphan; the store refuses a blob over its size limit before storing anything.
import { AttachmentStore, AttachmentTooLarge } from '@mailfleet/attachments';
import { armSinkFault, sinkMessages, waitFor } from '@mailfleet/testing';
import { isFinal, messageIdFor, type MailStatus } from './domain/mail-state';
import { createSenderFixture, type SenderFixture } from '../test/sender-test-fixture';

let f: SenderFixture;
beforeEach(async () => {
  f = await createSenderFixture(1);
});
afterEach(() => f.close());

/** Whether the blob is in the store (its file document; the chunks go first, see deleteMany). */
const exists = async (blobId: string) =>
  (await f.attachments.storedBefore(new Date(Date.now() + 60_000), 1_000)).includes(blobId);

test('a blob stays while its mail waits for a retry and is deleted after the mail is sent; an old blob no mail needs goes as an orphan', async () => {
  const content = Buffer.from('%PDF-1.4 invoice\n'.repeat(500));
  const invoice = await f.attachments.put({
    filename: 'invoice.pdf',
    contentType: 'application/pdf',
    content,
  });
  const orphan = await f.attachments.put({
    filename: 'never-sent.pdf',
    contentType: 'application/pdf',
    content,
  });
  const request = f.request('with-invoice', { attachments: [invoice] });
  // Two temporary refusals, a retry every 3 s: the mail waits about 6 s with its blob needed.
  await armSinkFault({ kind: '4xx', times: 2, recipient: request.recipient.email });
  await f.publish([request]);
  await f.startSender({
    SENDER_RETRY_INITIAL_MS: '3000',
    SENDER_RETRY_MAX_MS: '3000',
    SENDER_ATTACHMENT_GRACE_HOURS: '0',
    SENDER_ATTACHMENT_SWEEP_MS: '200',
  });
  await f.waitForEvents(request.mailId, 'MailSendFailed', 1);
  // Both blobs become older than the orphan limit (30 days by default), as if stored long ago.
  await f.db
    .collection('attachments.files')
    .updateMany({}, { $set: { uploadDate: new Date(Date.now() - 40 * 86_400_000) } });
  // The orphan sweep runs and takes the blob no mail names...
  await waitFor('the orphan deleted', async () => ((await exists(orphan.blobId)) ? undefined : true), 10_000);
  // ...while the invoice, as old, is kept: its mail is waiting for the retry.
  expect(await exists(invoice.blobId)).toBe(true);
  const waiting = await f.db.collection('sender_mails').findOne({ _id: request.mailId as never });
  expect(isFinal(waiting?.['status'] as MailStatus)).toBe(false);

  await f.waitForEvents(request.mailId, 'MailSent', 1);
  const [message] = await sinkMessages({ messageId: messageIdFor(request.mailId, f.domain) });
  expect(message?.attachments).toEqual([
    { filename: 'invoice.pdf', contentType: 'application/pdf', size: content.length, sha256: invoice.sha256 },
  ]);
  await waitFor(
    'the invoice deleted',
    async () => ((await exists(invoice.blobId)) ? undefined : true),
    10_000,
  );
  expect(await f.db.collection('attachments.chunks').countDocuments()).toBe(0);
  const done = await f.db.collection('sender_mails').findOne({ _id: request.mailId as never });
  expect(done).toMatchObject({ status: 'sent', attachmentsDeletedAt: expect.any(Date) });
  expect(done).not.toHaveProperty('attachmentsPending');
});

test('with a grace period the blob of a sent mail is kept; a blob over the size limit is refused before it is stored', async () => {
  const content = Buffer.from('%PDF-1.4 receipt\n');
  const receipt = await f.attachments.put({
    filename: 'receipt.pdf',
    contentType: 'application/pdf',
    content,
  });
  const request = f.request('kept-for-grace', { attachments: [receipt] });
  await f.publish([request]);
  await f.startSender({ SENDER_ATTACHMENT_GRACE_HOURS: '1', SENDER_ATTACHMENT_SWEEP_MS: '200' });
  await f.waitForEvents(request.mailId, 'MailSent', 1);
  // Several sweeps later the blob is still there: the mail finished less than an hour ago.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(await exists(receipt.blobId)).toBe(true);

  const small = new AttachmentStore(f.db, 'limited', 1_024);
  await expect(
    small.put({ filename: 'big.pdf', contentType: 'application/pdf', content: Buffer.alloc(2_048) }),
  ).rejects.toThrow(AttachmentTooLarge);
  await expect(
    small.put({ filename: 'big.pdf', contentType: 'application/pdf', content: Buffer.alloc(2_048) }),
  ).rejects.toThrow('attachment big.pdf is 2048 bytes; the limit is 1024 bytes');
  expect(await f.db.collection('limited.files').countDocuments()).toBe(0);
});
