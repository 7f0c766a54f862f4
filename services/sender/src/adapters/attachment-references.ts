// Which attachment blobs the sender's mails still need. A blob is in use while a mail that names it is
// unfinished (a retry, a hold for quiet hours, a digest may still load it) or finished less than the grace
// period ago (an operator may still retry it, `ops mail retry`); after that it may be deleted.
import type { Db, Filter } from 'mongodb';
import type { MailDoc } from './sender-store';

export class AttachmentReferences {
  constructor(private readonly db: Db) {}

  private readonly mails = () => this.db.collection<MailDoc>('sender_mails');

  async ensureIndexes(): Promise<void> {
    // Sparse: only mails with attachments not yet deleted are in it, so the sweep reads only those.
    await this.mails().createIndex(
      { attachmentsPending: 1, finishedAt: 1 },
      { name: 'attachments_pending', sparse: true },
    );
    await this.mails().createIndex({ 'request.attachments.blobId': 1 }, { name: 'attachment_blobs' });
  }

  /** Up to `limit` mails finished before `cutoff` whose blobs are not deleted yet, with their blob ids. */
  async finishedBefore(cutoff: Date, limit: number): Promise<{ mailId: string; blobIds: string[] }[]> {
    const docs = await this.mails()
      .find(
        { attachmentsPending: true, finishedAt: { $lte: cutoff } },
        { projection: { _id: 1, 'request.attachments.blobId': 1 } },
      )
      .limit(limit)
      .toArray();
    return docs.map((d) => ({ mailId: d._id, blobIds: d.request.attachments.map((a) => a.blobId) }));
  }

  /** The blobs among `blobIds` that a mail still needs: unfinished, or finished after `cutoff`. */
  async inUse(blobIds: readonly string[], cutoff: Date): Promise<Set<string>> {
    if (blobIds.length === 0) return new Set();
    const wanted = new Set(blobIds);
    const filter: Filter<MailDoc> = {
      'request.attachments.blobId': { $in: [...wanted] },
      $or: [{ finishedAt: { $exists: false } }, { finishedAt: { $gt: cutoff } }],
    };
    const docs = await this.mails()
      .find(filter, { projection: { 'request.attachments.blobId': 1 } })
      .toArray();
    return new Set(
      docs.flatMap((d) => d.request.attachments.map((a) => a.blobId)).filter((id) => wanted.has(id)),
    );
  }

  /** Records that the mails' blobs are deleted (or needed by another mail, which deletes them later). */
  async markDeleted(mailIds: readonly string[], at: Date): Promise<void> {
    if (mailIds.length === 0) return;
    await this.mails().updateMany(
      { _id: { $in: [...mailIds] } },
      { $unset: { attachmentsPending: '' }, $set: { attachmentsDeletedAt: at } },
    );
  }
}
