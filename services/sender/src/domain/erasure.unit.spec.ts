import { ERASED, scrubbed } from '@mailfleet/contracts';
import { ERASED_ADDRESS, redactedMail } from './erasure';
import type { MailState } from './mail-state';

const mail: MailState = {
  mailId: 'order-confirmation:o-1',
  status: 'sent',
  attempt: 2,
  nextAttemptAt: 0,
  sendingSince: null,
  queuedAt: 0,
  ambiguousResends: 0,
  request: {
    mailId: 'order-confirmation:o-1',
    templateId: 'order-confirmation',
    templateVersion: 1,
    recipient: { customerId: 'c-1', email: 'Ada.Lovelace@Example.test', name: 'Ada Lovelace' },
    locale: 'en',
    templateData: '{"customerName":"Ada Lovelace"}',
    attachments: [],
    priority: 'NORMAL',
    requestedAt: 1,
    notBefore: null,
    digest: null,
    category: null,
  },
  cause: { eventId: 'e-1', correlationId: 'k-1' },
  messageId: '<order-confirmation=3ao-1@mailfleet.test>',
  history: [
    {
      attempt: 1,
      errorClass: 'transient',
      errorMessage: '450 4.2.1 <ada.lovelace@example.test>: mailbox of ADA LOVELACE busy',
      failedAt: 2,
    },
  ],
  sentAt: 3,
};

describe("an erased customer's mail", () => {
  test('loses the address, the name and the template data; keeps ids and outcome', () => {
    const { request, history } = redactedMail(mail);
    expect(request.recipient).toEqual({ customerId: 'c-1', email: ERASED_ADDRESS, name: null });
    expect(request.templateData).toBe('{}');
    expect(request.mailId).toBe(mail.mailId);
    expect(history[0]).toMatchObject({ attempt: 1, errorClass: 'transient', failedAt: 2 });
  });

  test("the servers' replies lose every quote of the address or the name, in any letter case", () => {
    const { history } = redactedMail(mail);
    expect(history[0]?.errorMessage).toBe(`450 4.2.1 <${ERASED}>: mailbox of ${ERASED} busy`);
    expect(JSON.stringify(redactedMail(mail)).toLowerCase()).not.toMatch(/lovelace/);
  });

  test('scrubbing treats the values as text, not as patterns', () => {
    expect(scrubbed('a+b@x.test and a.b', ['a+b@x.test'])).toBe(`${ERASED} and a.b`);
    expect(scrubbed('nothing here', [''])).toBe('nothing here');
  });
});
