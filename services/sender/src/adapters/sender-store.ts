// The sender's state per mail, in MongoDB: the record that makes "never twice" true, and the queue the
// dispatcher claims due mails from (the scheduled-retry collection, see docs/sender.md).
import { randomUUID } from 'node:crypto';
import { MongoBulkWriteError, type ClientSession, type Db, type Filter, type Sort } from 'mongodb';
import type { MailPriority } from '@mailfleet/contracts';
import { isFinal, type MailState } from '../domain/mail-state';

/**
 * `claimToken` is new with every claim of a mail (see claimSome); `finishedAt` is set when the mail
 * reaches a final status, and the retention TTL index removes the document that long after it.
 * `attachmentsPending` marks a mail whose attachment blobs have not been deleted yet
 * (attachment-references.ts); `attachmentsDeletedAt` says when they were.
 */
export type MailDoc = MailState & {
  _id: string;
  claimToken?: string;
  finishedAt?: Date;
  attachmentsPending?: true;
  attachmentsDeletedAt?: Date;
  /** Set when the customer was erased (CustomerErased): the request and history are redacted. */
  erasedAt?: Date;
};

/** The document of a state as stored: a final one carries when it finished (the retention clock). */
const docOf = (state: MailState, now: Date): MailDoc => ({
  _id: state.mailId,
  ...state,
  ...(isFinal(state.status) ? { finishedAt: now } : {}),
  ...(state.request.attachments.length > 0 ? { attachmentsPending: true as const } : {}),
});

/** What a finishing write sets: the outcome, and when a final one was reached. */
const finishing = (set: Partial<MailState> & { erasedAt?: Date }) =>
  set.status !== undefined && isFinal(set.status) ? { ...set, finishedAt: new Date() } : set;

/** What a claim of due mails took, and when it found none due, when the next falls due if it saw that. */
export interface DueClaim {
  readonly claimed: MailState[];
  /** A time: the earliest waiting mail's; `none`: no mail waits; `unknown`: not looked at (ask nextDueAt). */
  readonly next: number | 'none' | 'unknown';
}

/** Server time at the moment the write applies (see claimDue for why not the caller's clock). */
const SERVER_NOW = { $toLong: '$$NOW' };

/** What a claim sets: one more attempt, in flight since the server's now. */
const CLAIMED = { status: 'sending', sendingSince: SERVER_NOW, attempt: { $add: ['$attempt', 1] } };

/** A document written before a field existed gets the value that field means for it. */
function normalized(doc: MailDoc): MailState {
  const {
    _id,
    claimToken: _claimToken,
    finishedAt: _finishedAt,
    attachmentsPending: _pending,
    attachmentsDeletedAt: _deleted,
    erasedAt: _erased,
    ...state
  } = doc;
  return {
    ...state,
    queuedAt: state.queuedAt ?? state.request.requestedAt ?? state.nextAttemptAt,
    ambiguousResends: state.ambiguousResends ?? 0,
  };
}

export class SenderStore {
  constructor(private readonly db: Db) {}

  readonly mails = () => this.db.collection<MailDoc>('sender_mails');

  /**
   * `retentionSeconds`: how long a finished mail's document is kept (null: forever). It must outlive
   * mail.requested's retention (checked at start, see topic-retention.ts): a replay of a request whose
   * document had gone would send the mail again. Changing it replaces the index.
   */
  async ensureIndexes(retentionSeconds: number | null = null): Promise<void> {
    const existing = (
      await this.mails()
        .indexes()
        .catch(() => [])
    ).find((i) => i.name === 'finished_ttl');
    if (existing && existing.expireAfterSeconds !== retentionSeconds)
      await this.mails().dropIndex('finished_ttl');
    if (retentionSeconds !== null) {
      await this.mails().createIndex(
        { finishedAt: 1 },
        { name: 'finished_ttl', expireAfterSeconds: retentionSeconds },
      );
    }
    await this.mails().createIndex({ status: 1, nextAttemptAt: 1 }, { name: 'due' });
    await this.mails().createIndex({ status: 1, sendingSince: 1 }, { name: 'in_flight' });
    // The HIGH lane (claimHighDue): its mails by status and time, ahead of the others.
    await this.mails().createIndex(
      { 'request.priority': 1, status: 1, nextAttemptAt: 1 },
      { name: 'priority_due' },
    );
    // An erasure finds a customer's mails (CustomerErased, rare; a scan of every mail otherwise).
    await this.mails().createIndex({ 'request.recipient.customerId': 1 }, { name: 'by_customer' });
  }

