// Delivery feedback as the feedback service publishes it on mail.events, for tests of its readers.
import { v7 as uuidv7 } from 'uuid';
import {
  newEnvelope,
  type MailBounced,
  type MailComplained,
  type MailUnsubscribed,
} from '@mailfleet/contracts';
import type { OutgoingEvent } from '@mailfleet/kafka';

export type FeedbackItem =
  | { readonly eventType: 'MailBounced'; readonly payload: MailBounced; readonly eventId?: string }
  | { readonly eventType: 'MailComplained'; readonly payload: MailComplained; readonly eventId?: string }
  | { readonly eventType: 'MailUnsubscribed'; readonly payload: MailUnsubscribed; readonly eventId?: string };

/** The items as events on `topic`, keyed by their mail, each with its own (or a new) event id. */
export function feedbackEvents(topic: string, items: readonly FeedbackItem[]): OutgoingEvent[] {
  return items.map((i) => ({
    topic,
    key: i.payload.mailId,
    envelope: {
      ...newEnvelope({
        eventType: i.eventType,
        producer: 'feedback',
        eventId: i.eventId ?? uuidv7(),
        now: new Date(),
      }),
      eventType: i.eventType,
    },
    payload: i.payload as never,
  }));
}

/** CustomerErased on `topic` (customers.events), as an upstream customer service publishes it. */
export function customerErasedEvent(topic: string, customerId: string): OutgoingEvent {
  return {
    topic,
    key: customerId,
    envelope: {
      ...newEnvelope({
        eventType: 'CustomerErased',
        producer: 'customers',
        eventId: uuidv7(),
        now: new Date(),
      }),
      eventType: 'CustomerErased',
    },
    payload: { customerId, erasedAt: Date.now() },
  };
}
