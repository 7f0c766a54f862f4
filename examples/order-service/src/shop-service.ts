// An upstream service as our users would write one: each command changes its own state and adds the
// event to the outbox in the same MongoDB transaction. `abort` makes a command fail after its writes,
// to show (and test) that nothing of a rolled-back transaction is ever published.
import type { ClientSession, Db, MongoClient } from 'mongodb';
import {
  CUSTOMERS_EVENTS,
  ORDERS_EVENTS,
  newEnvelope,
  type EventPayloads,
  type EventType,
  type OrderPlaced,
  type TopicDefinition,
} from '@mailfleet/contracts';
import type { Outbox } from '@mailfleet/outbox';

export class AbortedOnPurpose extends Error {
  override name = 'AbortedOnPurpose';
}

/** A change to a customer the shop does not have (never registered, or its registration rolled back). */
export class UnknownCustomer extends Error {
  override name = 'UnknownCustomer';
  constructor(readonly customerId: string) {
    super(`customer ${customerId} is not registered; register the customer first`);
  }
}

export interface ShopOptions {
  readonly client: MongoClient;
  readonly db: Db;
  readonly outbox: Outbox;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly ordersTopic?: TopicDefinition;
  readonly customersTopic?: TopicDefinition;
}

/** An order to place; `invoice` is the reference `AttachmentStore.put` returned (docs/attachments.md). */
export type NewOrder = Omit<OrderPlaced, 'placedAt' | 'invoice'> & {
  readonly invoice?: OrderPlaced['invoice'];
};

export interface CommandOptions {
  /** Fail after every write of the command, so the transaction rolls back. */
  readonly abort?: boolean;
  readonly correlationId?: string;
}

export class ShopService {
  private readonly ordersTopic: string;
  private readonly customersTopic: string;

  constructor(private readonly options: ShopOptions) {
    this.ordersTopic = (options.ordersTopic ?? ORDERS_EVENTS).name;
    this.customersTopic = (options.customersTopic ?? CUSTOMERS_EVENTS).name;
  }

  registerCustomer(
    c: Omit<EventPayloads['CustomerRegistered'], 'registeredAt' | 'timeZone'> & { timeZone?: string | null },
    opts: CommandOptions = {},
  ) {
    return this.command(
      opts,
      this.customersTopic,
      c.customerId,
      'CustomerRegistered',
      (now) => ({ ...c, timeZone: c.timeZone ?? null, registeredAt: now }),
      async (s, p) => {
        await this.options.db
          .collection('customers')
          .insertOne({ _id: c.customerId as never, version: 1, ...p }, { session: s });
        return 1;
      },
    );
  }

  changeEmail(customerId: string, email: string, opts: CommandOptions = {}) {
    return this.command(
      opts,
      this.customersTopic,
      customerId,
      'CustomerEmailChanged',
      (now) => ({ customerId, email, changedAt: now }),
      (s) => this.change(s, 'customers', customerId, { email }, () => new UnknownCustomer(customerId)),
    );
  }

  /**
   * A right-to-erasure request: the shop forgets the customer's address and name and tells the fleet
   * with CustomerErased (which carries no personal data), in one transaction.
   */
  eraseCustomer(customerId: string, opts: CommandOptions = {}) {
    return this.command(
      opts,
      this.customersTopic,
      customerId,
      'CustomerErased',
      (now) => ({ customerId, erasedAt: now }),
      (s) =>
        this.change(
          s,
          'customers',
          customerId,
          { email: null, name: null, erasedAt: Date.now() },
          () => new UnknownCustomer(customerId),
        ),
    );
  }

  changeMailPreferences(
    customerId: string,
    transactionalOptOut: boolean,
    marketingOptOut: boolean,
    opts: CommandOptions = {},
  ) {
    return this.command(
      opts,
      this.customersTopic,
      customerId,
      'CustomerMailPreferencesChanged',
      (now) => ({ customerId, transactionalOptOut, marketingOptOut, changedAt: now, timeZone: null }),
      (s) =>
        this.change(
          s,
          'customers',
          customerId,
          { transactionalOptOut, marketingOptOut },
          () => new UnknownCustomer(customerId),
        ),
    );
  }

  placeOrder(order: NewOrder, opts: CommandOptions = {}) {
    return this.command(
      opts,
      this.ordersTopic,
      order.orderId,
      'OrderPlaced',
      (now) => ({ ...order, invoice: order.invoice ?? null, placedAt: now }),
      async (s, p) => {
        await this.options.db
          .collection('orders')
          .insertOne({ _id: order.orderId as never, version: 1, status: 'placed', ...p }, { session: s });
        return 1;
      },
    );
  }

  shipOrder(
    orderId: string,
    customerId: string,
    carrier: string,
    trackingNumber: string,
    opts: CommandOptions = {},
  ) {
    return this.command(
      opts,
      this.ordersTopic,
      orderId,
      'OrderShipped',
      (now) => ({
        orderId,
        customerId,
        carrier,
        trackingNumber,
        trackingUrl: `https://track.example.test/${trackingNumber}`,
        shippedAt: now,
      }),
      (s) => this.change(s, 'orders', orderId, { status: 'shipped' }),
    );
  }

  cancelOrder(orderId: string, customerId: string, reason: string, opts: CommandOptions = {}) {
    return this.command(
      opts,
      this.ordersTopic,
      orderId,
      'OrderCancelled',
      (now) => ({ orderId, customerId, reason, cancelledAt: now }),
      (s) => this.change(s, 'orders', orderId, { status: 'cancelled' }),
    );
  }

  /**
   * Changes an aggregate and returns its new version, which is the seq of the event it publishes (the
   * outbox then needs no counter of its own: one round trip less per command). A document written
   * before the shop kept versions has none; it stays on the outbox's counter (undefined), so that its
   * key's numbering is never mixed. Neither found: `unknown()` is thrown, if given.
   */
  private async change(
    session: ClientSession,
    collection: 'orders' | 'customers',
    id: string,
    set: Record<string, unknown>,
    unknown?: () => Error,
  ): Promise<number | undefined> {
    const docs = this.options.db.collection<{ _id: string; version?: number }>(collection);
    const versioned = await docs.findOneAndUpdate(
      { _id: id, version: { $exists: true } },
      { $set: set, $inc: { version: 1 } },
      { session, returnDocument: 'after', projection: { version: 1 } },
    );
    if (versioned) return versioned.version;
    const { matchedCount } = await docs.updateOne({ _id: id }, { $set: set }, { session });
    if (matchedCount === 0 && unknown) throw unknown();
    return undefined;
  }

  /** One command: state change and outbox record in one transaction. Resolves with the event id. */
  private async command<T extends EventType>(
    opts: CommandOptions,
    topic: string,
    key: string,
    eventType: T,
    payloadAt: (now: number) => EventPayloads[T],
    write: (session: ClientSession, payload: EventPayloads[T]) => Promise<number | undefined>,
  ): Promise<string> {
    const now = this.options.now();
    const eventId = this.options.newId();
    const payload = payloadAt(now.getTime());
    const envelope = {
      ...newEnvelope({ eventType, producer: 'example-order-service', eventId, now }),
      ...(opts.correlationId ? { correlationId: opts.correlationId } : {}),
    };
    await this.options.client.withSession((session) =>
      session.withTransaction(async () => {
        const version = await write(session, payload);
        await this.options.outbox.add(session, {
          topic,
          key,
          envelope,
          payload,
          ...(version === undefined ? {} : { version }),
        });
        if (opts.abort) throw new AbortedOnPurpose(`${eventType} ${key} rolled back on purpose`);
      }),
    );
    return eventId;
  }
}
