// Which relay publishes which shard: time-limited leases with a fencing token. Each live relay takes a
// fair share of the shards; a dead relay's leases expire and the others take them over.
import type { ClientSession, Db } from 'mongodb';
import { OUTBOX_SHARDS, type OutboxCollections } from './outbox-schema';

interface LeaseDoc {
  _id: number;
  owner: string | null;
  /** Grows by one whenever the shard changes hands; a relay's writes name it, so a stale owner's fail. */
  token: number;
  expiresAt: Date;
}

interface RelayDoc {
  _id: string;
  seenAt: Date;
}

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

  constructor(
    private readonly db: Db,
    private readonly collections: OutboxCollections,
    private readonly options: LeaseOptions,
  ) {}

  private get leases() {
    return this.db.collection<LeaseDoc>(this.collections.leases);
  }

  /** Shards this relay may publish now, with their fencing tokens. */
  validShards(): Map<number, number> {
    const limit = this.options.now().getTime() + this.options.safetyMarginMs;
    return new Map(
      [...this.owned].filter(([, l]) => l.expiresAt.getTime() > limit).map(([shard, l]) => [shard, l.token]),
    );
  }

  /** Heartbeat, renew what we hold, take free or expired shards up to a fair share, give back extras. */
  async maintain(): Promise<void> {
    const now = this.options.now();
    const expiresAt = new Date(now.getTime() + this.options.leaseMs);
    const relays = this.db.collection<RelayDoc>(this.collections.relays);
    await relays.updateOne({ _id: this.options.instanceId }, { $set: { seenAt: now } }, { upsert: true });
    const live = await relays.countDocuments({
      seenAt: { $gt: new Date(now.getTime() - this.options.leaseMs) },
    });
    const fairShare = Math.ceil(OUTBOX_SHARDS / Math.max(1, live));

    for (const [shard, lease] of [...this.owned]) {
      const renewed = await this.leases.findOneAndUpdate(
        { _id: shard, owner: this.options.instanceId, token: lease.token },
        { $set: { expiresAt } },
        { returnDocument: 'after' },
      );
      if (renewed) this.owned.set(shard, { token: renewed.token, expiresAt });
      else this.owned.delete(shard);
    }
    for (const shard of shuffled(OUTBOX_SHARDS)) {
      if (this.owned.size >= fairShare) break;
      if (this.owned.has(shard)) continue;
      await this.leases
        .updateOne(
          { _id: shard },
          { $setOnInsert: { owner: null, token: 0, expiresAt: new Date(0) } },
          { upsert: true },
        )
        .catch(ignoreDuplicate);
      const taken = await this.leases.findOneAndUpdate(
        { _id: shard, $or: [{ owner: null }, { expiresAt: { $lt: now } }] },
        { $set: { owner: this.options.instanceId, expiresAt }, $inc: { token: 1 } },
        { returnDocument: 'after' },
      );
      if (taken) this.owned.set(shard, { token: taken.token, expiresAt });
    }
    // Give back what is over the fair share, so a relay that just started gets work.
    for (const shard of [...this.owned.keys()].slice(fairShare)) await this.release(shard);
  }

  /**
   * The fence, inside the relay's mark transaction: writes to the lease document only if we still own
   * it with the same token. A concurrent take-over conflicts with this write, so one of them fails.
   */
  async fence(session: ClientSession, shard: number, token: number): Promise<boolean> {
    const result = await this.leases.updateOne(
      { _id: shard, owner: this.options.instanceId, token },
      { $set: { lastMarkAt: this.options.now() } },
      { session },
    );
    return result.matchedCount === 1;
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
    await this.db.collection<RelayDoc>(this.collections.relays).deleteOne({ _id: this.options.instanceId });
  }
}

function shuffled(n: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a;
}

const ignoreDuplicate = (err: { code?: number }) => {
  if (err.code !== 11000) throw err;
};
