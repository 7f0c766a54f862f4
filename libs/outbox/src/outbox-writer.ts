// The writer side: called inside the caller's own MongoDB transaction, next to its business writes.
import { Binary, type ClientSession, type Db } from 'mongodb';
import {
  toKafkaHeaders,
  type Envelope,
  type EventCodec,
  type EventPayloads,
  type EventType,
} from '@mailfleet/contracts';
import {
  collectionsFor,
  keyCounterId,
  shardOf,
  type OutboxCollections,
  type OutboxKeyCounter,
  type OutboxRecord,
} from './outbox-schema';
import { OutboxRecordTooLargeError } from './outbox-errors';

/**
 * Kafka's default limit for one record batch is 1,048,588 bytes (broker message.max.bytes); a record
 * must leave room for the batch's own overhead.
 */
export const DEFAULT_MAX_RECORD_BYTES = 1_000_000;

export interface OutboxEvent<T extends EventType = EventType> {
  readonly topic: string;
  readonly key: string;
  readonly envelope: Envelope & { readonly eventType: T };
  readonly payload: EventPayloads[T];
}

export class Outbox {
  private readonly collections: OutboxCollections;

  constructor(
    private readonly db: Db,
    private readonly codec: EventCodec,
    options: { collectionPrefix?: string; now?: () => Date; maxRecordBytes?: number } = {},
  ) {
    this.collections = collectionsFor(options.collectionPrefix);
    this.now = options.now ?? (() => new Date());
    this.maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  private readonly maxRecordBytes: number;

  private readonly now: () => Date;

  /**
   * Adds an event to the outbox inside `session`'s transaction. The payload is validated and encoded
   * now: an invalid event throws (InvalidEventError, naming the fields) and the caller's transaction
   * aborts with nothing half-written. Returns the record's per-key sequence number.
   */
  async add<T extends EventType>(session: ClientSession, event: OutboxEvent<T>): Promise<number> {
    if (!session.inTransaction()) {
      throw new Error(
        'outbox.add must be called inside a transaction (session.withTransaction): the event must commit with your state change',
      );
    }
    const value = await this.codec.encode(event.topic, event.envelope.eventType, event.payload);
    const headers = toKafkaHeaders(event.envelope);
    const bytes =
      value.length +
      Buffer.byteLength(event.key) +
      Object.entries(headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
    if (bytes > this.maxRecordBytes)
      throw new OutboxRecordTooLargeError(
        event.topic,
        event.envelope.eventType,
        event.key,
        bytes,
        this.maxRecordBytes,
      );
    // The per-key counter serialises transactions on the same key: a concurrent one hits a write
    // conflict and is retried by withTransaction, so sequence order is commit order.
    const counter = await this.db
      .collection<OutboxKeyCounter>(this.collections.keys)
      .findOneAndUpdate(
        { _id: keyCounterId(event.topic, event.key) },
        { $inc: { seq: 1 }, $setOnInsert: { publishedSeq: 0 } },
        { upsert: true, returnDocument: 'after', session },
      );
    const seq = counter?.seq ?? 1;
    const record: OutboxRecord = {
      _id: event.envelope.eventId,
      topic: event.topic,
      key: event.key,
      eventType: event.envelope.eventType,
      shard: shardOf(event.topic, event.key),
      seq,
      headers,
      value: new Binary(value),
      createdAt: this.now(),
      pending: true,
      publishedAt: null,
    };
    await this.db.collection<OutboxRecord>(this.collections.records).insertOne(record, { session });
    return seq;
  }
}
