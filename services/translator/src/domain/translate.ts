// The translator's decisions: state + event -> new state + mail decisions. Pure: time and the cause
// are passed in; nothing here reads or writes anything.
//
// The rules are confluent: every placed order gets a confirmation, every shipment a shipping notice and
// every cancellation a cancellation notice (unless the customer opted out or the address is unusable),
// whatever order the facts arrive in. See docs/translator.md.
import type {
  CustomerEmailChanged,
  CustomerErased,
  CustomerMailPreferencesChanged,
  CustomerRegistered,
  OrderCancelled,
  OrderPlaced,
  OrderShipped,
} from '@mailfleet/contracts';
import type { MailDecision, TranslatorPolicy } from './decisions';
import { eraseCustomer, isErased, rejectErased } from './erasure';
import { decideMail, type MailIntent } from './mail-rules';
import {
  emptyCustomer,
  isKnown,
  isSettledFor,
  mailIdOf,
  type Cause,
  type CustomerReplica,
  type MailKind,
  type OrderReplica,
} from './translator-state';

export type OrderFact =
  | { readonly type: 'OrderPlaced'; readonly payload: OrderPlaced }
  | { readonly type: 'OrderShipped'; readonly payload: OrderShipped }
  | { readonly type: 'OrderCancelled'; readonly payload: OrderCancelled };

export type CustomerFact =
  | { readonly type: 'CustomerRegistered'; readonly payload: CustomerRegistered }
  | { readonly type: 'CustomerEmailChanged'; readonly payload: CustomerEmailChanged }
  | { readonly type: 'CustomerMailPreferencesChanged'; readonly payload: CustomerMailPreferencesChanged }
  | { readonly type: 'CustomerErased'; readonly payload: CustomerErased };

export interface Context {
  readonly cause: Cause;
  /** When the fact happened (the event's occurred-at); `now` is when we handle it. */
  readonly occurredAt: number;
  readonly now: number;
  /** The watermark: customers.events has been read up to this moment (isSettledFor). */
  readonly customersReadUntil: number;
  readonly policy: TranslatorPolicy;
}

export interface Outcome {
  readonly customer: CustomerReplica;
  readonly order?: OrderReplica | undefined;
  readonly decisions: readonly MailDecision[];
}

function evolveOrder(order: OrderReplica | undefined, fact: OrderFact): OrderReplica {
  const p = fact.payload;
  const base: OrderReplica = order ?? { orderId: p.orderId, customerId: p.customerId };
  switch (fact.type) {
    case 'OrderPlaced': {
      const { lines, currency, subtotalMinor, shippingMinor, taxMinor, totalMinor, placedAt, invoice } =
        fact.payload;
      return {
        ...base,
        placed: {
          lines,
          currency,
          subtotalMinor,
          shippingMinor,
          taxMinor,
          totalMinor,
          placedAt,
          invoice: invoice ?? null,
        },
      };
    }
    case 'OrderShipped': {
      const { carrier, trackingNumber, trackingUrl, shippedAt } = fact.payload;
      return { ...base, shipped: { carrier, trackingNumber, trackingUrl, shippedAt } };
    }
    case 'OrderCancelled':
      return { ...base, cancelled: { reason: fact.payload.reason, cancelledAt: fact.payload.cancelledAt } };
    default: {
      const unreachable: never = fact;
      throw new Error(`unknown order fact ${JSON.stringify(unreachable)}`);
    }
  }
}

const KIND_OF: Readonly<Record<OrderFact['type'], MailKind>> = {
  OrderPlaced: 'order-confirmation',
  OrderShipped: 'shipping-notice',
  OrderCancelled: 'cancellation-notice',
};

/** The mail an order fact makes due (one per fact kind and order): what the ledger records as decided. */
export const mailIdOfOrderFact = (type: OrderFact['type'], orderId: string): string =>
  mailIdOf(KIND_OF[type], orderId);

/**
 * An order fact: update the order replica; the mail it makes due is decided, or parked on the customer
 * while the customer is unknown or has only just become known (isSettledFor).
 */
export function onOrderFact(
  fact: OrderFact,
  state: { order?: OrderReplica | undefined; customer?: CustomerReplica | undefined },
  ctx: Context,
): Outcome {
  const order = evolveOrder(state.order, fact);
  const customer = state.customer ?? emptyCustomer(order.customerId);
  const kind = KIND_OF[fact.type];
  const intent: MailIntent = {
    mailId: mailIdOf(kind, order.orderId),
    kind,
    orderId: order.orderId,
    cause: ctx.cause,
  };
  if (isErased(customer)) return { order, customer, decisions: [rejectErased(intent, customer)] };
  const settled = isSettledFor(
    customer,
    ctx.occurredAt,
    ctx.now,
    ctx.policy.settleMs,
    ctx.customersReadUntil,
  );
  const decision = settled ? decideMail(intent, customer, order, ctx.policy, ctx.now) : 'park';
  if (decision === 'park') {
    const already = customer.parked.some((p) => p.mailId === intent.mailId);
    const parked = already
      ? customer.parked
      : [...customer.parked, { ...intent, parkedAt: ctx.now, factAt: ctx.occurredAt }];
    return { order, customer: { ...customer, parked }, decisions: [] };
  }
  return { order, customer, decisions: [decision] };
}

