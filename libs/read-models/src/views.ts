// The documents the projector writes and the dashboard reads.

/** Where a record came from: every view says how fresh it is. */
export interface Position {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The Kafka record's timestamp (epoch ms). */
  readonly timestamp: number;
}

export type MailStatus =
  /** Due, but waiting for its customer to be known to the translator (MailParked). */
  | 'parked'
  | 'requested'
  | 'retrying'
  /** The outcome of an attempt is unknown (connection lost after the final dot, sender died). */
  | 'ambiguous'
  | 'sent'
  | 'failed'
  | 'dead'
  | 'suppressed'
  | 'rejected'
  | 'delivered'
  | 'bounced';

export type TimelineType =
  | 'parked'
  | 'requested'
  | 'attempt-failed'
  | 'ambiguous'
  | 'sent'
  | 'failed'
  | 'dead'
  | 'delivered'
  | 'bounced'
  /** The recipient reported the mail as spam; the mail was delivered. */
  | 'complained'
  /** The recipient unsubscribed from the mail's category with its link (RFC 8058); it was delivered. */
  | 'unsubscribed'
  | 'suppressed'
  | 'rejected';

export interface TimelineEntry {
  readonly type: TimelineType;
  /** When it happened (epoch ms, from the event's payload). */
  readonly at: number;
  readonly reason: string | null;
  readonly attempt: number | null;
  readonly eventId: string;
  readonly correlationId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface MailView {
  readonly _id: string;
  readonly mailId: string;
  readonly templateId: string;
  readonly orderId: string | null;
  readonly email: string | null;
  readonly customerId: string | null;
  readonly locale: string | null;
  readonly status: MailStatus;
  readonly correlationId: string | null;
  /** The SMTP Message-ID once sent. */
  readonly messageId: string | null;
  readonly requestedAt: number | null;
  /** Held until then (the recipient's quiet hours); null or absent: not held. */
  readonly notBefore?: number | null;
  readonly priority?: 'HIGH' | 'NORMAL' | 'LOW';
  /** A digest's window and the mail ids of the facts it lists (docs/digests.md); absent otherwise. */
  readonly digest?: {
    readonly windowStart: number;
    readonly windowEnd: number;
    readonly members: readonly string[];
  } | null;
  readonly sentAt: number | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly timeline: readonly TimelineEntry[];
  readonly updatedAt: number;
  readonly asOf: Position;
}

export type OrderStatus = 'placed' | 'shipped' | 'cancelled' | 'unknown';

export interface OrderMail {
  readonly mailId: string;
  readonly templateId: string;
  readonly status: MailStatus;
}

export interface OrderView {
  readonly _id: string;
  readonly orderId: string;
  readonly customerId: string | null;
  readonly status: OrderStatus;
  readonly currency: string | null;
  readonly totalMinor: number | null;
  readonly placedAt: number | null;
  readonly shippedAt: number | null;
  readonly cancelledAt: number | null;
  readonly cancelReason: string | null;
  readonly correlationId: string | null;
  readonly mails: readonly OrderMail[];
  readonly asOf: Position;
}

export interface RecipientMail {
  readonly mailId: string;
  readonly templateId: string;
  readonly status: MailStatus;
  readonly requestedAt: number | null;
}

export interface RecipientView {
  readonly _id: string;
  readonly email: string;
  readonly customerId: string | null;
  /** How many of the recipient's mails are in each status now. */
  readonly counts: Readonly<Partial<Record<MailStatus, number>>>;
  readonly total: number;
  /** Newest first, at most RECIPIENT_HISTORY_LIMIT. */
  readonly mails: readonly RecipientMail[];
  readonly asOf: Position;
}

export type TemplateDayCounter = 'requested' | 'sent' | 'retries' | 'failed' | 'dead' | 'bounced';

/** An increment of one template's counters on one UTC day. */
export interface TemplateDayIncrement {
  readonly templateId: string;
  /** YYYY-MM-DD, UTC. */
  readonly day: string;
  readonly counts: Readonly<Partial<Record<TemplateDayCounter, number>>>;
  /** A send latency (requested → sent) to add, in ms. */
  readonly latencyMs?: number;
}

export interface TemplateDayView {
  readonly _id: string;
  readonly templateId: string;
  readonly day: string;
  readonly counts: Readonly<Partial<Record<TemplateDayCounter, number>>>;
  readonly latencySumMs: number;
  readonly latencyCount: number;
  readonly latencyMaxMs: number;
}

export const RECIPIENT_HISTORY_LIMIT = 100;