  /** The mails of these customers, as stored (erasure). */
  async ofCustomers(session: ClientSession, customerIds: readonly string[]): Promise<MailState[]> {
    const docs = await this.mails()
      .find({ 'request.recipient.customerId': { $in: [...customerIds] } } as Filter<MailDoc>, { session })
      .toArray();
    return docs.map((d) => normalized(d));
  }

  /**
   * Writes the redactions of an erasure in one bulk: every mail gets its redacted parts; those still
   * waiting (requested, retrying) are finished as suppressed. A mail in flight keeps its status: its
   * attempt ends as it ends, with the redacted request.
   */
  async redact(
    session: ClientSession,
    mails: readonly { mailId: string; set: Partial<MailState>; suppress: boolean }[],
    at: Date,
  ): Promise<void> {
    if (mails.length === 0) return;
    await this.mails().bulkWrite(
      mails.map(({ mailId, set, suppress }) => ({
        updateOne: {
          filter: { _id: mailId },
          update: {
            $set: suppress
              ? { ...set, status: 'suppressed' as const, finishedAt: at, erasedAt: at }
              : { ...set, erasedAt: at },
          },
        },
      })),
      { session, ordered: false },
    );
  }

  /** The mail ids among `ids` known already (redelivery, replay): those are never recorded again. */
  async knownAmong(session: ClientSession, ids: readonly string[]): Promise<Set<string>> {
    const docs = await this.mails()
      .find({ _id: { $in: [...ids] } }, { session, projection: { _id: 1 } })
      .toArray();
    return new Set(docs.map((d) => d._id));
  }

  /** Records new mails (none of them known: see knownAmong, in the same transaction). */
  async recordRequests(session: ClientSession, states: readonly MailState[]): Promise<void> {
    if (states.length > 0)
      await this.mails().insertMany(
        states.map((state) => docOf(state, new Date())),
        { session },
      );
  }

  /**
   * Records the states in one unordered insert, outside any transaction: each document lands or not on
   * its own, and the unique `_id` (the mail id) is the deduplication — a mail known already (redelivery,
   * replay) is refused with a duplicate key and kept as it is. Returns the ids that were known. One
   * round trip for a whole chunk, where a read and a transaction would cost three.
   */
  async recordNew(states: readonly MailState[]): Promise<Set<string>> {
    if (states.length === 0) return new Set();
    try {
      await this.mails().insertMany(
        states.map((state) => docOf(state, new Date())),
        { ordered: false },
      );
      return new Set();
    } catch (err) {
      if (!(err instanceof MongoBulkWriteError)) throw err;
      const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      if (errors.length === 0 || errors.some((e) => e.code !== 11000)) throw err;
      return new Set(errors.map((e) => states[e.index]!.mailId));
    }
  }

