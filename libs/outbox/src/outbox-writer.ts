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
  /**
   * The key's version after this event, when the caller keeps one on its own aggregate (an order's
   * `version`): 1 for the key's first event, then +1 per event, written in the same transaction on a
   * document every writer of this key writes, so that two writers of the key conflict and one retries.
   * With it the outbox trusts that number as the record's seq and skips its own per-key counter (one
   * round trip less per transaction). A key uses versions for all of its events or for none; a gap
   * (version 3 after 1) holds the key's later records back until the missing one is committed.
   */
  readonly version?: number;
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
    const [seq] = await this.addMany(session, [event]);
    return seq as number;
  }

  /**
   * Adds several events inside `session`'s transaction, in this order (per key, sequence order is list
   * order), with a fixed number of round trips however many there are. Returns their sequence numbers.
   */
  async addMany(session: ClientSession, events: readonly OutboxEvent[]): Promise<number[]> {
    if (!session.inTransaction()) {
      throw new Error(
        'outbox.add must be called inside a transaction (session.withTransaction): the event must commit with your state change',
      );
    }
    if (events.length === 0) return [];
    checkVersions(events);
    const encoded = await Promise.all(events.map((e) => this.encode(e)));
    const last = await this.reserveSeqs(
      session,
      events.filter((e) => e.version === undefined),
    );
    // Hand out each key's new numbers in list order: the first event gets the lowest.
    const next = new Map([...last].map(([id, { last: end, count }]) => [id, end - count + 1]));
    const createdAt = this.now();
    const records: OutboxRecord[] = events.map((event, i) => {
      const id = keyCounterId(event.topic, event.key);
      const seq = event.version ?? (next.get(id) as number);
      if (event.version === undefined) next.set(id, seq + 1);
      const { value, headers } = encoded[i]!;
      return {
        _id: event.envelope.eventId,
        topic: event.topic,
        key: event.key,
        eventType: event.envelope.eventType,
        shard: shardOf(event.topic, event.key),
        seq,
        headers,
        value: new Binary(value),
        createdAt,
        pending: true,
        publishedAt: null,
      };
    });
    await this.db.collection<OutboxRecord>(this.collections.records).insertMany(records, { session });
    return records.map((r) => r.seq);
  }

  /**
   * Reserves the next sequence numbers of the events' keys on the outbox's own per-key counters;
   * returns, per key, the last number reserved and how many. The counter serialises transactions on the
   * same key: a concurrent one hits a write conflict and is retried by withTransaction, so sequence
   * order is commit order.
   */
  private async reserveSeqs(
    session: ClientSession,
    events: readonly OutboxEvent[],
  ): Promise<Map<string, { last: number; count: number }>> {
    const counters = this.db.collection<OutboxKeyCounter>(this.collections.keys);
    const perKey = new Map<string, number>();
    for (const e of events) {
      const id = keyCounterId(e.topic, e.key);
      perKey.set(id, (perKey.get(id) ?? 0) + 1);
    }
    const last = new Map<string, { last: number; count: number }>();
    if (perKey.size === 0) return last;
    if (perKey.size === 1) {
      const [[id, n]] = [...perKey] as [[string, number]];
      const counter = await counters.findOneAndUpdate(
        { _id: id },
        { $inc: { seq: n }, $setOnInsert: { publishedSeq: 0 } },
        { upsert: true, returnDocument: 'after', session },
      );
      last.set(id, { last: counter?.seq ?? n, count: n });
      return last;
    }
    const keys = [...perKey];
    const written = await counters.bulkWrite(
      keys.map(([id, n]) => ({
        updateOne: {
          filter: { _id: id },
          update: { $inc: { seq: n }, $setOnInsert: { publishedSeq: 0 } },
          upsert: true,
        },
      })),
      { session, ordered: false },
    );
    // A counter this write created holds exactly its count: only the keys that existed are read back
    // (most keys of a busy writer are new — a mail's first event — so most calls read nothing).
    for (const index of Object.keys(written.upsertedIds)) {
      const [id, n] = keys[Number(index)] as [string, number];
      last.set(id, { last: n, count: n });
    }
    const existing = keys.filter(([id]) => !last.has(id)).map(([id]) => id);
    if (existing.length === 0) return last;
    const read = await counters.find({ _id: { $in: existing } }, { session }).toArray();
    for (const c of read) last.set(c._id, { last: c.seq, count: perKey.get(c._id) as number });
    return last;
  }

  /**
   * Validates and encodes now: an invalid event throws (InvalidEventError, naming the fields), and one
   * too large for Kafka is refused (OutboxRecordTooLargeError); the caller's transaction aborts with
   * nothing half-written.
   */
  private async encode(event: OutboxEvent): Promise<{ value: Buffer; headers: Record<string, string> }> {
    const value = await this.codec.encode(event.topic, event.envelope.eventType, event.payload as never);
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
    return { value, headers };
  }
}

/** A caller's versions must be whole numbers from 1, and a key uses them for all of its events or none. */
function checkVersions(events: readonly OutboxEvent[]): void {
  const versioned = new Map<string, boolean>();
  for (const e of events) {
    const id = keyCounterId(e.topic, e.key);
    if (e.version !== undefined && !(Number.isSafeInteger(e.version) && e.version >= 1))
      throw new Error(
        `outbox: the version of ${e.topic} key ${e.key} must be a whole number from 1 (the key's version after this event), got ${e.version}`,
      );
    if (versioned.has(id) && versioned.get(id) !== (e.version !== undefined))
      throw new Error(
        `outbox: ${e.topic} key ${e.key} has events with and without a version; a key uses its own versions for all of its events or for none`,
      );
    versioned.set(id, e.version !== undefined);
  }
}
