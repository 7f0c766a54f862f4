// Which relay publishes which shard: time-limited leases with a fencing token. Each live relay takes a
// fair share of the shards; a dead relay's leases expire and the others take them over.
import type { Db } from 'mongodb';
import { OUTBOX_SHARDS, type OutboxCollections } from './outbox-schema';
import type { StreamCheckpoint } from './stream-checkpoint';

/** A key held back behind its quarantined record (change-stream relaying; see lease-state.ts). */
export interface HeldKey {
  readonly topic: string;
  readonly key: string;
  /** The quarantined record: the key's records from its seq on wait for an operator's requeue. */
  readonly eventId: string;
  readonly seq: number;
  /** When the key was held: names this hold (the same record refused again is held anew). */
  readonly since: Date;
}

export interface LeaseDoc {
  _id: number;
  owner: string | null;
  /** Grows by one whenever the shard changes hands; a relay's writes name it, so a stale owner's fail. */
  token: number;
  expiresAt: Date;
  /** Where relaying the shard from the change stream stands; absent until its first stream round. */
  checkpoint?: StreamCheckpoint;
  held?: HeldKey[];
  /** Quarantined records an operator requeued (requeueQuarantined): their keys go on. */
  requeued?: string[];
}

/** A relay's heartbeat, kept in the lease collection so one read sees the leases and the live relays. */
interface RelayDoc {
  _id: string;
  seenAt: Date;
}

const relayHeartbeatId = (instanceId: string): string => `relay:${instanceId}`;

export interface LeaseOptions {
  readonly instanceId: string;
  /** How long a lease lasts without renewal; a dead relay's shards are taken over after this. */
  readonly leaseMs: number;
  /** A relay stops publishing a shard this long before its lease would expire. */
  readonly safetyMarginMs: number;
  readonly now: () => Date;
}

export class ShardLeases {
  private readonly owned = new Map<number, { token: number; expiresAt: Date }>();
  /** The lease documents as last read: the relay state (checkpoint, held keys) of the shards we own. */
  private lastRead = new Map<number, LeaseDoc>();

  constructor(
    private readonly db: Db,
    private readonly collections: OutboxCollections,
    private readonly options: LeaseOptions,
  ) {}

  private get leases() {
    return this.db.collection<LeaseDoc | RelayDoc>(this.collections.leases);
  }

  /** Shards this relay may publish now, with their fencing tokens. */
  validShards(): Map<number, number> {
    const limit = this.options.now().getTime() + this.options.safetyMarginMs;
    return new Map(
      [...this.owned].filter(([, l]) => l.expiresAt.getTime() > limit).map(([shard, l]) => [shard, l.token]),
    );
  }

  /**
   * Heartbeat, renew what we hold, take free or expired shards up to a fair share, give back extras — in
   * two round trips whatever the number of shards: one read of the lease collection (the leases and the
   * relays' heartbeats, which live beside them), and one unordered bulk write (our heartbeat, one
   * statement renewing every lease we hold, one per take-over or release, each conditional on the token
   * it read). A third, a read-back, only when some write did not match (a shard changed hands under us).
   */
  async maintain(): Promise<void> {
    const now = this.options.now();
    const expiresAt = new Date(now.getTime() + this.options.leaseMs);
    const me = this.options.instanceId;
    const docs = await this.leases.find({}).toArray();
    const heartbeatId = relayHeartbeatId(me);
    const heartbeats = docs.filter((d): d is RelayDoc => typeof d._id === 'string');
    const live = new Set([
      heartbeatId,
      ...heartbeats
        .filter((d) => d.seenAt.getTime() > now.getTime() - this.options.leaseMs)
        .map((d) => d._id),
    ]).size;
    const fairShare = Math.ceil(OUTBOX_SHARDS / live);
    const current = new Map(
      docs.filter((d): d is LeaseDoc => typeof d._id === 'number').map((l) => [l._id, l]),
    );
    this.lastRead = current;
    const plan = planLeases(me, this.owned, current, fairShare, now);
    const renewals = plan.writes.filter((w) => w.kind === 'renew');
    const others = plan.writes.filter((w) => w.kind !== 'renew');
    const result = await this.leases
      .bulkWrite(
        [
          { updateOne: { filter: { _id: heartbeatId }, update: { $set: { seenAt: now } }, upsert: true } },
          ...(renewals.length === 0
            ? []
            : [
                {
                  updateMany: {
                    filter: { _id: { $in: renewals.map((w) => w.shard) }, owner: me },
                    update: { $set: { expiresAt } },
                  },
                },
              ]),
          ...others.map((w) => {
            if (w.kind === 'release')
              return {
                updateOne: {
                  filter: { _id: w.shard, token: w.token, owner: me },
                  update: { $set: { owner: null, expiresAt: new Date(0) } },
                },
              };
            // A take: the lease document is created on first use; if another relay creates it first, our
            // insert fails with a duplicate key and the read-back below sorts it out.
            if (!w.exists)
              return { insertOne: { document: { _id: w.shard, owner: me, token: 1, expiresAt } } };
            return {
              updateOne: {
                filter: { _id: w.shard, token: w.token, $or: [{ owner: null }, { expiresAt: { $lt: now } }] },
                update: { $set: { owner: me, expiresAt }, $inc: { token: 1 } },
              },
            };
          }),
        ] as never,
        { ordered: false },
      )
      .catch((err: { code?: number }) => {
        // Two relays creating the same lease document at once: one insert loses; the read-back sorts it out.
        if (err.code !== 11000) throw err;
        return undefined;
      });
    // The heartbeat matched or was upserted; every other statement must have matched all it named.
    const expected = 1 + plan.writes.length;
    const matchedAll =
      result !== undefined && result.matchedCount + result.upsertedCount + result.insertedCount === expected;
    if (matchedAll) {
      for (const w of plan.writes) {
        if (w.kind === 'release') this.owned.delete(w.shard);
        else
          this.owned.set(w.shard, {
            token: w.kind === 'renew' ? w.token : w.exists ? w.token + 1 : 1,
            expiresAt,
          });
      }
      return;
    }
    // Some shard changed hands between our read and our write: believe only what the documents say.
    const touched = plan.writes.map((w) => w.shard);
    const after = await this.leases.find({ _id: { $in: touched } }).toArray();
    for (const shard of touched) this.owned.delete(shard);
    for (const l of after as LeaseDoc[]) this.lastRead.set(l._id, l);
    for (const l of after as LeaseDoc[])
      if (l.owner === me && l.expiresAt.getTime() === expiresAt.getTime())
        this.owned.set(l._id, { token: l.token, expiresAt });
  }

