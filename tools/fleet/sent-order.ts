// Which of the demo's orders to suggest: one whose mail the fleet has sent, read from the projections
// the dashboard shows (an order whose mail is still parked or queued would show nothing useful yet).
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { META_COLLECTION, collectionNames, type MailView, type ProjectionMeta } from '@mailfleet/read-models';

export const PROJECTIONS_DB = 'mailfleet_projections';

/** The first of `orderIds` with a sent mail on the dashboard, waiting up to `timeoutMs`; undefined if none. */
export async function firstSentOrder(
  mongoUrl: string,
  orderIds: readonly string[],
  timeoutMs: number,
  onWait: () => void = () => undefined,
): Promise<string | undefined> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  try {
    const db = client.db(PROJECTIONS_DB);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const meta = await db.collection<ProjectionMeta>(META_COLLECTION).findOne({ _id: 'projections' });
      if (meta) {
        const sent = await db
          .collection<MailView>(collectionNames(meta.active).mails)
          .findOne({ orderId: { $in: [...orderIds] }, status: 'sent' }, { projection: { orderId: 1 } });
        if (sent?.orderId) return sent.orderId;
      }
      if (Date.now() > deadline) return undefined;
      onWait();
      await sleep(1_000);
    }
  } finally {
    await client.close();
  }
}