function evolveCustomer(customer: CustomerReplica, fact: CustomerFact): CustomerReplica {
  switch (fact.type) {
    case 'CustomerRegistered':
      return {
        ...customer,
        email: fact.payload.email,
        name: fact.payload.name,
        locale: fact.payload.locale,
        timeZone: fact.payload.timeZone ?? customer.timeZone,
      };
    case 'CustomerEmailChanged':
      return { ...customer, email: fact.payload.email };
    case 'CustomerErased':
      return customer; // onCustomerFact: eraseCustomer
    case 'CustomerMailPreferencesChanged':
      return {
        ...customer,
        transactionalOptOut: fact.payload.transactionalOptOut,
        marketingOptOut: fact.payload.marketingOptOut,
        // Null: the time zone did not change.
        timeZone: fact.payload.timeZone ?? customer.timeZone,
      };
    default: {
      const unreachable: never = fact;
      throw new Error(`unknown customer fact ${JSON.stringify(unreachable)}`);
    }
  }
}

/** A customer fact: update the replica, and decide every parked mail the replica is now settled for. */
export function onCustomerFact(
  fact: CustomerFact,
  state: { customer?: CustomerReplica | undefined; orders: ReadonlyMap<string, OrderReplica> },
  ctx: Context,
): Outcome {
  const before = state.customer ?? emptyCustomer(fact.payload.customerId);
  // Nothing brings an erased customer's data back, not even the replay of their registration.
  if (isErased(before)) return { customer: before, decisions: [] };
  if (fact.type === 'CustomerErased') return eraseCustomer(before, fact.payload.erasedAt);
  const evolved = evolveCustomer(before, fact);
  const customer: CustomerReplica = {
    ...evolved,
    // Known before knownSince existed stays "known long ago"; otherwise the first address starts it.
    knownSince: before.knownSince ?? (isKnown(before) || !isKnown(evolved) ? undefined : ctx.now),
    currentAsOf: Math.max(before.currentAsOf ?? 0, ctx.occurredAt),
  };
  return releaseSettled(customer, state.orders, ctx.now, ctx.policy, ctx.customersReadUntil);
}

/**
 * Decides the parked mails the replica is settled for (isSettledFor); the others stay parked. Called for
 * every customer fact, and by the periodic sweep once a newly known customer's settle time has passed.
 */
export function releaseSettled(
  customer: CustomerReplica,
  orders: ReadonlyMap<string, OrderReplica>,
  now: number,
  policy: TranslatorPolicy,
  customersReadUntil: number,
): Outcome {
  const decisions: MailDecision[] = [];
  const stillParked = customer.parked.filter((p) => {
    // Parked before factAt existed: decided as soon as the customer is known, as it was then.
    if (!isSettledFor(customer, p.factAt ?? 0, now, policy.settleMs, customersReadUntil)) return true;
    const decision = decideMail(p, customer, orders.get(p.orderId), policy, now);
    if (decision === 'park') return true;
    decisions.push(decision);
    return false;
  });
  return { customer: { ...customer, parked: stillParked }, decisions };
}

/**
 * Parked longer than the policy allows while the customer is still unknown: rejected as CUSTOMER_UNKNOWN,
 * so nothing waits silently forever. (Mails of a known customer are released by releaseSettled.)
 */
export function expireParked(customer: CustomerReplica, now: number, policy: TranslatorPolicy): Outcome {
  if (isKnown(customer)) return { customer, decisions: [] };
  const expired = customer.parked.filter((p) => now - p.parkedAt >= policy.parkLimitMs);
  if (expired.length === 0) return { customer, decisions: [] };
  const minutes = Math.round(policy.parkLimitMs / 60_000);
  return {
    customer: { ...customer, parked: customer.parked.filter((p) => !expired.includes(p)) },
    decisions: expired.map((p) => ({
      type: 'reject' as const,
      mailId: p.mailId,
      kind: p.kind,
      customerId: customer.customerId,
      code: 'CUSTOMER_UNKNOWN' as const,
      reason:
        `customer ${customer.customerId} is unknown: no CustomerRegistered (or e-mail address) arrived within ${minutes} min ` +
        `of order ${p.orderId}; check that the customer service publishes this customer on customers.events`,
      cause: p.cause,
    })),
  };
}
