// A service's suppression list (address-suppression.ts): one document per address with the facts that
// concern it, in a collection of the service's own database. Adding a fact is idempotent ($addToSet of a
// value that is the same on every replay), so redelivered or replayed feedback changes nothing and needs
// no inbox.
import type { ClientSession, Db } from 'mongodb';
import type { AddressFact, AddressSuppression } from './address-suppression';

interface SuppressionDoc {
  /** The address (lower-cased), or an erased customer's marker (erasedCustomerKey). */
  _id: string;
  erasedAt?: Date;
  permanent?: AddressFact[];
  soft?: AddressFact[];
  unsubscribed?: AddressFact[];
}

const FIELD: Record<AddressFact['kind'], 'permanent' | 'soft' | 'unsubscribed'> = {
  'hard-bounce': 'permanent',
  complaint: 'permanent',
  manual: 'permanent',
  'soft-bounce': 'soft',
  unsubscribe: 'unsubscribed',
};

const suppressionOf = (d: SuppressionDoc): AddressSuppression => ({
  address: d._id,
  permanent: d.permanent ?? [],
  soft: d.soft ?? [],
  unsubscribed: d.unsubscribed ?? [],
});

/**
 * The marker of an erased customer (CustomerErased) among the addresses: kept in the same collection so
 * that the check right before sending reads both in its one round trip. No address contains `customer:`
 * without an `@`, and `list` shows addresses only.
 */
export const erasedCustomerKey = (customerId: string): string => `customer:${customerId}`;

export class SuppressionStore {
  constructor(
    private readonly db: Db,
    private readonly collectionName: string,
  ) {}

  readonly collection = () => this.db.collection<SuppressionDoc>(this.collectionName);

  /** Creates the collection before the first transaction writes to it. */
  async ensureCollection(): Promise<void> {
    const name = this.collection().collectionName;
    const found = await this.db.listCollections({ name }, { nameOnly: true }).toArray();
    if (found.length === 0)
      await this.db.createCollection(name).catch((err: { codeName?: string }) => {
        if (err.codeName !== 'NamespaceExists') throw err; // another instance created it meanwhile
      });
  }

  async add(
    session: ClientSession | undefined,
    facts: readonly { address: string; fact: AddressFact }[],
  ): Promise<void> {
    if (facts.length === 0) return;
    await this.collection().bulkWrite(
      facts.map(({ address, fact }) => ({
        updateOne: {
          filter: { _id: address },
          update: { $addToSet: { [FIELD[fact.kind]]: fact } },
          upsert: true,
        },
      })),
      { session, ordered: true },
    );
  }

  /** The list, by address (an operator's view: `ops suppression list`). */
  async list(filter: { address?: string } = {}, limit = 1_000): Promise<AddressSuppression[]> {
    const docs = await this.collection()
      .find(filter.address === undefined ? { _id: { $regex: '@' } } : { _id: filter.address.toLowerCase() })
      .sort({ _id: 1 })
      .limit(limit)
      .toArray();
    return docs.map(suppressionOf);
  }

  /** Takes the address off the list; true when it was on it. Feedback replayed later puts it back. */
  async remove(address: string): Promise<boolean> {
    return (await this.collection().deleteOne({ _id: address.toLowerCase() })).deletedCount === 1;
  }

  /** Marks the customers erased (idempotent; the first erasure's time is kept). */
  async markErased(
    session: ClientSession | undefined,
    customers: readonly { customerId: string; erasedAt: Date }[],
  ): Promise<void> {
    if (customers.length === 0) return;
    await this.collection().bulkWrite(
      customers.map(({ customerId, erasedAt }) => ({
        updateOne: {
          filter: { _id: erasedCustomerKey(customerId) },
          update: { $setOnInsert: { erasedAt } },
          upsert: true,
        },
      })),
      { session, ordered: false },
    );
  }

  /** Takes the addresses off the list for good: the erasure of their owner (CustomerErased). */
  async removeMany(session: ClientSession | undefined, addresses: readonly string[]): Promise<void> {
    if (addresses.length > 0)
      await this.collection().deleteMany(
        { _id: { $in: addresses.map((a) => a.toLowerCase()) } },
        { session },
      );
  }

  /** The suppression documents of `addresses` (lower-cased), one round trip. */
  async byAddress(
    session: ClientSession | undefined,
    addresses: readonly string[],
  ): Promise<Map<string, AddressSuppression>> {
    if (addresses.length === 0) return new Map();
    const docs = await this.collection()
      .find({ _id: { $in: [...new Set(addresses)] } }, { session })
      .toArray();
    return new Map(docs.map((d) => [d._id, suppressionOf(d)]));
  }
}
