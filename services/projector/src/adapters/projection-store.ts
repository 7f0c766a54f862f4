// One version of the projections in MongoDB. Each chunk of records of one partition (or the chunks of
// several, see applyMany) is applied in ONE transaction together with its partition's checkpoint, so a
// record is applied exactly once: after a crash the projector resumes from the checkpoint, and a second
// instance that got the same records (rebalance) conflicts on the checkpoint document, retries, and
// finds them applied already.
import { MailfleetError } from '@mailfleet/errors';
import type { AnyBulkWriteOperation, ClientSession, Collection, Db, MongoClient } from 'mongodb';
import { project } from '../domain/project';
import type { ProjectedRecord } from '../domain/projected-record';
import { ERASURES_COLLECTION, addressesIn, customerIdIn, redactedMail } from '../domain/erasure';
import { keysFor, mailIdOf } from '../domain/record-keys';
import type {
  MailView,
  OrderView,
  Position,
  RecipientView,
  TemplateDayIncrement,
  TemplateDayView,
} from '@mailfleet/read-models';
import { collectionNames, type Checkpoint } from '@mailfleet/read-models';

const checkpointId = (topic: string, partition: number) => `${topic}:${partition}`;

/** Records of one partition to apply, and where its checkpoint moves (see ProjectionStore.apply). */
export interface ProjectionChunk {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ProjectedRecord[];
  readonly last: Position;
}

/** A record the projection rules throw on: wrong in itself, for the DLQ (with `cause` as the reason). */
export class ProjectionRefusedError extends MailfleetError {
  override name = 'ProjectionRefusedError';