  /**
   * Claims up to `max` due mails for one attempt each: requested or retrying mails whose time has come.
   * Atomic, so several sender instances never claim the same attempt. Returns their states before the
   * claim, soonest due first. `retryFirst` says which of the two kinds to try first (the dispatcher
   * gives due retries their turn, so a stream of new requests never starves them).
   *
   * One status per query, each served by the `due` index as an equality prefix and a range: an `$in`
   * over both made the local stand-in scan every mail on every claim (150 ms at 3,000 mails in the
   * 10,000-order chaos run, growing with the collection); an `$or` with the abandoned claims did the same
   * before. mongod would merge the two index ranges; the two queries cost it nothing either.
   */
  async claimDue(now: number, max = 1, retryFirst = false): Promise<DueClaim> {
    const order = retryFirst ? (['retrying', 'requested'] as const) : (['requested', 'retrying'] as const);
    let next: DueClaim['next'] = 'none';
    for (const status of order) {
      const { claimed, nextAt } = await this.claimSome(status, now, max);
      if (claimed.length > 0) return { claimed, next: 'unknown' };
      if (nextAt === 'unknown' || next === 'unknown') next = 'unknown';
      else if (nextAt !== undefined) next = next === 'none' ? nextAt : Math.min(next, nextAt);
    }
    return { claimed: [], next };
  }

  /**
   * Up to `max` due HIGH-priority mails (new ones first, then retries), claimed like claimDue's: the
   * dispatcher asks for these first while it knows some may be waiting, so they go ahead of the rest of
   * the queue and take the rate limit's tokens first. Served by the `priority_due` index.
   */
  async claimHighDue(now: number, max: number): Promise<MailState[]> {
    for (const status of ['requested', 'retrying'] as const) {
      const { claimed } = await this.claimSome(status, now, max, 'HIGH');
      if (claimed.length > 0) return claimed;
    }
    return [];
  }

  /**
   * Up to `max` due mails of one status (of one priority, when given), claimed. One mail: one findOneAndUpdate. Several: the status's
   * earliest mails (one indexed find, due or not), then one updateMany that claims the due ones under a
   * token of this claim — two round trips for any number, where one claim each cost a round trip per
   * mail. The update matches a mail only while it still has the claim token that was read: every claim
   * sets a new one, so a mail another sender claimed in between is left alone. When not all were
   * claimed (that race), one more find of the token tells which were. When none is due, the earliest
   * one's time comes back as `nextAt`: the dispatcher's sleep, without a look of its own.
   */
  private async claimSome(
    status: 'requested' | 'retrying',
    now: number,
    max: number,
    priority?: MailPriority,
  ): Promise<{ claimed: MailState[]; nextAt: number | undefined | 'unknown' }> {
    const lane = priority === undefined ? {} : { 'request.priority': priority };
    const filter = { ...lane, status, nextAttemptAt: { $lte: now } };
    const sort = { nextAttemptAt: 1 } as const;
    if (max <= 1) {
      const one = await this.claim(filter, sort);
      return { claimed: one ? [one] : [], nextAt: 'unknown' };
    }
    const read = await this.mails()
      .find({ ...lane, status }, { sort, limit: max })
      .toArray();
    const due = read.filter((d) => d.nextAttemptAt <= now);
    if (due.length === 0) return { claimed: [], nextAt: read[0]?.nextAttemptAt };
    if (due.length === 1) {
      const one = await this.claim({ ...filter, _id: due[0]!._id }, sort);
      return { claimed: one ? [one] : [], nextAt: 'unknown' };
    }
    const claimToken = randomUUID();
    const ids = due.map((d) => d._id);
    const { modifiedCount } = await this.mails().updateMany(
      {
        ...filter,
        _id: { $in: ids },
        // null matches a mail never claimed (no token yet).
        claimToken: { $in: [...new Set(due.map((d) => d.claimToken ?? null))] },
      } as Filter<MailDoc>,
      [{ $set: { ...CLAIMED, claimToken } }],
    );
    // The states as read are the states before the claim, as findOneAndUpdate's returnDocument 'before'.
    if (modifiedCount === due.length) return { claimed: due.map((d) => normalized(d)), nextAt: 'unknown' };
    const claimed = new Set(
      (
        await this.mails()
          .find({ _id: { $in: ids }, claimToken }, { projection: { _id: 1 } })
          .toArray()
      ).map((d) => d._id),
    );
    return { claimed: due.filter((d) => claimed.has(d._id)).map((d) => normalized(d)), nextAt: 'unknown' };
  }

