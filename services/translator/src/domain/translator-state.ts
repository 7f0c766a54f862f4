// What the translator knows, replicated from upstream events (it never asks another service).

export type MailKind = 'order-confirmation' | 'shipping-notice' | 'cancellation-notice';

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
  readonly cause: Cause;
}

export interface CustomerReplica {
  readonly customerId: string;
  /** Undefined until CustomerRegistered or CustomerEmailChanged is seen. */
  readonly email?: string | undefined;
  readonly name?: string | undefined;
  readonly locale?: string | undefined;
  readonly transactionalOptOut: boolean;
  readonly marketingOptOut: boolean;
  readonly parked: readonly ParkedMail[];
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

export const mailIdOf = (kind: MailKind, orderId: string): string => `${kind}:${orderId}`;
