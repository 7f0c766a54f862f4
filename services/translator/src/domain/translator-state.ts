// What the translator knows, replicated from upstream events (it never asks another service).
import type { AttachmentRef } from '@mailfleet/contracts';

export const MAIL_KINDS = [
  'order-confirmation',
  'shipping-notice',
  'cancellation-notice',
  // Never due on its own: the digest of several shipping notices (digests.ts).
  'shipping-digest',
] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

/** Where a decision came from: the business fact that made a mail due. */
export interface Cause {
  readonly eventId: string;
  readonly correlationId: string;
  readonly traceparent?: string | undefined;
}

/** A mail that is due but waits for its customer to become known. */
export interface ParkedMail {
  readonly mailId: string;
  readonly kind: MailKind;
  readonly orderId: string;
  readonly parkedAt: number;
  /** When the fact that made the mail due happened (its occurred-at); absent if parked by version 1. */
  readonly factAt?: number | undefined;
  readonly cause: Cause;
}

export interface CustomerReplica {
  readonly customerId: string;
  /** Undefined until CustomerRegistered or CustomerEmailChanged is seen. */
  readonly email?: string | undefined;
  readonly name?: string | undefined;
  readonly locale?: string | undefined;
  /** IANA time zone from the customer facts, as given (checked when used: see quiet-hours.ts). */
  readonly timeZone?: string | undefined;
  readonly transactionalOptOut: boolean;
  readonly marketingOptOut: boolean;
  /** Our clock when the customer became known (first address). */
  readonly knownSince?: number | undefined;
  /** The latest occurred-at among the customer events applied: the replica is current as of then. */
  readonly currentAsOf?: number | undefined;
  readonly parked: readonly ParkedMail[];
  /**
   * Set by CustomerErased: the replica keeps the id and the opt-outs, never again an address or a name,
   * and every later mail for the customer is rejected (erasure.ts).
   */
  readonly erasedAt?: number | undefined;
}

export interface OrderLineSummary {
  readonly sku: string;
  readonly name: string;
  readonly quantity: number;
  readonly unitPriceMinor: number;
}

export interface OrderReplica {
  readonly orderId: string;
  readonly customerId: string;
  readonly placed?: {
    readonly lines: readonly OrderLineSummary[];
    readonly currency: string;
    readonly subtotalMinor: number;
    readonly shippingMinor: number;
    readonly taxMinor: number;
    readonly totalMinor: number;
    readonly placedAt: number;
    /** The invoice blob the order service stored, attached to the confirmation (a reference, never bytes). */
    readonly invoice?: AttachmentRef | null;
  };
  readonly shipped?: {
    readonly carrier: string;
    readonly trackingNumber: string;
    readonly trackingUrl: string | null;
    readonly shippedAt: number;
  };
  readonly cancelled?: { readonly reason: string; readonly cancelledAt: number };
}

export const emptyCustomer = (customerId: string): CustomerReplica => ({
  customerId,
  transactionalOptOut: false,
  marketingOptOut: false,
  parked: [],
});

/** A customer is known once we have an address for them. */
export const isKnown = (c: CustomerReplica): boolean => c.email !== undefined;

/**
 * Whether a mail for a fact that happened at `factAt` may be decided from this replica now. The customer's
 * own events arrive in order on their partition of customers.events, but independently of the orders
 * topic: a customer who registered and opted out right away, then ordered, can have the order translated
 * between the two customer events; a translator catching up after downtime can read orders.events ahead
 * of customers.events. So the replica must be current as of the fact — a customer event that happened
 * later has been applied, hence every earlier one too — or customers.events must have been read up to a
 * moment after the fact (`customersReadUntil`, the watermark) and the customer known for `settleMs`, the
 * time a follow-up event gets to be published by the customer service.
 */
export const isSettledFor = (
  c: CustomerReplica,
  factAt: number,
  now: number,
  settleMs: number,
  customersReadUntil: number,
): boolean =>
  isKnown(c) &&
  ((c.currentAsOf ?? 0) >= factAt ||
    (customersReadUntil >= factAt &&
      // A replica without knownSince was written before the field existed: known long ago.
      (c.knownSince === undefined || now - c.knownSince >= settleMs)));

export const mailIdOf = (kind: MailKind, orderId: string): string => `${kind}:${orderId}`;
