// Out of order: mails for customers not known yet are parked, released when the customer is settled,
// rejected after the park limit, and announced once.
import { expireParked, onCustomerFact, onOrderFact, releaseSettled, type CustomerFact } from './translate';
import { newlyParked, parkNotice } from './park-notice';

import { ada, ctx, placed, policy } from '../../test/domain/translate-fixtures';

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
          timeZone: null,
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
        payload: {
          customerId: 'c-42',
          transactionalOptOut: true,
          marketingOptOut: true,
          changedAt: 9,
          timeZone: null,
        },
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

describe("settling: a newly known customer's follow-up events are not overtaken", () => {
  const registered: CustomerFact = {
    type: 'CustomerRegistered',
    payload: {
      customerId: 'c-42',
      email: 'ada@example.test',
      name: 'Ada',
      locale: 'en',
      registeredAt: 1,
      timeZone: null,
    },
  };
  const optedOut: CustomerFact = {
    type: 'CustomerMailPreferencesChanged',
    payload: {
      customerId: 'c-42',
      transactionalOptOut: true,
      marketingOptOut: false,
      changedAt: 2,
      timeZone: null,
    },
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
