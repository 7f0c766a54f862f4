// The translator's MongoDB collections: its replica of customers and orders, its inbox of processed
// event ids, and its ledger of decided mails. Every write takes the caller's transaction session.
import type { ClientSession, Db } from 'mongodb';
import { isKnown, type CustomerReplica, type OrderReplica } from '../domain/translator-state';

/**
 * `releasableFactAt` is stored for the sweep's sake only: on a known customer with parked mails, the
 * earliest fact time among them; absent otherwise. Customers whose mails are parked because they are
 * still unknown (a registration that never came, rolled back upstream) pile up for the park limit; an
 * index over this field leaves them out, where one over `parked.factAt` made every sweep fetch them
 * all (16 s of the stand-in's time per 45 s in the 10,000-order chaos run).
 */
type CustomerDoc = CustomerReplica & { _id: string; releasableFactAt?: number };
type OrderDoc = OrderReplica & { _id: string };

export interface InboxEntry {
  _id: string;
  eventType: string;
  topic: string;
  partition: number;
  offset: string;
  processedAt: Date;
}

export interface LedgerEntry {
  _id: string;
  /** `digested`: collected into the digest `digest` (whose own entry says how it went out). */
  outcome: 'requested' | 'suppressed' | 'rejected' | 'digested';
  /** The event that published the decision; none for a mail collected into a digest. */
  eventId: string | null;
  decidedAt: Date;
  digest?: string;
}

export class TranslatorStore {
  constructor(private readonly db: Db) {}

  readonly customers = () => this.db.collection<CustomerDoc>('translator_customers');
  readonly orders = () => this.db.collection<OrderDoc>('translator_orders');
  readonly inbox = () => this.db.collection<InboxEntry>('translator_inbox');
  readonly ledger = () => this.db.collection<LedgerEntry>('translator_mails');

  /** Creates the collections and indexes before the first transaction uses them. */
  async ensureIndexes(): Promise<void> {
    await this.customers().createIndex({ 'parked.parkedAt': 1 }, { name: 'parked_since' });
    await this.customers().createIndex({ 'parked.factAt': 1 }, { name: 'parked_fact_at' });
    await this.customers().createIndex({ releasableFactAt: 1 }, { name: 'releasable', sparse: true });
    await this.orders().createIndex({ customerId: 1 }, { name: 'by_customer' });
    await this.inbox().createIndex({ processedAt: 1 }, { name: 'processed_at' });
    await this.ledger().createIndex({ decidedAt: 1 }, { name: 'decided_at' });
  }

  async ordersById(session: ClientSession, orderIds: readonly string[]): Promise<Map<string, OrderReplica>> {
    if (orderIds.length === 0) return new Map();
    const docs = await this.orders()
      .find({ _id: { $in: [...orderIds] } }, { session })
      .toArray();
    return new Map(docs.map((d) => [d._id, strip(d)]));
  }

  // One round trip each, whatever the number of records.

  /** The event ids among `ids` processed before. */
  async processedAmong(session: ClientSession, ids: readonly string[]): Promise<Set<string>> {
    const docs = await this.inbox()
      .find({ _id: { $in: [...ids] } }, { session, projection: { _id: 1 } })
      .toArray();
    return new Set(docs.map((d) => d._id));
  }

  async recordProcessed(session: ClientSession, entries: readonly InboxEntry[]): Promise<void> {
    if (entries.length > 0) await this.inbox().insertMany([...entries], { session });
  }

  async customersById(
    session: ClientSession,
    customerIds: readonly string[],
  ): Promise<Map<string, CustomerReplica>> {
    if (customerIds.length === 0) return new Map();
    const docs = await this.customers()
      .find({ _id: { $in: [...customerIds] } }, { session })
      .toArray();
    return new Map(docs.map((d) => [d._id, strip(d)]));
  }

  /** Writing a customer's document serialises concurrent transactions that change the same customer. */
  async saveAll(
    session: ClientSession,
    customers: readonly CustomerReplica[],
    orders: readonly OrderReplica[],
  ): Promise<void> {
    if (customers.length > 0)
      await this.customers().bulkWrite(
        customers.map((c) => ({
          replaceOne: { filter: { _id: c.customerId }, replacement: customerDoc(c), upsert: true },
        })),
        { session, ordered: false },
      );
    if (orders.length > 0)
      await this.orders().bulkWrite(
        orders.map((o) => ({ replaceOne: { filter: { _id: o.orderId }, replacement: o, upsert: true } })),
        { session, ordered: false },
      );
  }

  /** The mail ids among `ids` decided before. */
  async decidedAmong(session: ClientSession, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const docs = await this.ledger()
      .find({ _id: { $in: [...ids] } }, { session, projection: { _id: 1 } })
      .toArray();
    return new Set(docs.map((d) => d._id));
  }

  async recordDecided(session: ClientSession, entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length > 0) await this.ledger().insertMany([...entries], { session });
  }

  /**
   * Known customers (known before `knownBefore`) with a mail parked for a fact no later than
   * `readUntil`: the ones a sweep may be able to decide now, found by the `releasable` index.
   * `knownSince` is checked here rather than in the query: a second predicate made the local
   * stand-in's planner give up the index (mongod would fetch and filter, as this does). With `legacy`,
   * run once after start, also the customers written before `releasableFactAt` existed: by the
   * parked mails' fact times, and those parked before `factAt` existed (decided as soon as their
   * customer is settled) — separate queries, because an `$or` made every sweep scan the collection.
   */
  async customersSettledWithParked(
    knownBefore: number,
    readUntil: number,
    limit: number,
    legacy = false,
  ): Promise<string[]> {
    const filters = legacy
      ? [
          { 'parked.factAt': { $lte: readUntil } },
          { 'parked.parkedAt': { $gte: 0 }, 'parked.factAt': { $exists: false } },
        ]
      : [{ releasableFactAt: { $lte: readUntil } }];
    const ids = new Set<string>();
    for (const filter of filters) {
      const docs = await this.customers()
        .find(filter, { projection: { _id: 1, knownSince: 1 } })
        .limit(limit * (legacy ? 5 : 2))
        .toArray();
      for (const d of docs) if (d.knownSince !== undefined && d.knownSince < knownBefore) ids.add(d._id);
    }
    return [...ids].slice(0, limit);
  }

  /** Customers with a mail parked since before `cutoff`. */
  async customersParkedBefore(cutoff: number, limit: number): Promise<string[]> {
    const docs = await this.customers()
      .find({ 'parked.parkedAt': { $lt: cutoff } }, { projection: { _id: 1 } })
      .limit(limit)
      .toArray();
    return docs.map((d) => d._id);
  }
}

function strip<T extends { _id: string }>(doc: T): Omit<T, '_id' | 'releasableFactAt'> {
  const { _id, releasableFactAt: _releasable, ...rest } = doc as T & { releasableFactAt?: number };
  return rest;
}

/** The stored form of a customer: the replica, and `releasableFactAt` where the sweep should look. */
export function customerDoc(customer: CustomerReplica): CustomerDoc {
  const factTimes = customer.parked.flatMap((p) => (p.factAt === undefined ? [] : [p.factAt]));
  return isKnown(customer) && factTimes.length > 0
    ? { ...customer, _id: customer.customerId, releasableFactAt: Math.min(...factTimes) }
    : { ...customer, _id: customer.customerId };
}
