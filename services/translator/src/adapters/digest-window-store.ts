// The open digest windows, one document per kind and customer (digests.ts). Writes take the caller's
// transaction: a window is read, changed and written back in the transaction that also writes the ledger
// and the outbox, so two instances collecting for the same customer serialise on its document.
import type { ClientSession, Db } from 'mongodb';
import type { DigestWindow } from '../domain/digests';

export class DigestWindowStore {
  constructor(private readonly db: Db) {}

  readonly windows = () => this.db.collection<DigestWindow>('translator_digest_windows');

  async ensureIndexes(): Promise<void> {
    await this.windows().createIndex({ closesAt: 1 }, { name: 'closes_at' });
  }

  async byId(session: ClientSession, ids: readonly string[]): Promise<Map<string, DigestWindow>> {
    if (ids.length === 0) return new Map();
    const docs = await this.windows()
      .find({ _id: { $in: [...ids] } }, { session })
      .toArray();
    return new Map(docs.map((w) => [w._id, w]));
  }

  /**
   * Writes the windows still open (replacing what was there) and removes the closed ones no new window
   * replaced — one bulk. A removal names the window's openedAt: a window another instance closed and
   * reopened meanwhile is not touched (and the transaction's write conflict retries this one anyway).
   */
  async save(
    session: ClientSession,
    open: readonly DigestWindow[],
    closed: readonly DigestWindow[],
  ): Promise<void> {
    const reopened = new Set(open.map((w) => w._id));
    const writes = [
      ...open.map((w) => ({
        replaceOne: { filter: { _id: w._id }, replacement: w, upsert: true },
      })),
      ...closed
        .filter((w) => !reopened.has(w._id))
        .map((w) => ({ deleteOne: { filter: { _id: w._id, openedAt: w.openedAt } } })),
    ];
    if (writes.length > 0) await this.windows().bulkWrite(writes, { session, ordered: true });
  }

  /** Drops the open windows of these customers (erased: their collected mails are not sent). */
  async removeForCustomers(session: ClientSession, customerIds: readonly string[]): Promise<void> {
    if (customerIds.length > 0)
      await this.windows().deleteMany({ customerId: { $in: [...customerIds] } }, { session });
  }

  /** Windows whose time has come (by the `closes_at` index). */
  async dueIds(now: number, limit: number): Promise<string[]> {
    const docs = await this.windows()
      .find({ closesAt: { $lte: now } }, { projection: { _id: 1 } })
      .sort({ closesAt: 1 })
      .limit(limit)
      .toArray();
    return docs.map((d) => d._id);
  }

  /** When the next window closes; undefined when none is open. */
  async nextClosing(): Promise<number | undefined> {
    const next = await this.windows().findOne({}, { sort: { closesAt: 1 }, projection: { closesAt: 1 } });
    return next?.closesAt;
  }
}
