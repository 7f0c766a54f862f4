import type { MailView } from '@mailfleet/read-models';
import { ERASED } from '@mailfleet/contracts';
import { addressesIn, customerIdIn, redactedMail } from './erasure';

const position = { topic: 'mail.events', partition: 0, offset: '1', timestamp: 1 };
const mail = {
  _id: 'm-1',
  mailId: 'm-1',
  templateId: 'order-confirmation',
  orderId: 'o-1',
  email: 'ada@example.test',
  customerId: 'c-1',
  locale: 'en',
  status: 'bounced',
  correlationId: 'k',
  messageId: null,
  requestedAt: 1,
  sentAt: 2,
  attempts: 1,
  lastError: '550 5.1.1 <ADA@example.test>: no such user',
  timeline: [
    {
      type: 'bounced',
      at: 3,
      reason: 'HARD 5.1.1: 550 5.1.1 <Ada@Example.test>: unknown (webhook:mailfleet)',
      attempt: null,
      eventId: 'e',
      correlationId: 'k',
      ...position,
    },
  ],
  updatedAt: 3,
  asOf: position,
} as unknown as MailView;

describe("an erased customer's mail view", () => {
  test('keeps ids, status and times, loses the address and every quote of it', () => {
    const r = redactedMail(mail);
    expect(r).toMatchObject({ mailId: 'm-1', customerId: 'c-1', status: 'bounced', email: null });
    expect(r.lastError).toBe(`550 5.1.1 <${ERASED}>: no such user`);
    expect(r.timeline[0]?.reason).toBe(`HARD 5.1.1: 550 5.1.1 <${ERASED}>: unknown (webhook:mailfleet)`);
  });

  test('a mail whose address is already gone is scrubbed of the values a record names', () => {
    const gone = { ...mail, email: null };
    expect(redactedMail(gone, ['ada@example.test']).timeline[0]?.reason).not.toMatch(/ada@/i);
  });

  test("the customer and the addresses a record names are read from the event's payload", () => {
    expect(customerIdIn({ recipient: { customerId: 'c-1', email: 'a@x.test', name: 'A' } })).toBe('c-1');
    expect(customerIdIn({ customerId: 'c-2' })).toBe('c-2');
    expect(customerIdIn({ mailId: 'm' })).toBeNull();
    expect(addressesIn({ recipient: { customerId: 'c-1', email: 'a@x.test', name: 'A' } })).toEqual([
      'a@x.test',
      'A',
    ]);
    expect(addressesIn({ recipient: 'b@x.test' })).toEqual(['b@x.test']);
  });
});