  constructor(
    readonly record: ProjectedRecord,
    cause: unknown,
  ) {
    super(
      'projection-refused',
      `the projection rules cannot apply ${record.event.eventType} at ${record.position.topic}[${record.position.partition}]@${record.position.offset}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { retriable: false, cause },
    );
  }
}

export class ProjectionStore {
  readonly names: ReturnType<typeof collectionNames>;

  constructor(
    private readonly client: MongoClient,
    private readonly db: Db,
    readonly version: number,
  ) {
    this.names = collectionNames(version);
  }

  private col<T extends { _id: string }>(name: string): Collection<T> {
    return this.db.collection<T>(name);
  }

  async ensureIndexes(): Promise<void> {
    const mails = this.col<MailView>(this.names.mails);
    await mails.createIndex({ orderId: 1 }, { name: 'by_order' });
    await mails.createIndex({ email: 1, requestedAt: -1 }, { name: 'by_recipient' });
    await mails.createIndex({ status: 1, updatedAt: -1 }, { name: 'by_status' });
    await mails.createIndex({ customerId: 1 }, { name: 'by_customer' });
    await this.col<TemplateDayView>(this.names.templateDays).createIndex({ day: 1 }, { name: 'by_day' });
    await this.col<Checkpoint>(this.names.checkpoints).createIndex({ topic: 1 }, { name: 'by_topic' });
  }

  async checkpoint(topic: string, partition: number): Promise<Checkpoint | null> {
    return this.col<Checkpoint>(this.names.checkpoints).findOne({ _id: checkpointId(topic, partition) });
  }

  async checkpoints(): Promise<Checkpoint[]> {
    return this.col<Checkpoint>(this.names.checkpoints).find({}).sort({ _id: 1 }).toArray();
  }

  /** Sets where a rebuild starts (the offset before the first record to apply), unless already set. */
  async initCheckpoint(topic: string, partition: number, offsetBefore: string): Promise<void> {
    await this.col<Checkpoint>(this.names.checkpoints).updateOne(
      { _id: checkpointId(topic, partition) },
      { $setOnInsert: { topic, partition, offset: offsetBefore, timestamp: 0, updatedAt: Date.now() } },
      { upsert: true },
    );
  }

  /**
   * Applies `records` (all of one partition, ascending offsets) and moves the checkpoint to `last`
   * (which may be past the last record: poison records are skipped, not applied). Records at or below
   * the stored checkpoint are left out. Returns how many records were applied.
   */
  async apply(
    topic: string,
    partition: number,
    records: readonly ProjectedRecord[],
    last: Position,
  ): Promise<number> {
    const [applied] = await this.applyMany([{ topic, partition, records, last }]);
    return applied ?? 0;
  }

  /**
   * `apply` for the chunks of several partitions (each at most once) in ONE transaction: their
   * checkpoints read with one `$in` and written with one bulk, their records applied together. Returns
   * how many records of each chunk were applied.
   */
  async applyMany(chunks: readonly ProjectionChunk[]): Promise<number[]> {
    let applied: number[] = [];
    const checkpoints = this.col<Checkpoint>(this.names.checkpoints);
    await this.client.withSession((session) =>
      session.withTransaction(async () => {
        const stored = new Map(
          (
            await checkpoints
              .find({ _id: { $in: chunks.map((c) => checkpointId(c.topic, c.partition)) } }, { session })
              .toArray()
          ).map((cp) => [cp._id, BigInt(cp.offset)]),
        );
        const after = (c: ProjectionChunk) => stored.get(checkpointId(c.topic, c.partition)) ?? -1n;
        // A chunk at or below its stored checkpoint was applied already (a redelivery, a rebalance).
        const moving = chunks.filter((c) => BigInt(c.last.offset) > after(c));
        const fresh = chunks.map((c) =>
          moving.includes(c) ? c.records.filter((r) => BigInt(r.position.offset) > after(c)) : [],
        );
        await this.applyInSession(session, fresh.flat());
        if (moving.length > 0)
          await checkpoints.bulkWrite(
            moving.map(({ topic, partition, last }) => ({
              updateOne: {
                filter: { _id: checkpointId(topic, partition) },
                update: {
                  $set: {
                    topic,
                    partition,
                    offset: last.offset,
                    timestamp: last.timestamp,
                    updatedAt: Date.now(),
                  },
                },
                upsert: true,
              },
            })),
            { session, ordered: false },
          );
        applied = fresh.map((f) => f.length);
      }),
    );
    return applied;
  }

  private async applyInSession(session: ClientSession, records: readonly ProjectedRecord[]): Promise<number> {
    // Each document is read once per chunk (all of a kind in one $in) and written once at its end (one
    // bulkWrite per collection): a chunk costs the same handful of round trips for 1 record as for 500.
    const docs = {
      mails: new Map<string, MailView | null>(),
      orders: new Map<string, OrderView | null>(),
      recipients: new Map<string, RecipientView | null>(),
    };
    const dirty = { mails: new Set<string>(), orders: new Set<string>(), recipients: new Set<string>() };
    /** Documents the reads found: they are replaced; the others are new and inserted (see below). */
    const stored = new Set<string>();
    const prefetch = async <K extends keyof typeof docs>(kind: K, ids: Iterable<string | null>) => {
      const cache = docs[kind] as Map<string, unknown>;
      const wanted = [...new Set(ids)].filter((id): id is string => id !== null && !cache.has(id));
      if (wanted.length === 0) return;
      const found = await this.db
        .collection<{ _id: string }>(this.names[kind])
        .find({ _id: { $in: wanted } }, { session })
        .toArray();
      for (const id of wanted) cache.set(id, null);
      for (const doc of found) {
        cache.set(doc._id, doc);
        stored.add(`${kind}:${doc._id}`);
      }
    };
    await prefetch(
      'mails',
      records.map((r) => mailIdOf(r.event)),
    );
    // Keys from the stored mails; a mail created within the chunk takes its keys from its MailRequested,
    // which is in this list too. Anything still missing is read on demand below.
    const keys = records.map((r) =>
      keysFor(r, (docs.mails.get(mailIdOf(r.event) ?? '') as MailView) ?? null),
    );
    await prefetch(
      'orders',
      keys.map((k) => k.orderId),
    );
    await prefetch(
      'recipients',
      keys.map((k) => k.email),
    );
    const load = async <K extends keyof typeof docs>(kind: K, id: string | null) => {
      if (id === null) return null;
      await prefetch(kind, [id]);
      return docs[kind].get(id) as never;
    };
    const erasedNow = records.flatMap((r) =>
      r.event.eventType === 'CustomerErased' ? [r.event.payload.customerId] : [],
    );
    const erased = await this.erasedAmong(session, [
      ...erasedNow,
      ...records.map((r) => customerIdIn(r.event.payload)),
      ...[...docs.mails.values()].map((m) => m?.customerId ?? null),
    ]);
    if (erasedNow.length > 0) await this.recordErased(session, erasedNow);
    for (const id of erasedNow) erased.add(id);
    const days = new Map<string, TemplateDayIncrement[]>();
    for (const record of records) {
      const mail = await load('mails', mailIdOf(record.event));
      const keys = keysFor(record, mail);
      const loaded = {
        mail,
        order: await load('orders', keys.orderId),
        recipient: await load('recipients', keys.email),
      };
      let changes;
      try {
        changes = project(loaded, record);
      } catch (err) {
        // The rules are pure: a record they cannot project now never will be. The transaction aborts;
        // the worker dead-letters the record and applies the chunk without it.
        throw new ProjectionRefusedError(record, err);
      }
      // A mail of an erased customer is kept without the address, on any version (erasure.ts).
      if (changes.mail?.customerId && erased.has(changes.mail.customerId))
        changes = {
          ...changes,
          mail: redactedMail(changes.mail, addressesIn(record.event.payload)),
          recipient: null,
        };
      if (changes.mail) {
        docs.mails.set(changes.mail._id, changes.mail);
        dirty.mails.add(changes.mail._id);
      }
      if (changes.order) {
        docs.orders.set(changes.order._id, changes.order);
        dirty.orders.add(changes.order._id);
      }
      if (changes.recipient) {
        docs.recipients.set(changes.recipient._id, changes.recipient);
        dirty.recipients.add(changes.recipient._id);
      }
      for (const inc of changes.templateDays) {
        const id = `${inc.templateId}:${inc.day}`;
        days.set(id, [...(days.get(id) ?? []), inc]);
      }
    }
    if (erasedNow.length > 0) await this.redactCustomers(session, erasedNow, docs, dirty, stored);
    for (const kind of ['mails', 'orders', 'recipients'] as const) {
      if (dirty[kind].size === 0) continue;
      // A document this transaction read as absent is inserted, not upserted: an insert is about half the
      // server's work of an upsert (no query, one index pass). Another instance may have created it since
      // the read (a rebalance, two topics of one mail on two instances): the insert is then a
      // WriteConflict, a TransientTransactionError, and withTransaction runs the chunk again, reads first.
      const ops = [...dirty[kind]].map((id): AnyBulkWriteOperation<{ _id: string }> => {
        const doc = docs[kind].get(id) as { _id: string };
        return stored.has(`${kind}:${id}`)
          ? { replaceOne: { filter: { _id: id }, replacement: doc, upsert: true } }
          : { insertOne: { document: doc } };
      });
      await this.db.collection<{ _id: string }>(this.names[kind]).bulkWrite(ops, { session, ordered: false });
    }
    if (days.size > 0)
      await this.col<TemplateDayView>(this.names.templateDays).bulkWrite(
        [...days].map(([id, incs]) => ({
          updateOne: { filter: { _id: id }, ...dayUpdate(incs), upsert: true },
        })),
        { session, ordered: false },
      );
    if (erasedNow.length > 0)
      await this.col<RecipientView>(this.names.recipients).deleteMany(
        { customerId: { $in: erasedNow } },
        { session },
      );
    return records.length;
  }

  /** The customers among `ids` that were erased (one read; none when no id is named). */
  private async erasedAmong(session: ClientSession, ids: readonly (string | null)[]): Promise<Set<string>> {
    const wanted = [...new Set(ids)].filter((id): id is string => id !== null);
    if (wanted.length === 0) return new Set();
    const found = await this.db
      .collection<{ _id: string }>(ERASURES_COLLECTION)
      .find({ _id: { $in: wanted } }, { session, projection: { _id: 1 } })
      .toArray();
    return new Set(found.map((d) => d._id));
  }

  /** Outside the versions: every version, and every rebuild, redacts these customers (erasure.ts). */
  private async recordErased(session: ClientSession, customerIds: readonly string[]): Promise<void> {
    await this.db.collection<{ _id: string; erasedAt: Date }>(ERASURES_COLLECTION).bulkWrite(
      [...new Set(customerIds)].map((id) => ({
        updateOne: { filter: { _id: id }, update: { $setOnInsert: { erasedAt: new Date() } }, upsert: true },
      })),
      { session, ordered: false },
    );
  }

  /** The mails this version already holds of customers erased now, redacted; their recipients dropped. */
  private async redactCustomers(
    session: ClientSession,
    customerIds: readonly string[],
    docs: { mails: Map<string, MailView | null>; recipients: Map<string, RecipientView | null> },
    dirty: { mails: Set<string>; recipients: Set<string> },
    stored: Set<string>,
  ): Promise<void> {
    const ids = new Set(customerIds);
    const found = await this.col<MailView>(this.names.mails)
      .find({ customerId: { $in: [...ids] } }, { session })
      .toArray();
    for (const doc of found) {
      if (!docs.mails.get(doc._id)) docs.mails.set(doc._id, doc);
      stored.add(`mails:${doc._id}`);
    }
    for (const [id, mail] of docs.mails)
      if (mail?.customerId && ids.has(mail.customerId)) {
        docs.mails.set(id, redactedMail(mail));
        dirty.mails.add(id);
      }
    for (const [id, recipient] of docs.recipients)
      if (recipient?.customerId && ids.has(recipient.customerId)) dirty.recipients.delete(id);
  }

  /** Drops every collection of this version. */
  async drop(): Promise<void> {
    const existing = new Set(
      (await this.db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name),
    );
    for (const name of Object.values(this.names)) if (existing.has(name)) await this.db.dropCollection(name);
  }
}

/** The counters of one template and day, summed over a chunk's increments: one update. */
function dayUpdate(incs: readonly TemplateDayIncrement[]) {
  const inc: Record<string, number> = {};
  let latencyMax = 0;
  for (const i of incs) {
    for (const [k, v] of Object.entries(i.counts)) inc[`counts.${k}`] = (inc[`counts.${k}`] ?? 0) + v;
    if (i.latencyMs !== undefined) {
      inc['latencySumMs'] = (inc['latencySumMs'] ?? 0) + i.latencyMs;
      inc['latencyCount'] = (inc['latencyCount'] ?? 0) + 1;
      latencyMax = Math.max(latencyMax, i.latencyMs);
    }
  }
  const first = incs[0] as TemplateDayIncrement;
  return {
    update: {
      $inc: { latencySumMs: 0, latencyCount: 0, ...inc },
      $max: { latencyMaxMs: latencyMax },
      $setOnInsert: { templateId: first.templateId, day: first.day },
    },
  };
}
