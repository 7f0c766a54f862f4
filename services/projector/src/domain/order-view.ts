// The order document: its own facts (orders.events; status only moves forward) and the list of its mails.
import type { MailView, OrderStatus, OrderView, Position } from '@mailfleet/read-models';
import type { OrderEvent, ProjectedRecord } from './projected-record';

const ORDER_RANK: Record<OrderStatus, number> = { unknown: 0, placed: 1, shipped: 2, cancelled: 3 };

export function emptyOrder(orderId: string, position: Position): OrderView {
  return {
    _id: orderId,
    orderId,
    customerId: null,
    status: 'unknown',
    currency: null,
    totalMinor: null,
    placedAt: null,
    shippedAt: null,
    cancelledAt: null,
    cancelReason: null,
    correlationId: null,
    mails: [],
    asOf: position,
  };
}

export function projectOrderFact(order: OrderView, event: OrderEvent, record: ProjectedRecord): OrderView {
  const { position, envelope } = record;
  const advance = (status: OrderStatus) =>
    ORDER_RANK[status] >= ORDER_RANK[order.status] ? status : order.status;
  const base = { ...order, asOf: position, correlationId: order.correlationId ?? envelope.correlationId };
  switch (event.eventType) {
    case 'OrderPlaced':
      return {
        ...base,
        customerId: event.payload.customerId,
        status: advance('placed'),
        currency: event.payload.currency,
        totalMinor: event.payload.totalMinor,
        placedAt: event.payload.placedAt,
        // The order's own correlation id links its mails.
        correlationId: envelope.correlationId,
      };
    case 'OrderShipped':
      return {
        ...base,
        customerId: event.payload.customerId,
        status: advance('shipped'),
        shippedAt: event.payload.shippedAt,
      };
    case 'OrderCancelled':
      return {
        ...base,
        customerId: event.payload.customerId,
        status: advance('cancelled'),
        cancelledAt: event.payload.cancelledAt,
        cancelReason: event.payload.reason,
      };
    default: {
      const unknown: never = event;
      throw new Error(`not an order fact: ${JSON.stringify(unknown)}`);
    }
  }
}

/** The order's list of mails with `mail` in its current status, sorted by mail id. */
export function withOrderMail(order: OrderView, mail: MailView, position: Position): OrderView {
  const others = order.mails.filter((m) => m.mailId !== mail.mailId);
  return {
    ...order,
    mails: [...others, { mailId: mail.mailId, templateId: mail.templateId, status: mail.status }].sort(
      (a, b) => a.mailId.localeCompare(b.mailId),
    ),
    asOf: position,
  };
}
