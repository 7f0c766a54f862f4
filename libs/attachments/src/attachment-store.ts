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

const sha256 = (content: Buffer) => createHash('sha256').update(content).digest('hex');

export class AttachmentStore {
  private readonly bucket: GridFSBucket;

  constructor(db: Db, bucketName = 'attachments') {
    this.bucket = new GridFSBucket(db, { bucketName });
  }

  /** Stores a blob and returns the reference to put into an event. */
  async put(attachment: AttachmentContent): Promise<AttachmentRef> {
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
      const id = /^[0-9a-f]{24}$/i.test(ref.blobId) ? new ObjectId(ref.blobId) : ref.blobId;
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
}
