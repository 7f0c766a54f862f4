// Reads the projections the projector keeps, always from the version projection_meta names active (a
// rebuild switches readers with one write). Every answer carries how fresh the data is.
import type { Db } from 'mongodb';
import {
  DEAD_LETTERS_COLLECTION,
  META_COLLECTION,
  PIPELINE_HEALTH_COLLECTION,
  collectionNames,
  type Checkpoint,
  type DeadLetterView,
  type MailView,
  type OrderView,
  type PipelineHealth,
  type ProjectionMeta,
  type RecipientView,
  type TemplateDayView,
} from '@mailfleet/read-models';

/** How fresh an answer is: the version read and, per input partition, the last record applied. */
export interface DataAsOf {
  readonly version: number;
  /** The newest Kafka record timestamp applied to this version (ISO), null before the first record. */
  readonly recordTime: string | null;
  readonly partitions: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly offset: string;
  }[];
}

const FAILED_STATUSES = ['failed', 'dead', 'bounced', 'rejected', 'ambiguous'] as const;

export class ReadModelReader {
  constructor(private readonly db: Db) {}

  /** The active version; 1 before the projector has written its meta document. */
  async activeVersion(): Promise<number> {
    const meta = await this.db.collection<ProjectionMeta>(META_COLLECTION).findOne({ _id: 'projections' });
    return meta?.active ?? 1;
  }

  async dataAsOf(version: number): Promise<DataAsOf> {
    const cps = await this.db
      .collection<Checkpoint>(collectionNames(version).checkpoints)
      .find({})
      .sort({ _id: 1 })
      .toArray();
    const newest = cps.reduce((max, c) => Math.max(max, c.timestamp), 0);
    return {
      version,
      recordTime: newest > 0 ? new Date(newest).toISOString() : null,
      partitions: cps.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.offset })),
    };
  }

  mail(version: number, mailId: string): Promise<MailView | null> {
    return this.db.collection<MailView>(collectionNames(version).mails).findOne({ _id: mailId });
  }

  /** The newest dead letters (not versioned: the projector keeps one list). */
  deadLetters(limit: number): Promise<DeadLetterView[]> {
    return this.db
      .collection<DeadLetterView>(DEAD_LETTERS_COLLECTION)
      .find({})
      .sort({ deadLetteredAt: -1, _id: 1 })
      .limit(limit)
      .toArray();
  }

  order(version: number, orderId: string): Promise<OrderView | null> {
    return this.db.collection<OrderView>(collectionNames(version).orders).findOne({ _id: orderId });
  }

  recipient(version: number, email: string): Promise<RecipientView | null> {
    return this.db.collection<RecipientView>(collectionNames(version).recipients).findOne({ _id: email });
  }

  /** The mails of an order (the by_order index). */
  mailsOfOrder(version: number, orderId: string): Promise<MailView[]> {
    return this.db
      .collection<MailView>(collectionNames(version).mails)
      .find({ orderId })
      .sort({ requestedAt: 1 })
      .limit(50)
      .toArray();
  }

  templateDays(version: number, fromDay: string): Promise<TemplateDayView[]> {
    return this.db
      .collection<TemplateDayView>(collectionNames(version).templateDays)
      .find({ day: { $gte: fromDay } })
      .toArray();
  }

  /** Mails whose current status is a failure, newest first (the by_status index). */
  failures(version: number, limit: number): Promise<MailView[]> {
    return this.db
      .collection<MailView>(collectionNames(version).mails)
      .find({ status: { $in: [...FAILED_STATUSES] } })
      .sort({ updatedAt: -1 })
      .limit(limit)
      .toArray();
  }

  pipelineHealth(): Promise<PipelineHealth | null> {
    return this.db.collection<PipelineHealth>(PIPELINE_HEALTH_COLLECTION).findOne({ _id: 'current' });
  }

  async ping(): Promise<boolean> {
    await this.db.command({ ping: 1 });
    return true;
  }
}
