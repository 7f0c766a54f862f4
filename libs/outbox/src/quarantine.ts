// What an operator does with a quarantined outbox record once its cause is fixed (a larger topic limit,
// a corrected event): put it back in line. Its key's later records follow it, in order.
import type { Db } from 'mongodb';
import { collectionsFor, type OutboxRecord } from './outbox-schema';
import type { LeaseDoc } from './shard-leases';

/** Requeues a quarantined record for the relay; false when no quarantined record has that id. */
export async function requeueQuarantined(
  db: Db,
  eventId: string,
  collectionPrefix?: string,
): Promise<boolean> {
  const collections = collectionsFor(collectionPrefix);
  const records = db.collection<OutboxRecord>(collections.records);
  const requeued = await records.findOneAndUpdate(
    { _id: eventId, quarantined: { $exists: true } },
    { $set: { pending: true }, $unset: { quarantined: '' } },
    { projection: { shard: 1 } },
  );
  if (!requeued) return false;
  // A relay reading the change stream holds the key in the shard's lease document and learns of the
  // requeue there, with its lease round (a polling relay simply finds the record pending again).
  await db
    .collection<LeaseDoc>(collections.leases)
    .updateOne({ _id: requeued.shard }, { $addToSet: { requeued: eventId } });
  return true;
}

/** The quarantined records, oldest first. */
export function listQuarantined(db: Db, collectionPrefix?: string): Promise<OutboxRecord[]> {
  return db
    .collection<OutboxRecord>(collectionsFor(collectionPrefix).records)
    .find({ quarantined: { $exists: true } }, { projection: { value: 0 } })
    .sort({ 'quarantined.at': 1 })
    .toArray();
}
