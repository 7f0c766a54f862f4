// The change-stream relay's state of a shard, kept in the shard's lease document so that whoever owns the
// shard next starts where the last owner stopped. Every write names the lease token it holds: a relay
// whose lease lapsed writes nothing (the write is the fence).
import type { Collection } from 'mongodb';
import type { HeldKey, LeaseDoc } from './shard-leases';
import type { StreamCheckpoint } from './stream-checkpoint';

export class LeaseState {
  constructor(
    private readonly leases: Collection<LeaseDoc>,
    private readonly instanceId: string,
  ) {}

  /**
   * One write for every shard of the round: false when some shard is no longer ours (its new owner
   * resumes from the checkpoint it finds and may publish this round's records again — at least once).
   */
  async saveCheckpoint(shards: ReadonlyMap<number, number>, checkpoint: StreamCheckpoint): Promise<boolean> {
    if (shards.size === 0) return true;
    const result = await this.leases.updateMany(
      { owner: this.instanceId, $or: [...shards].map(([shard, token]) => ({ _id: shard, token })) },
      { $set: { checkpoint } },
    );
    return result.matchedCount === shards.size;
  }

  /** Holds a key behind its quarantined record; written before the checkpoint passes the record. */
  async hold(shard: number, token: number, held: HeldKey): Promise<boolean> {
    const result = await this.leases.updateOne(
      { _id: shard, owner: this.instanceId, token },
      { $push: { held } },
    );
    return result.matchedCount === 1;
  }

  /**
   * The operator's requeue of `eventId` is done: the hold it released (named by its time, so that a hold
   * the same record took anew stays) and the request are removed.
   */
  async released(
    shard: number,
    token: number,
    hold: { readonly eventId: string; readonly since?: Date },
  ): Promise<boolean> {
    const result = await this.leases.updateOne({ _id: shard, owner: this.instanceId, token }, {
      $pull: {
        ...(hold.since ? { held: { eventId: hold.eventId, since: hold.since } } : {}),
        requeued: hold.eventId,
      },
    } as never);
    return result.matchedCount === 1;
  }
}