  /**
   * The shard's lease document as read by the last maintain(): what the previous owner left (checkpoint,
   * held keys) when we took it over, and requeues an operator has asked for since.
   */
  documentOf(shard: number): LeaseDoc | undefined {
    return this.lastRead.get(shard);
  }

  get collection() {
    return this.db.collection<LeaseDoc>(this.collections.leases);
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  async release(shard: number): Promise<void> {
    const lease = this.owned.get(shard);
    this.owned.delete(shard);
    if (!lease) return;
    await this.leases.updateOne(
      { _id: shard, owner: this.options.instanceId, token: lease.token },
      { $set: { owner: null, expiresAt: new Date(0) } },
    );
  }

  async releaseAll(): Promise<void> {
    for (const shard of [...this.owned.keys()]) await this.release(shard);
    await this.leases.deleteOne({ _id: relayHeartbeatId(this.options.instanceId) });
  }
}

interface LeaseWrite {
  readonly kind: 'renew' | 'release' | 'take';
  readonly shard: number;
  /** The token the document has now (the write names it, so a change in between makes it miss). */
  readonly token: number;
  /** For a take: the lease document exists already (otherwise it is created). */
  readonly exists: boolean;
}

/**
 * What one maintenance round writes (pure): renew every lease we still hold (same owner and token in the
 * document), release those over the fair share, take free or expired shards up to it, in random order
 * so that relays starting together do not all go for the same ones.
 */
export function planLeases(
  me: string,
  owned: ReadonlyMap<number, { readonly token: number }>,
  current: ReadonlyMap<
    number,
    { readonly owner: string | null; readonly token: number; readonly expiresAt: Date }
  >,
  fairShare: number,
  now: Date,
): { writes: LeaseWrite[] } {
  const held = [...owned].filter(([shard, l]) => {
    const doc = current.get(shard);
    return doc !== undefined && doc.owner === me && doc.token === l.token;
  });
  const writes: LeaseWrite[] = [];
  held
    .slice(0, fairShare)
    .forEach(([shard, l]) => writes.push({ kind: 'renew', shard, token: l.token, exists: true }));
  held
    .slice(fairShare)
    .forEach(([shard, l]) => writes.push({ kind: 'release', shard, token: l.token, exists: true }));
  let count = Math.min(held.length, fairShare);
  for (const shard of shuffled(OUTBOX_SHARDS)) {
    if (count >= fairShare) break;
    if (held.some(([s]) => s === shard)) continue;
    const doc = current.get(shard);
    if (doc === undefined) writes.push({ kind: 'take', shard, token: 0, exists: false });
    else if (doc.owner === null || doc.expiresAt.getTime() < now.getTime())
      writes.push({ kind: 'take', shard, token: doc.token, exists: true });
    else continue;
    count++;
  }
  return { writes };
}

function shuffled(n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a;
}
