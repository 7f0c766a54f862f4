// Attachments travel in events as references; their bytes live in GridFS. An upstream service stores the
// blob first (`put`) and puts the returned reference into its MailRequested; the sender loads it back and
// checks size and SHA-256, so a swapped or truncated blob is caught before anything is sent.
import { createHash } from 'node:crypto';
import { GridFSBucket, MongoGridFSChunkError, MongoGridFSStreamError, ObjectId, type Db } from 'mongodb';
import type { AttachmentRef } from '@mailfleet/contracts';

export interface AttachmentContent {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
}

/** The blob is missing or does not match its reference: the mail that names it can never be sent. */
export class AttachmentError extends Error {
  override readonly name = 'AttachmentError';
}

/** Refused when stored: larger than the store takes (see `maxBytes`). */
export class AttachmentTooLarge extends Error {
  override readonly name = 'AttachmentTooLarge';
}

/**
 * 10 MiB: base64 makes it about 13.7 MB on the wire, under the 20–25 MB most mailbox providers accept
 * for a whole message (RFC 1870 SIZE tells the real limit per server).
 */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** A blob id as GridFS stores it: the ObjectId its hex names, or the string itself. */
const storedId = (blobId: string): unknown =>
  /^[0-9a-f]{24}$/i.test(blobId) ? new ObjectId(blobId) : blobId;

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

export class AttachmentStore {
  private readonly bucket: GridFSBucket;

  constructor(
    private readonly db: Db,
    private readonly bucketName = 'attachments',
    private readonly maxBytes = DEFAULT_MAX_ATTACHMENT_BYTES,
  ) {
    this.bucket = new GridFSBucket(db, { bucketName });
  }

  /**
   * Stores a blob and returns the reference to put into an event. A blob over the size limit is refused
   * here, before anything is stored, rather than by the sender after the fact was published.
   */
  async put(attachment: AttachmentContent): Promise<AttachmentRef> {
    if (attachment.content.length > this.maxBytes)
      throw new AttachmentTooLarge(
        `attachment ${attachment.filename} is ${attachment.content.length} bytes; the limit is ${this.maxBytes} bytes`,
      );
    const upload = this.bucket.openUploadStream(attachment.filename, {
      metadata: { contentType: attachment.contentType },
    });
    await new Promise<void>((resolve, reject) => {
      upload.once('finish', () => resolve());
      upload.once('error', reject);
      upload.end(attachment.content);
    });
    return {
      blobId: upload.id.toString(),
      filename: attachment.filename,
      contentType: attachment.contentType,
      sizeBytes: attachment.content.length,
      sha256: sha256(attachment.content),
    };
  }

  /** Loads the blobs of the references, verified; throws AttachmentError naming the first bad one. */
  async load(refs: readonly AttachmentRef[]): Promise<AttachmentContent[]> {
    const loaded: AttachmentContent[] = [];
    for (const ref of refs) {
      const id = storedId(ref.blobId);
      const found = await this.bucket.find({ _id: id as never }, { limit: 1 }).toArray();
      if (found.length === 0)
        throw new AttachmentError(`attachment ${ref.filename}: blob ${ref.blobId} not found`);
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of this.bucket.openDownloadStream(id as never)) chunks.push(chunk as Buffer);
      } catch (err) {
        // Missing, extra or wrongly sized chunks: the stored blob is damaged and will not heal. Anything
        // else (MongoDB unreachable) is passed on, for the caller to try again later.
        if (err instanceof MongoGridFSChunkError || err instanceof MongoGridFSStreamError)
          throw new AttachmentError(
            `attachment ${ref.filename}: blob ${ref.blobId} is damaged (${err.message})`,
            {
              cause: err,
            },
          );
        throw err;
      }
      const content = Buffer.concat(chunks);
      if (content.length !== ref.sizeBytes || sha256(content) !== ref.sha256.toLowerCase()) {
        throw new AttachmentError(
          `attachment ${ref.filename}: blob ${ref.blobId} does not match its reference (size or SHA-256 differs)`,
        );
      }
      loaded.push({ filename: ref.filename, contentType: ref.contentType, content });
    }
    return loaded;
  }

  /**
   * Deletes the blobs (two round trips for all of them); deleting one that is gone already is no error.
   * Chunks first: a crash in between leaves a file document that the next deletion finds, never chunks
   * that nothing names.
   */
  async deleteMany(blobIds: readonly string[]): Promise<number> {
    if (blobIds.length === 0) return 0;
    const ids = blobIds.map(storedId);
    await this.db.collection(`${this.bucketName}.chunks`).deleteMany({ files_id: { $in: ids } });
    const files = await this.db
      .collection(`${this.bucketName}.files`)
      .deleteMany({ _id: { $in: ids } } as never);
    return files.deletedCount;
  }

  /** The index the orphan sweep reads by (GridFS's own starts with the file name). */
  async ensureIndexes(): Promise<void> {
    await this.db.collection(`${this.bucketName}.files`).createIndex({ uploadDate: 1 }, { name: 'uploaded' });
  }

  /** Up to `limit` blobs stored before `cutoff`, oldest first (the orphan sweep's candidates). */
  async storedBefore(cutoff: Date, limit: number): Promise<string[]> {
    const files = await this.db
      .collection(`${this.bucketName}.files`)
      .find({ uploadDate: { $lt: cutoff } }, { projection: { _id: 1 } })
      .sort({ uploadDate: 1 })
      .limit(limit)
      .toArray();
    return files.map((f) => String(f._id instanceof ObjectId ? f._id.toHexString() : f._id));
  }
}
