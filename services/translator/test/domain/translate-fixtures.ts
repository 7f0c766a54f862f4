// The translator's rules under test: a policy, a context, a known customer and the three order facts.
import type { TranslatorPolicy } from '../../src/domain/decisions';
import { type Context, type OrderFact } from '../../src/domain/translate';
import { emptyCustomer, type CustomerReplica } from '../../src/domain/translator-state';

export const policy: TranslatorPolicy = {
  locales: ['en', 'de'],
  defaultLocale: 'en',
  parkLimitMs: 60 * 60_000,
  softBounces: { limit: 3, windowMs: 72 * 3_600_000 },
  settleMs: 2_000,
  templateVersions: {
    'order-confirmation': 1,
    'shipping-notice': 1,
    'cancellation-notice': 1,
    'shipping-digest': 1,
  },
  delivery: {
    'order-confirmation': { priority: 'NORMAL', quietHours: false },
    'shipping-notice': { priority: 'NORMAL', quietHours: true },
    'cancellation-notice': { priority: 'NORMAL', quietHours: true },
    'shipping-digest': { priority: 'NORMAL', quietHours: true },
  },
  defaultTimeZone: 'UTC',
};
export const ctx: Context = {
  cause: { eventId: 'e-1', correlationId: 'c-1' },
  occurredAt: 999_000,
  now: 1_000_000,
  customersReadUntil: 1_000_000,
  policy,
};
export const ada: CustomerReplica = {
  ...emptyCustomer('c-42'),
  email: 'ada@example.test',
  name: 'Ada',
  locale: 'en',
};

export const placed: OrderFact = {
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
    invoice: null,
    placedAt: 5,
  },
};
export const shipped: OrderFact = {
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
export const cancelled: OrderFact = {
  type: 'OrderCancelled',
  payload: { orderId: 'o-1', customerId: 'c-42', reason: 'out of stock', cancelledAt: 7 },
};
