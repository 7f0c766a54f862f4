// Quiet hours and priority in the translator's decisions: the moment of the decision, the customer's time
// zone and the kind's delivery policy give MailRequested its priority and notBefore.
import { onCustomerFact, onOrderFact } from './translate';
import type { TranslatorPolicy } from './decisions';
import { emptyCustomer } from './translator-state';

import { ada, ctx, placed, policy, shipped } from '../../test/domain/translate-fixtures';

const night: TranslatorPolicy = { ...policy, quietHours: { startMinute: 22 * 60, endMinute: 7 * 60 } };
/** 2026-12-06 23:00 in Berlin (22:00 UTC). */
const lateEvening = Date.parse('2026-12-06T22:00:00Z');
const at = (now: number, p: TranslatorPolicy = night) => ({
  ...ctx,
  now,
  occurredAt: now - 1,
  customersReadUntil: now,
  policy: p,
});
const berliner = { ...ada, timeZone: 'Europe/Berlin' };

describe('quiet hours', () => {
  test("a shipping notice due at 23:00 in the customer's zone waits until 07:00 there", () => {
    const [d] = onOrderFact(shipped, { customer: berliner }, at(lateEvening)).decisions;
    expect(d).toMatchObject({
      type: 'request',
      priority: 'NORMAL',
      notBefore: Date.parse('2026-12-07T06:00:00Z'),
    });
  });

  test('a kind quiet hours do not hold goes at once', () => {
    const [d] = onOrderFact(placed, { customer: berliner }, at(lateEvening)).decisions;
    expect(d).toMatchObject({ type: 'request', notBefore: null });
  });

  test('a HIGH-priority kind goes at once even when quiet hours would hold it', () => {
    const urgent: TranslatorPolicy = {
      ...night,
      delivery: { ...night.delivery, 'shipping-notice': { priority: 'HIGH', quietHours: true } },
    };
    const [d] = onOrderFact(shipped, { customer: berliner }, at(lateEvening, urgent)).decisions;
    expect(d).toMatchObject({ type: 'request', priority: 'HIGH', notBefore: null });
  });

  test('without a zone of its own the customer gets the default zone', () => {
    // 22:00 UTC is inside the quiet hours in UTC (the fixtures' default), outside them in New York.
    const [inUtc] = onOrderFact(shipped, { customer: ada }, at(lateEvening)).decisions;
    expect(inUtc).toMatchObject({ notBefore: Date.parse('2026-12-07T07:00:00Z') });
    const newYork = { ...night, defaultTimeZone: 'America/New_York' };
    const [inNewYork] = onOrderFact(shipped, { customer: ada }, at(lateEvening, newYork)).decisions;
    expect(inNewYork).toMatchObject({ notBefore: null });
  });

  test('an unknown zone on the customer facts falls back to the default instead of failing', () => {
    const odd = { ...ada, timeZone: 'Not/AZone' };
    const [d] = onOrderFact(shipped, { customer: odd }, at(lateEvening)).decisions;
    expect(d).toMatchObject({ notBefore: Date.parse('2026-12-07T07:00:00Z') });
  });

  test('no quiet hours configured: nothing waits', () => {
    const [d] = onOrderFact(shipped, { customer: berliner }, at(lateEvening, policy)).decisions;
    expect(d).toMatchObject({ notBefore: null });
  });

  test('the zone comes from CustomerRegistered and a preference change; null there keeps it', () => {
    const registered = onCustomerFact(
      {
        type: 'CustomerRegistered',
        payload: {
          customerId: 'c-42',
          email: 'a@example.test',
          name: 'A',
          locale: 'en',
          registeredAt: 1,
          timeZone: 'Asia/Tokyo',
        },
      },
      { customer: emptyCustomer('c-42'), orders: new Map() },
      at(lateEvening),
    ).customer;
    expect(registered.timeZone).toBe('Asia/Tokyo');
    const prefs = (timeZone: string | null) => ({
      type: 'CustomerMailPreferencesChanged' as const,
      payload: {
        customerId: 'c-42',
        transactionalOptOut: false,
        marketingOptOut: false,
        changedAt: 2,
        timeZone,
      },
    });
    const kept = onCustomerFact(prefs(null), { customer: registered, orders: new Map() }, at(lateEvening));
    expect(kept.customer.timeZone).toBe('Asia/Tokyo');
    const moved = onCustomerFact(
      prefs('Europe/Berlin'),
      { customer: registered, orders: new Map() },
      at(lateEvening),
    );
    expect(moved.customer.timeZone).toBe('Europe/Berlin');
  });
});
