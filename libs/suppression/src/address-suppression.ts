// Which addresses the fleet no longer writes to, from the delivery feedback on mail.events: a
// permanent bounce or a spam complaint suppresses the address for good; soft bounces suppress it for a
// while once there are enough of them in a window (a full mailbox, a server refusing for now). Keyed by
// address, not customer: a customer who changes a bouncing address gets mail at the new one.
import type { MailBounced, MailComplained, MailUnsubscribed } from '@mailfleet/contracts';

/** One fact about an address, as stored (identical on every replay of its event, so it is stored once). */
export interface AddressFact {
  /**
   * `manual`: an operator's decision (`ops suppression add`); `unsubscribe`: the recipient followed a
   * mail's one-click link, and only mail of `category` stops.
   */
  readonly kind: 'hard-bounce' | 'complaint' | 'soft-bounce' | 'manual' | 'unsubscribe';
  readonly at: number;
  readonly mailId: string;
  readonly eventId: string;
  /** Status code and source, for the reason a person reads. */
  readonly detail: string;
  /** The category unsubscribed from (kind `unsubscribe` only). */
  readonly category?: string;
}

export interface AddressSuppression {
  readonly address: string;
  readonly permanent: readonly AddressFact[];
  readonly soft: readonly AddressFact[];
  /** One-click unsubscribes, each from one category. */
  readonly unsubscribed: readonly AddressFact[];
}

export interface SoftBouncePolicy {
  /** This many soft bounces within `windowMs` suppress the address… */
  readonly limit: number;
  /** …until the window has passed over enough of them again. */
  readonly windowMs: number;
}

export type FeedbackEvent =
  | { readonly eventType: 'MailBounced'; readonly payload: MailBounced }
  | { readonly eventType: 'MailComplained'; readonly payload: MailComplained }
  | { readonly eventType: 'MailUnsubscribed'; readonly payload: MailUnsubscribed };

/** The fact a feedback event states about its address; null when it names no address. */
export function addressFactOf(
  event: FeedbackEvent,
  eventId: string,
): { address: string; fact: AddressFact } | null {
  const address = event.payload.recipient?.trim().toLowerCase();
  if (!address) return null;
  const source = event.payload.source ?? 'unknown source';
  if (event.eventType === 'MailUnsubscribed')
    return {
      address,
      fact: {
        kind: 'unsubscribe',
        at: event.payload.unsubscribedAt,
        mailId: event.payload.mailId,
        eventId,
        detail: source,
        category: event.payload.category,
      },
    };
  if (event.eventType === 'MailComplained')
    return {
      address,
      fact: {
        kind: 'complaint',
        at: event.payload.complainedAt,
        mailId: event.payload.mailId,
        eventId,
        detail: `${event.payload.feedbackType ?? 'abuse'}, ${source}`,
      },
    };
  const p = event.payload;
  return {
    address,
    fact: {
      kind: p.bounceType === 'HARD' ? 'hard-bounce' : 'soft-bounce',
      at: p.bouncedAt,
      mailId: p.mailId,
      eventId,
      detail: p.status === null ? source : `${p.status}, ${source}`,
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Why mail to this address is suppressed now, or null when it is not. `category`: the mail's category
 * (null for transactional mail, which no unsubscribe stops).
 */
export function suppressionReason(
  s: AddressSuppression | undefined,
  nowMs: number,
  soft: SoftBouncePolicy,
  category: string | null = null,
): string | null {
  if (s === undefined) return null;
  const first = [...s.permanent].sort((a, b) => a.at - b.at)[0];
  if (first !== undefined) {
    if (first.kind === 'manual')
      return `the address was suppressed by an operator at ${iso(first.at)}: ${first.detail}`;
    const what = first.kind === 'complaint' ? 'a spam complaint' : 'a permanent bounce';
    return `the address is suppressed after ${what} (${first.detail}) at ${iso(first.at)} for mail ${first.mailId}`;
  }
  const unsubscribed = category === null ? undefined : s.unsubscribed.find((f) => f.category === category);
  if (unsubscribed !== undefined)
    return `the recipient unsubscribed from ${category} mail (${unsubscribed.detail}) at ${iso(unsubscribed.at)} with the link in mail ${unsubscribed.mailId}`;
  const recent = s.soft
    .filter((f) => f.at > nowMs - soft.windowMs && f.at <= nowMs)
    .sort((a, b) => b.at - a.at);
  if (recent.length < soft.limit) return null;
  // Lifted when the oldest of the newest `limit` bounces leaves the window.
  const until = (recent[soft.limit - 1] as AddressFact).at + soft.windowMs;
  return `the address is suppressed until ${iso(until)} after ${recent.length} soft bounces within ${Math.round(soft.windowMs / 3_600_000)} h (last: ${recent[0]!.detail})`;
}
