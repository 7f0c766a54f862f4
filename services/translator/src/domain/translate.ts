// The translator's decisions: state + event -> new state + mail decisions. Pure: time and the cause
// are passed in; nothing here reads or writes anything.
//
// The rules are confluent: every placed order gets a confirmation, every shipment a shipping notice and
// every cancellation a cancellation notice (unless the customer opted out or the address is unusable),
// whatever order the facts arrive in. See docs/translator.md.
import type {
  CustomerEmailChanged,
  CustomerMailPreferencesChanged,
  CustomerRegistered,
  OrderCancelled,
  OrderPlaced,
  OrderShipped,
} from '@mailfleet/contracts';
import type { MailDecision, TranslatorPolicy } from './decisions';
import { decideMail, type MailIntent } from './mail-rules';
import {
  emptyCustomer,
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
  | { readonly type: 'CustomerMailPreferencesChanged'; readonly payload: CustomerMailPreferencesChanged };

export interface Context {
  readonly cause: Cause;
  readonly now: number;
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
      const { lines, currency, subtotalMinor, shippingMinor, taxMinor, totalMinor, placedAt } = fact.payload;
      return {
        ...base,
        placed: { lines, currency, subtotalMinor, shippingMinor, taxMinor, totalMinor, placedAt },
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

/** An order fact: update the order replica; the mail it makes due is decided, or parked on the customer. */
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
  const decision = decideMail(intent, customer, order, ctx.policy);
  if (decision === 'park') {
    const already = customer.parked.some((p) => p.mailId === intent.mailId);
    const parked = already ? customer.parked : [...customer.parked, { ...intent, parkedAt: ctx.now }];
    return { order, customer: { ...customer, parked }, decisions: [] };
  }
  return { order, customer, decisions: [decision] };
}

function evolveCustomer(customer: CustomerReplica, fact: CustomerFact): CustomerReplica {
  switch (fact.type) {
    case 'CustomerRegistered':
      return { ...customer, email: fact.payload.email, name: fact.payload.name, locale: fact.payload.locale };
    case 'CustomerEmailChanged':
      return { ...customer, email: fact.payload.email };
    case 'CustomerMailPreferencesChanged':
      return {
        ...customer,
        transactionalOptOut: fact.payload.transactionalOptOut,
        marketingOptOut: fact.payload.marketingOptOut,
      };
    default: {
      const unreachable: never = fact;
      throw new Error(`unknown customer fact ${JSON.stringify(unreachable)}`);
    }
  }
}

/** A customer fact: update the replica, and decide every parked mail the customer is now known for. */
export function onCustomerFact(
  fact: CustomerFact,
  state: { customer?: CustomerReplica | undefined; orders: ReadonlyMap<string, OrderReplica> },
  ctx: Context,
): Outcome {
  const customer = evolveCustomer(state.customer ?? emptyCustomer(fact.payload.customerId), fact);
  return releaseParked(customer, state.orders, ctx.policy);
}

function releaseParked(
  customer: CustomerReplica,
  orders: ReadonlyMap<string, OrderReplica>,
  policy: TranslatorPolicy,
): Outcome {
  const decisions: MailDecision[] = [];
  const stillParked = customer.parked.filter((p) => {
    const decision = decideMail(p, customer, orders.get(p.orderId), policy);
    if (decision === 'park') return true;
    decisions.push(decision);
    return false;
  });
  return { customer: { ...customer, parked: stillParked }, decisions };
}

/** Parked longer than the policy allows: rejected as CUSTOMER_UNKNOWN, so nothing waits silently forever. */
export function expireParked(customer: CustomerReplica, now: number, policy: TranslatorPolicy): Outcome {
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
