// The address facts among records of mail.events, for a consumer that reads the topic for its feedback
// and skips everything else on it.
import type { AnyDecodedEvent } from '@mailfleet/contracts';
import { addressFactOf, type AddressFact, type FeedbackEvent } from './address-suppression';

const FEEDBACK = new Set(['MailBounced', 'MailComplained', 'MailUnsubscribed']);

/**
 * The facts stated by the feedback among `events` (with their event ids); `count` is told the kind of
 * each piece of feedback, or `no-address` for one that names no address (it suppresses nothing).
 */
export function addressFactsAmong(
  events: readonly { event: AnyDecodedEvent; eventId: string }[],
  count: (kind: AddressFact['kind'] | 'no-address') => void,
): { address: string; fact: AddressFact }[] {
  const out: { address: string; fact: AddressFact }[] = [];
  for (const { event, eventId } of events) {
    if (!FEEDBACK.has(event.eventType)) continue;
    const found = addressFactOf(event as FeedbackEvent, eventId);
    count(found?.fact.kind ?? 'no-address');
    if (found) out.push(found);
  }
  return out;
}
