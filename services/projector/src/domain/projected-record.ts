// What the projection rules take and give: a decoded record with its position, the documents it may
// touch as loaded, and their new versions.
import type { AnyDecodedEvent } from '@mailfleet/contracts';
import type {
  MailView,
  OrderView,
  Position,
  RecipientView,
  TemplateDayIncrement,
} from '@mailfleet/read-models';

export interface ProjectedRecord {
  readonly event: AnyDecodedEvent;
  readonly envelope: { readonly eventId: string; readonly correlationId: string };
  readonly position: Position;
}

export interface Loaded {
  readonly mail: MailView | null;
  readonly order: OrderView | null;
  readonly recipient: RecipientView | null;
}

/** New versions of the documents that changed (null: untouched) and counter increments. */
export interface Changes {
  readonly mail: MailView | null;
  readonly order: OrderView | null;
  readonly recipient: RecipientView | null;
  readonly templateDays: readonly TemplateDayIncrement[];
}

/** The event types that are facts about an order (orders.events). */
export type OrderEvent = Extract<
  AnyDecodedEvent,
  { eventType: 'OrderPlaced' | 'OrderShipped' | 'OrderCancelled' }
>;
export const isOrderEvent = (event: AnyDecodedEvent): event is OrderEvent =>
  event.eventType === 'OrderPlaced' ||
  event.eventType === 'OrderShipped' ||
  event.eventType === 'OrderCancelled';
