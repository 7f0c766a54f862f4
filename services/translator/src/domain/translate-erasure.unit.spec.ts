import { onCustomerFact, onOrderFact, type CustomerFact } from './translate';
import { emptyCustomer, type CustomerReplica } from './translator-state';

import { ada, ctx, placed, shipped } from '../../test/domain/translate-fixtures';

const erased: CustomerFact = { type: 'CustomerErased', payload: { customerId: 'c-42', erasedAt: 5_000 } };
const noOrders = new Map();

describe('CustomerErased', () => {
  test('the replica keeps the id and the opt-outs, and nothing personal', () => {
    const withPrefs: CustomerReplica = { ...ada, timeZone: 'Europe/Berlin', marketingOptOut: true };
    const { customer, decisions } = onCustomerFact(erased, { customer: withPrefs, orders: noOrders }, ctx);
    expect(decisions).toEqual([]);
    expect(customer).toEqual({
      customerId: 'c-42',
      transactionalOptOut: false,
      marketingOptOut: true,
      currentAsOf: 5_000,
      parked: [],
      erasedAt: 5_000,
    });
  });

  test('mails parked for the customer are rejected as CUSTOMER_ERASED, with their cause', () => {
    const parked = onOrderFact(placed, { customer: emptyCustomer('c-42') }, ctx).customer;
    expect(parked.parked).toHaveLength(1);
    const { customer, decisions } = onCustomerFact(erased, { customer: parked, orders: noOrders }, ctx);
    expect(customer.parked).toEqual([]);
    expect(decisions).toEqual([
      expect.objectContaining({
        type: 'reject',
        mailId: 'order-confirmation:o-1',
        code: 'CUSTOMER_ERASED',
        cause: ctx.cause,
      }),
    ]);
  });

  test('an order fact after the erasure is rejected, never requested nor parked', () => {
    const gone = onCustomerFact(erased, { customer: ada, orders: noOrders }, ctx).customer;
    const { decisions, customer } = onOrderFact(shipped, { customer: gone }, ctx);
    expect(customer).toBe(gone);
    expect(decisions).toEqual([
      expect.objectContaining({ type: 'reject', mailId: 'shipping-notice:o-1', code: 'CUSTOMER_ERASED' }),
    ]);
  });

  test("a replayed registration or address change does not bring the customer's data back", () => {
    const gone = onCustomerFact(erased, { customer: ada, orders: noOrders }, ctx).customer;
    for (const fact of [
      {
        type: 'CustomerRegistered',
        payload: {
          customerId: 'c-42',
          email: 'ada@example.test',
          name: 'Ada',
          locale: 'en',
          registeredAt: 1,
          timeZone: null,
        },
      },
      {
        type: 'CustomerEmailChanged',
        payload: { customerId: 'c-42', email: 'a2@example.test', changedAt: 2 },
      },
    ] as CustomerFact[])
      expect(onCustomerFact(fact, { customer: gone, orders: noOrders }, ctx).customer).toBe(gone);
  });

  test('an erasure of a customer never seen still rejects their later mails', () => {
    const { customer } = onCustomerFact(erased, { customer: undefined, orders: noOrders }, ctx);
    expect(onOrderFact(placed, { customer }, ctx).decisions[0]).toMatchObject({ code: 'CUSTOMER_ERASED' });
  });
});
