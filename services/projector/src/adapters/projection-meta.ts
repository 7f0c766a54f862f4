// Which version of the projections readers use, and which one is being rebuilt. One document: the
// switch from the old version to the rebuilt one is a single write, so readers see one or the other.
import type { Collection, Db } from 'mongodb';
import { META_COLLECTION, type ProjectionMeta, type RebuildRequest } from '@mailfleet/read-models';

export class ProjectionMetaStore {
  private readonly col: Collection<ProjectionMeta>;

  constructor(db: Db) {
    this.col = db.collection<ProjectionMeta>(META_COLLECTION);
  }

  async get(): Promise<ProjectionMeta> {
    await this.col.updateOne(
      { _id: 'projections' },
      { $setOnInsert: { active: 1, building: null, retired: [], switchedAt: null } },
      { upsert: true },
    );
    return (await this.col.findOne({ _id: 'projections' })) as ProjectionMeta;
  }

  /** The version the next rebuild writes; refused while another rebuild runs. */
  async nextVersion(): Promise<{ active: number; version: number }> {
    const meta = await this.get();
    if (meta.building) {
      throw new Error(
        `a rebuild into version ${meta.building.version} is already running (requested ${new Date(meta.building.requestedAt).toISOString()})`,
      );
    }
    return { active: meta.active, version: Math.max(meta.active, ...meta.retired) + 1 };
  }

  /** Starts the rebuild into `version` (from nextVersion, whose start checkpoints are in place). */
  async requestRebuild(
    active: number,
    version: number,
    from: 'earliest' | number,
    now: number,
    autoSwitch = true,
  ): Promise<RebuildRequest> {
    const request: RebuildRequest = { version, from, requestedAt: now, autoSwitch };
    const result = await this.col.updateOne(
      { _id: 'projections', building: null, active },
      { $set: { building: request } },
    );
    if (result.modifiedCount !== 1) throw new Error('the projections changed meanwhile; try again');
    return request;
  }

  /** Switches readers from `from` to the rebuilt `to`, atomically; false when someone else did. */
  async switchTo(from: number, to: number, now: number): Promise<boolean> {
    const result = await this.col.updateOne(
      { _id: 'projections', active: from, 'building.version': to },
      { $set: { active: to, building: null, switchedAt: now }, $addToSet: { retired: from } },
    );
    return result.modifiedCount === 1;
  }

  /** Gives up the rebuild into `version` (its collections are dropped by the caller); false when none runs. */
  async abandonRebuild(version: number): Promise<boolean> {
    const result = await this.col.updateOne(
      { _id: 'projections', 'building.version': version },
      { $set: { building: null } },
    );
    return result.modifiedCount === 1;
  }

  async dropped(version: number): Promise<void> {
    await this.col.updateOne({ _id: 'projections' }, { $pull: { retired: version } });
  }
}
