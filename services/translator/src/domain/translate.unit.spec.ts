import type { TranslatorPolicy } from './decisions';
import {
  expireParked,
  onCustomerFact,
  onOrderFact,
  releaseSettled,
  type Context,
  type CustomerFact,
  type OrderFact,
} from './translate';
import { resolveLocale } from './mail-rules';
import { newlyParked, parkNotice } from './park-notice';
import { emptyCustomer, type CustomerReplica } from './translator-state';

const policy: TranslatorPolicy = {
  locales: ['en', 'de'],
  defaultLocale: 'en',
  parkLimitMs: 60 * 60_000,
  settleMs: 2_000,
  templateVersions: { 'order-confirmation': 1, 'shipping-notice': 1, 'cancellation-notice': 1 },
};
const ctx: Context = {
  cause: { eventId: 'e-1', correlationId: 'c-1' },
  occurredAt: 999_000,
  now: 1_000_000,
  customersReadUntil: 1_000_000,
  policy,
};
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
        factAt: ctx.occurredAt,
        cause: ctx.cause,
      },
    ]);
  });

  test('the same fact delivered twice parks the mail once', () => {
    const first = onOrderFact(placed, {}, ctx);
    const second = onOrderFact(placed, { customer: first.customer, order: first.order }, ctx);
    expect(second.customer.parked).toHaveLength(1);
  });

  test('when the customer registers (after the order), parked mails are requested with the order data', () => {
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
      { ...ctx, occurredAt: ctx.occurredAt + 1, cause: { eventId: 'e-reg', correlationId: 'c-reg' } },
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

describe("settling: a newly known customer's follow-up events are not overtaken", () => {
  const registered: CustomerFact = {
    type: 'CustomerRegistered',
    payload: { customerId: 'c-42', email: 'ada@example.test', name: 'Ada', locale: 'en', registeredAt: 1 },
  };
  const optedOut: CustomerFact = {
    type: 'CustomerMailPreferencesChanged',
    payload: { customerId: 'c-42', transactionalOptOut: true, marketingOptOut: false, changedAt: 2 },
  };
  const orderAt = ctx.occurredAt;
  const before = { ...ctx, occurredAt: orderAt - 10 };

  test('registered, then opted out, then ordered: translated in between, the mail is still suppressed', () => {
    const parked = onOrderFact(placed, {}, ctx);
    const orders = new Map([['o-1', parked.order!]]);
    // The registration happened before the order: the opt-out may still be on its way.
    const known = onCustomerFact(registered, { customer: parked.customer, orders }, before);
    expect(known.decisions).toEqual([]);
    expect(known.customer.parked).toHaveLength(1);
    const optOut = onCustomerFact(optedOut, { customer: known.customer, orders }, before);
    expect(optOut.decisions).toEqual([]);
    // The settle time passes without news: the mail is decided from what the replica knows by then.
    expect(
      releaseSettled(optOut.customer, orders, ctx.now + policy.settleMs - 1, policy, ctx.now).decisions,
    ).toEqual([]);
    const settled = releaseSettled(optOut.customer, orders, ctx.now + policy.settleMs, policy, ctx.now);
    expect(settled.customer.parked).toEqual([]);
    expect(settled.decisions).toEqual([
      expect.objectContaining({ type: 'suppress', mailId: 'order-confirmation:o-1' }),
    ]);
  });

  test('a customer event that happened after the order proves the replica current: decided at once', () => {
    const parked = onOrderFact(placed, {}, ctx);
    const orders = new Map([['o-1', parked.order!]]);
    const known = onCustomerFact(registered, { customer: parked.customer, orders }, before);
    const later = onCustomerFact(
      optedOut,
      { customer: known.customer, orders },
      { ...ctx, occurredAt: orderAt + 1 },
    );
    expect(later.decisions).toEqual([expect.objectContaining({ type: 'suppress' })]);
  });

  test('an order for a customer known only moments ago waits for the settle time too', () => {
    const known = onCustomerFact(registered, { orders: new Map() }, before);
    const justAfter = onOrderFact(placed, { customer: known.customer }, { ...ctx, now: ctx.now + 1 });
    expect(justAfter.decisions).toEqual([]);
    expect(justAfter.customer.parked).toHaveLength(1);
    const longAfter = onOrderFact(
      placed,
      { customer: known.customer },
      { ...ctx, now: ctx.now + policy.settleMs },
    );
    expect(longAfter.decisions).toEqual([expect.objectContaining({ type: 'request' })]);
  });

  test('a replica written before knownSince existed counts as known long ago', () => {
    expect(onOrderFact(placed, { customer: ada }, ctx).decisions).toHaveLength(1);
  });

  test('customers.events read only up to before the order (lag, catching up): even a long-known customer waits', () => {
    const behind = { ...ctx, customersReadUntil: ctx.occurredAt - 1 };
    const parked = onOrderFact(placed, { customer: ada }, behind);
    expect(parked.decisions).toEqual([]);
    expect(parked.customer.parked).toHaveLength(1);
    const orders = new Map([['o-1', parked.order!]]);
    // The newer customer fact that was behind arrives: the mail goes to the new address.
    const moved = onCustomerFact(
      {
        type: 'CustomerEmailChanged',
        payload: { customerId: 'c-42', email: 'ada@new.example.test', changedAt: 3 },
      },
      { customer: parked.customer, orders },
      { ...behind, occurredAt: ctx.occurredAt - 5 },
    );
    expect(moved.decisions).toEqual([]);
    const caughtUp = releaseSettled(moved.customer, orders, ctx.now, policy, ctx.occurredAt);
    expect(caughtUp.decisions).toEqual([
      expect.objectContaining({
        type: 'request',
        recipient: expect.objectContaining({ email: 'ada@new.example.test' }),
      }),
    ]);
  });

  test('the park limit only rejects mails whose customer is still unknown', () => {
    const parked = onOrderFact(placed, {}, ctx);
    const known = onCustomerFact(registered, { customer: parked.customer, orders: new Map() }, before);
    expect(expireParked(known.customer, ctx.now + policy.parkLimitMs, policy).decisions).toEqual([]);
  });
});

describe('park notices', () => {
  test('an order for an unknown customer parks its mail once, with when it will be rejected', () => {
    const first = onOrderFact(placed, {}, ctx);
    const parked = newlyParked(undefined, first.customer);
    expect(parked.map((p) => p.mailId)).toEqual(['order-confirmation:o-1']);
    expect(parkNotice(parked[0]!, first.customer, policy)).toEqual({
      mailId: 'order-confirmation:o-1',
      customerId: 'c-42',
      orderId: 'o-1',
      templateId: 'order-confirmation',
      reason: 'waiting for customer c-42: not known to the translator yet',
      parkedAt: ctx.now,
      parkedUntil: ctx.now + policy.parkLimitMs,
    });
    // The same fact again (redelivered before the inbox saw it) parks nothing new.
    const again = onOrderFact(placed, { order: first.order, customer: first.customer }, ctx);
    expect(newlyParked(first.customer, again.customer)).toEqual([]);
  });

  test('a known customer whose events have not caught up with the order is named as such', () => {
    const lagging = { ...ctx, customersReadUntil: ctx.occurredAt - 1, now: ctx.occurredAt + 1 };
    const justKnown = { ...ada, knownSince: lagging.now };
    const outcome = onOrderFact(placed, { customer: justKnown }, lagging);
    const [parked] = newlyParked(justKnown, outcome.customer);
    expect(parkNotice(parked!, outcome.customer, policy).reason).toMatch(
      /waiting for the events of customer c-42/,
    );
  });
});
