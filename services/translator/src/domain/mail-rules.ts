// Which mail a due intent becomes, for a given customer and order: request, suppress, reject, or park.
import { mailAddressProblem } from '@mailfleet/contracts';
import type { MailDecision, TranslatorPolicy } from './decisions';
import { quietHoursEnd, recipientZone } from './quiet-hours';
import {
  isKnown,
  type Cause,
  type CustomerReplica,
  type MailKind,
  type OrderReplica,
} from './translator-state';

export interface MailIntent {
  readonly mailId: string;
  readonly kind: MailKind;
  readonly orderId: string;
  readonly cause: Cause;
}

/** A locale the templates have: the customer's, its language without region, or the default. */
export function resolveLocale(requested: string | undefined, policy: TranslatorPolicy): string {
  const wanted = (requested ?? '').trim().toLowerCase();
  if (policy.locales.includes(wanted)) return wanted;
  const language = wanted.split(/[-_]/)[0] ?? '';
  return policy.locales.includes(language) ? language : policy.defaultLocale;
}

function templateData(
  kind: MailKind,
  customer: CustomerReplica,
  order: OrderReplica | undefined,
): Record<string, unknown> {
  const common = { orderId: order?.orderId, customerName: customer.name ?? null };
  switch (kind) {
    case 'order-confirmation':
      return {
        ...common,
        currency: order?.placed?.currency,
        lines: (order?.placed?.lines ?? []).map((l) => ({
          ...l,
          lineTotalMinor: l.quantity * l.unitPriceMinor,
        })),
        subtotalMinor: order?.placed?.subtotalMinor,
        shippingMinor: order?.placed?.shippingMinor,
        taxMinor: order?.placed?.taxMinor,
        totalMinor: order?.placed?.totalMinor,
        placedAt: order?.placed?.placedAt,
      };
    case 'shipping-notice':
      return {
        ...common,
        carrier: order?.shipped?.carrier,
        trackingNumber: order?.shipped?.trackingNumber,
        trackingUrl: order?.shipped?.trackingUrl ?? null,
      };
    case 'cancellation-notice':
      return { ...common, reason: order?.cancelled?.reason };
    case 'shipping-digest':
      throw new Error('a shipping digest is made of shipping notices (digests.ts), never due on its own');
    default: {
      const unreachable: never = kind;
      throw new Error(`unknown mail kind ${String(unreachable)}`);
    }
  }
}

/**
 * When a mail of `kind` for a recipient in `zone`, sent out at `now`, may go: null (at once) unless the
 * kind waits out quiet hours and `now` falls into them there. A HIGH-priority kind never waits.
 */
export function notBeforeIn(
  kind: MailKind,
  zone: string,
  policy: TranslatorPolicy,
  now: number,
): number | null {
  const delivery = policy.delivery[kind];
  if (!policy.quietHours || !delivery.quietHours || delivery.priority === 'HIGH') return null;
  return quietHoursEnd(now, zone, policy.quietHours);
}

/** `park` when the customer is not known yet; otherwise the final decision for the mail, made at `now`. */
export function decideMail(
  intent: MailIntent,
  customer: CustomerReplica,
  order: OrderReplica | undefined,
  policy: TranslatorPolicy,
  now: number,
): MailDecision | 'park' {
  const base = { mailId: intent.mailId, kind: intent.kind, cause: intent.cause };
  if (!isKnown(customer)) return 'park';
  if (customer.transactionalOptOut) {
    return {
      ...base,
      type: 'suppress',
      customerId: customer.customerId,
      reason: 'the customer opted out of transactional mail',
    };
  }
  const email = (customer.email ?? '').trim();
  if (email === '') {
    return {
      ...base,
      type: 'reject',
      customerId: customer.customerId,
      code: 'NO_ADDRESS',
      reason: `customer ${customer.customerId} has no e-mail address; ask the customer service to record one (CustomerEmailChanged)`,
    };
  }
  const problem = mailAddressProblem(email);
  if (problem !== undefined) {
    return {
      ...base,
      type: 'reject',
      customerId: customer.customerId,
      code: 'MALFORMED_ADDRESS',
      reason: `customer ${customer.customerId} has a malformed e-mail address (${JSON.stringify(email.slice(0, 80))}: ${problem}); correct it in the customer service`,
    };
  }
  const zone = recipientZone(customer.timeZone, policy.defaultTimeZone);
  return {
    ...base,
    type: 'request',
    templateVersion: policy.templateVersions[intent.kind],
    recipient: { customerId: customer.customerId, email, name: customer.name ?? null },
    locale: resolveLocale(customer.locale, policy),
    templateData: templateData(intent.kind, customer, order),
    priority: policy.delivery[intent.kind].priority,
    notBefore: notBeforeIn(intent.kind, zone, policy, now),
    category: policy.delivery[intent.kind].category ?? null,
    attachments: intent.kind === 'order-confirmation' && order?.placed?.invoice ? [order.placed.invoice] : [],
    zone,
  };
}
