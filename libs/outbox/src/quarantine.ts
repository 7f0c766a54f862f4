// What an operator does with a quarantined outbox record once its cause is fixed (a larger topic limit,
// a corrected event): put it back in line. Its key's later records follow it, in order.
import type { Db } from 'mongodb';
import { collectionsFor, type OutboxRecord } from './outbox-schema';

/** Requeues a quarantined record for the relay; false when no quarantined record has that id. */
export async function requeueQuarantined(
  db: Db,
  eventId: string,
  collectionPrefix?: string,
): Promise<boolean> {
  const records = db.collection<OutboxRecord>(collectionsFor(collectionPrefix).records);
  const result = await records.updateOne(
    { _id: eventId, quarantined: { $exists: true } },
    { $set: { pending: true }, $unset: { quarantined: '' } },
  );
  return result.modifiedCount === 1;
}

/** The quarantined records, oldest first. */
export function listQuarantined(db: Db, collectionPrefix?: string): Promise<OutboxRecord[]> {
  return db
    .collection<OutboxRecord>(collectionsFor(collectionPrefix).records)
    .find({ quarantined: { $exists: true } }, { projection: { value: 0 } })
    .sort({ 'quarantined.at': 1 })
    .toArray();
}
