import type { TranslatorPolicy } from './decisions';
import { expireParked, onCustomerFact, onOrderFact, type Context, type OrderFact } from './translate';
import { resolveLocale } from './mail-rules';
import { emptyCustomer, type CustomerReplica } from './translator-state';

const policy: TranslatorPolicy = {
  locales: ['en', 'de'],
  defaultLocale: 'en',
  parkLimitMs: 60 * 60_000,
  templateVersions: { 'order-confirmation': 1, 'shipping-notice': 1, 'cancellation-notice': 1 },
};
const ctx: Context = { cause: { eventId: 'e-1', correlationId: 'c-1' }, now: 1_000_000, policy };
const ada: CustomerReplica = {
  ...emptyCustomer('c-42'),
  email: 'ada@example.test',
  name: 'Ada',
  locale: 'en',
};

const placed: OrderFact = {
  type: 'OrderPlaced',
  payload: {
    orderId: 'o-1',
    customerId: 'c-42',
    lines: [{ sku: 'TEA', name: 'Tea', quantity: 2, unitPriceMinor: 750 }],
    currency: 'EUR',
    subtotalMinor: 1500,
    shippingMinor: 495,
    taxMinor: 285,
    totalMinor: 1995,
    placedAt: 5,
  },
};
const shipped: OrderFact = {
  type: 'OrderShipped',
  payload: {
    orderId: 'o-1',
    customerId: 'c-42',
    carrier: 'DHL',
    trackingNumber: 'T1',
    trackingUrl: null,
    shippedAt: 6,
  },
};
const cancelled: OrderFact = {
  type: 'OrderCancelled',
  payload: { orderId: 'o-1', customerId: 'c-42', reason: 'out of stock', cancelledAt: 7 },
};

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
      'customer c-42 has a malformed e-mail address ("not-an-address"); correct it in the customer service',
    );
  });
});

describe('out of order: orders for customers not seen yet', () => {
  test('an order for an unknown customer is parked, not requested', () => {
    const { decisions, customer } = onOrderFact(placed, {}, ctx);
    expect(decisions).toEqual([]);
    expect(customer.parked).toEqual([
      {
        mailId: 'order-confirmation:o-1',
        kind: 'order-confirmation',
        orderId: 'o-1',
        parkedAt: ctx.now,
        cause: ctx.cause,
      },
    ]);
  });

  test('the same fact delivered twice parks the mail once', () => {
    const first = onOrderFact(placed, {}, ctx);
    const second = onOrderFact(placed, { customer: first.customer, order: first.order }, ctx);
    expect(second.customer.parked).toHaveLength(1);
  });

  test('when the customer registers, parked mails are requested with the order data', () => {
    const parked = onOrderFact(placed, {}, ctx);
    const registered = onCustomerFact(
      {
        type: 'CustomerRegistered',
        payload: {
          customerId: 'c-42',
          email: 'ada@example.test',
          name: 'Ada',
          locale: 'de-DE',
          registeredAt: 9,
        },
      },
      { customer: parked.customer, orders: new Map([['o-1', parked.order!]]) },
      { ...ctx, cause: { eventId: 'e-reg', correlationId: 'c-reg' } },
    );
    expect(registered.customer.parked).toEqual([]);
    expect(registered.decisions).toHaveLength(1);
    // The mail keeps the order event as its cause, and the customer's language (de-DE -> de).
    expect(registered.decisions[0]).toMatchObject({
      type: 'request',
      locale: 'de',
      cause: ctx.cause,
      templateData: { totalMinor: 1995 },
    });
  });

  test('an e-mail change alone makes the customer known', () => {
    const parked = onOrderFact(placed, {}, ctx);
    const { decisions } = onCustomerFact(
      {
        type: 'CustomerEmailChanged',
        payload: { customerId: 'c-42', email: 'ada@example.test', changedAt: 9 },
      },
      { customer: parked.customer, orders: new Map([['o-1', parked.order!]]) },
      ctx,
    );
    expect(decisions[0]).toMatchObject({ type: 'request', locale: 'en', recipient: { name: null } });
  });

  test('a preference change does not release parked mail (still no address)', () => {
    const parked = onOrderFact(placed, {}, ctx);
    const { decisions, customer } = onCustomerFact(
      {
        type: 'CustomerMailPreferencesChanged',
        payload: { customerId: 'c-42', transactionalOptOut: true, marketingOptOut: true, changedAt: 9 },
      },
      { customer: parked.customer, orders: new Map() },
      ctx,
    );
    expect(decisions).toEqual([]);
    expect(customer).toMatchObject({
      transactionalOptOut: true,
      parked: [{ mailId: 'order-confirmation:o-1' }],
    });
  });

  test('parked longer than the limit: rejected as CUSTOMER_UNKNOWN with a reason ops can act on', () => {
    const parked = onOrderFact(placed, {}, ctx);
    expect(expireParked(parked.customer, ctx.now + policy.parkLimitMs - 1, policy).decisions).toEqual([]);
    const expired = expireParked(parked.customer, ctx.now + policy.parkLimitMs, policy);
    expect(expired.customer.parked).toEqual([]);
    expect(expired.decisions[0]).toMatchObject({
      type: 'reject',
      code: 'CUSTOMER_UNKNOWN',
      mailId: 'order-confirmation:o-1',
      cause: ctx.cause,
    });
    expect(expired.decisions[0]?.type === 'reject' && expired.decisions[0].reason).toContain(
      'no CustomerRegistered',
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
