// CustomerErased in a real sender process: the customer's sent mail keeps its outcome and loses the
// address and the name, the one held for quiet hours is suppressed and never sent, a request already on
// its way when the erasure came is suppressed right before sending, the address leaves the suppression
// list and the invoice's blob is deleted — another customer's mail goes as usual.
import { personalDataIn, sinkMessages, waitFor, waitForGroupAtEnd } from '@mailfleet/testing';
import { messageIdFor } from './domain/mail-state';
import { createSenderFixture, type SenderFixture } from '../test/sender-test-fixture';

let f: SenderFixture;
beforeEach(async () => {
  f = await createSenderFixture(1);
});
afterEach(() => f.close());

test("after CustomerErased the sender's collections hold neither the address nor the name, and nothing more is sent to them", async () => {
  const customerId = `c-era-${Date.now().toString(36)}`;
  const address = `${customerId}@Example.test`;
  const name = `Era Erasable ${customerId}`;
  const recipient = { customerId, email: address, name };
  const invoice = await f.attachments.put({
    filename: 'invoice.pdf',
    contentType: 'application/pdf',
    content: Buffer.from('%PDF-1.4 invoice\n'.repeat(50)),
  });
  const sent = f.request('era-sent', { recipient, attachments: [invoice] });
  const held = f.request('era-held', { recipient, notBefore: Date.now() + 8_000 });
  const other = f.request('other');
  await f.publish([sent, held, other]);
  await f.startSender();
  await f.waitForEvents(sent.mailId, 'MailSent', 1);
  await f.waitForEvents(other.mailId, 'MailSent', 1);
  await f.publishFeedback([
    {
      eventType: 'MailBounced',
      payload: {
        mailId: sent.mailId,
        bounceType: 'SOFT',
        diagnostic: `452 4.2.2 <${address}>: mailbox full`,
        bouncedAt: Date.now(),
        recipient: address.toLowerCase(),
        status: '4.2.2',
        source: 'dsn',
      },
    },
  ]);
  await waitForGroupAtEnd(f.group, [f.topics.mailEvents.name]);
  expect(
    await f.db.collection('sender_suppressions').countDocuments({ _id: address.toLowerCase() as never }),
  ).toBe(1);

  await f.publishErasure(customerId);
  const [suppressed] = await f.waitForEvents(held.mailId, 'MailSuppressed', 1);
  expect(await f.payloadOf(suppressed!)).toMatchObject({
    customerId,
    reason: 'the customer was erased (CustomerErased)',
  });
  // A request that was on its way when the erasure came (published by the translator just before).
  const late = f.request('era-late', { recipient });
  await f.publish([late]);
  await f.waitForEvents(late.mailId, 'MailSuppressed', 1);

  await waitFor('the held mail past its quiet hours', async () =>
    Date.now() > (held.notBefore ?? 0) + 1_000 ? true : undefined,
  );
  for (const mail of [held, late])
    expect(await sinkMessages({ messageId: messageIdFor(mail.mailId, f.domain) })).toEqual([]);
  expect(await f.db.collection('sender_mails').findOne({ _id: sent.mailId as never })).toMatchObject({
    status: 'sent',
    erasedAt: expect.any(Date),
  });
  expect(
    await personalDataIn(f.mongo, [f.db.databaseName], [address, name], (c) => c.startsWith('outbox')),
  ).toEqual([]);
  expect(await f.attachments.storedBefore(new Date(Date.now() + 60_000), 1_000)).not.toContain(
    invoice.blobId,
  );
  expect(await f.db.collection('sender_mails').findOne({ _id: other.mailId as never })).toMatchObject({
    status: 'sent',
    request: { recipient: { name: 'Ada' } },
  });
});