  /**
   * Claims a mail left in `sending` without a renewed claim for longer than `graceMs` (its sender died
   * mid-attempt; the outcome of that attempt is unknown). Served by the `in_flight` index.
   */
  async claimAbandoned(now: number, graceMs: number): Promise<MailState | null> {
    return this.claim({ status: 'sending', sendingSince: { $lt: now - graceMs } }, { sendingSince: 1 });
  }

  private async claim(filter: Filter<MailDoc>, sort: Sort): Promise<MailState | null> {
    const before = await this.mails().findOneAndUpdate(
      filter,
      // sendingSince is the server's clock at the moment of the claim, not `now`: a claim can wait behind
      // a transaction a killed sender left open (up to the transaction lifetime), and a stale `now` would
      // make the fresh claim look abandoned at once, so a second worker would claim and send it again.
      // A fresh token even for one mail: a claim of several in flight must no longer match it.
      [{ $set: { ...CLAIMED, claimToken: randomUUID() } }],
      { sort, returnDocument: 'before' },
    );
    return before ? normalized(before) : null;
  }

  /**
   * When the next retry falls due, or undefined when no mail waits for one: how long an idle dispatcher
   * may sleep. Two indexed lookups, one per status (see claimDue; claims left by a dead sender are found
   * by the dispatcher's periodic look).
   */
  async nextDueAt(): Promise<number | undefined> {
    const due = await Promise.all(
      (['requested', 'retrying'] as const).map((status) =>
        this.mails().findOne({ status }, { sort: { nextAttemptAt: 1 }, projection: { nextAttemptAt: 1 } }),
      ),
    );
    const times = due.filter((d) => d !== null).map((d) => Number(d.nextAttemptAt));
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  /** Renews the claim of a running attempt, so no one takes it for abandoned; false when it was taken. */
  async renewClaim(mailId: string, attempt: number): Promise<boolean> {
    const result = await this.mails().updateOne({ _id: mailId, status: 'sending', attempt }, [
      { $set: { sendingSince: SERVER_NOW } },
    ]);
    return result.matchedCount === 1;
  }

  /**
   * Applies the outcome of attempt `attempt`, only if that attempt still owns the mail. With
   * `evenIfRecovered`, also when another sender took the claim for abandoned and scheduled a resend
   * (status retrying, same attempt): a late "accepted" must win over that guess.
   */
  async finish(
    session: ClientSession,
    mailId: string,
    attempt: number,
    set: Partial<MailState> & { erasedAt?: Date },
    evenIfRecovered = false,
  ): Promise<boolean> {
    const status = evenIfRecovered ? { $in: ['sending', 'retrying'] } : 'sending';
    const result = await this.mails().updateOne(
      { _id: mailId, status, attempt } as never,
      { $set: finishing(set) },
      {
        session,
      },
    );
    return result.matchedCount === 1;
  }

  /**
   * `finish` (evenIfRecovered) for several mails in one write; true when every one of them still owned
   * its attempt. When one did not, the caller aborts the transaction (nothing stays written).
   */
  async finishAll(
    session: ClientSession,
    outcomes: readonly { mailId: string; attempt: number; set: Partial<MailState> }[],
  ): Promise<boolean> {
    const result = await this.mails().bulkWrite(
      outcomes.map(({ mailId, attempt, set }) => ({
        updateOne: {
          filter: { _id: mailId, status: { $in: ['sending', 'retrying'] }, attempt } as never,
          update: { $set: finishing(set) },
        },
      })),
      { session, ordered: false },
    );
    return result.matchedCount === outcomes.length;
  }

  async get(mailId: string): Promise<MailState | null> {
    const doc = await this.mails().findOne({ _id: mailId });
    return doc ? normalized(doc) : null;
  }
}
