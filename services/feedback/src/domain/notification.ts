// One delivery notification as mailfleet understands it, whichever provider reported it: what happened,
// to which mail (by our id, or by the Message-ID we gave it) and to which address.

/**
 * A webhook format, `dsn`: a bounce report received by the SMTP listener, or `one-click`: a recipient
 * used a mail's unsubscribe link.
 */
export type Provider = 'mailfleet' | 'mailgun' | 'sendgrid' | 'dsn' | 'one-click';

/** What the notification says happened. `other` covers what mailfleet does not act on (opens, clicks, deferrals). */
export type NotificationKind = 'delivered' | 'bounced' | 'complained' | 'unsubscribed' | 'other';

export interface Notification {
  readonly provider: Provider;
  /** The provider's id of this notification: the idempotency key (with the provider). */
  readonly eventId: string;
  readonly kind: NotificationKind;
  /** The provider's own name for the event (`failed`, `bounce`, `spamreport`, …), for people reading it. */
  readonly providerEvent: string;
  /** Our mailId, when the notification carries it (our own format, or a custom variable we set). */
  readonly mailId: string | null;
  /** The Message-ID the notification refers to, with or without angle brackets. */
  readonly messageId: string | null;
  /** The recipient address, lower-cased, when named. */
  readonly recipient: string | null;
  readonly bounceType: 'HARD' | 'SOFT' | null;
  /** RFC 3463 enhanced status code (class.subject.detail), when known. */
  readonly status: string | null;
  readonly diagnostic: string | null;
  /** RFC 5965 feedback type of a complaint (`abuse`, …), when known. */
  readonly feedbackType: string | null;
  /** When the provider says it happened (epoch ms). */
  readonly occurredAt: number;
  /**
   * Set on a one-click unsubscribe (from its sealed token): whose preference and which category. Providers'
   * own unsubscribe events carry no category and are stored without acting on them.
   */
  readonly unsubscribe?: { readonly customerId: string; readonly category: string };
}

/** What a provider's body parses into: the notifications, or why the body is not one of its requests. */
export type Parsed =
  | { readonly ok: true; readonly notifications: readonly Notification[] }
  | { readonly ok: false; readonly problem: string };

/** The first RFC 3463 enhanced status code (`5.1.1`) in a text, e.g. an SMTP reply. */
export function enhancedStatusIn(text: string | null | undefined): string | null {
  const match = /(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.])/.exec(text ?? '');
  return match ? (match[1] as string) : null;
}

/** RFC 3463: class 5 is a permanent failure, class 4 a persistent transient one. */
export function bounceTypeOf(status: string | null): 'HARD' | 'SOFT' | null {
  if (status?.startsWith('5.')) return 'HARD';
  if (status?.startsWith('4.')) return 'SOFT';
  return null;
}

export const lowerCased = (address: unknown): string | null =>
  typeof address === 'string' && address.trim() !== '' ? address.trim().toLowerCase() : null;

export const text = (value: unknown): string | null =>
  typeof value === 'string' && value !== '' ? value : null;
