import { onOrderFact } from './translate';
import { resolveLocale } from './mail-rules';
import { emptyCustomer, type CustomerReplica } from './translator-state';

import { ada, cancelled, ctx, placed, policy, shipped } from '../../test/domain/translate-fixtures';

describe('order facts, given a known customer', () => {
  test.each([
    ['OrderPlaced gives one order confirmation', placed, 'order-confirmation:o-1'],
    ['OrderShipped gives one shipping notice', shipped, 'shipping-notice:o-1'],
    ['OrderCancelled gives one cancellation notice', cancelled, 'cancellation-notice:o-1'],
  ])('%s', (_name, fact, mailId) => {
    const { decisions } = onOrderFact(fact, { customer: ada }, ctx);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      type: 'request',
      mailId,
      recipient: { customerId: 'c-42', email: 'ada@example.test', name: 'Ada' },
      locale: 'en',
      cause: ctx.cause,
    });
  });

  test('the confirmation carries the order lines with line totals', () => {
    const [d] = onOrderFact(placed, { customer: ada }, ctx).decisions;
    expect(d?.type === 'request' && d.templateData).toMatchObject({
      orderId: 'o-1',
      customerName: 'Ada',
      currency: 'EUR',
      totalMinor: 1995,
      lines: [{ name: 'Tea', lineTotalMinor: 1500 }],
    });
  });

  test('OrderShipped before OrderPlaced still gives the shipping notice, with the tracking data', () => {
    const { decisions, order } = onOrderFact(shipped, { customer: ada }, ctx);
    expect(order?.placed).toBeUndefined();
    expect(decisions[0]).toMatchObject({
      mailId: 'shipping-notice:o-1',
      templateData: { carrier: 'DHL', trackingNumber: 'T1' },
    });
  });

  test('deciding leaves the customer untouched (the same object), parking changes it', () => {
    // The batch handler writes a customer back only when it changed: the identity is that signal.
    expect(onOrderFact(placed, { customer: ada }, ctx).customer).toBe(ada);
    const unknown = emptyCustomer('c-42');
    const parked = onOrderFact(placed, { customer: unknown }, ctx).customer;
    expect(parked).not.toBe(unknown);
    expect(parked.parked.map((p) => p.mailId)).toEqual(['order-confirmation:o-1']);
  });

  test('a cancelled order still gets its confirmation: the rules are confluent (docs/translator.md)', () => {
    const afterCancel = onOrderFact(cancelled, { customer: ada }, ctx);
    const { decisions } = onOrderFact(placed, { customer: ada, order: afterCancel.order }, ctx);
    expect(decisions.map((d) => d.mailId)).toEqual(['order-confirmation:o-1']);
  });
});

describe('customers who opted out or have no usable address', () => {
  test.each<[string, Partial<CustomerReplica>, object]>([
    [
      'an opted-out customer gets no mail: MailSuppressed is recorded',
      { transactionalOptOut: true },
      { type: 'suppress', reason: 'the customer opted out of transactional mail' },
    ],
    ['an empty address is rejected as NO_ADDRESS', { email: '  ' }, { type: 'reject', code: 'NO_ADDRESS' }],
    [
      'a malformed address is rejected as MALFORMED_ADDRESS',
      { email: 'ada@@example' },
      { type: 'reject', code: 'MALFORMED_ADDRESS' },
    ],
    ['a marketing opt-out does not stop transactional mail', { marketingOptOut: true }, { type: 'request' }],
  ])('%s', (_name, change, expected) => {
    const { decisions } = onOrderFact(placed, { customer: { ...ada, ...change } }, ctx);
    expect(decisions[0]).toMatchObject({ mailId: 'order-confirmation:o-1', ...expected });
  });

  test('a rejection says what a person can do about it', () => {
    const [d] = onOrderFact(placed, { customer: { ...ada, email: 'not-an-address' } }, ctx).decisions;
    expect(d?.type === 'reject' && d.reason).toBe(
      'customer c-42 has a malformed e-mail address ("not-an-address": the address needs a local part, an @ and a domain); correct it in the customer service',
    );
  });
});

describe('locales', () => {
  test.each([
    ['en', 'en'],
    ['de', 'de'],
    ['de-AT', 'de'],
    ['DE_de', 'de'],
    ['fr', 'en'],
    [undefined, 'en'],
  ])('%s renders as %s', (requested, expected) => {
    expect(resolveLocale(requested, policy)).toBe(expected);
  });
});
