// Where the read models live in MongoDB. One version of the projections is a set of collections
// `v<version>_<name>`; readers find the active version in `projection_meta`, so a rebuilt version can
// replace the old one with a single write. The pipeline-health snapshot is measured, not projected.

export interface Checkpoint {
  readonly _id: string;
  readonly topic: string;
  readonly partition: number;
  /** The last offset applied (or skipped as poison). */
  readonly offset: string;
  readonly timestamp: number;
  readonly updatedAt: number;
}

export const collectionNames = (version: number) => ({
  mails: `v${version}_mails`,
  orders: `v${version}_orders`,
  recipients: `v${version}_recipients`,
  templateDays: `v${version}_template_days`,
  checkpoints: `v${version}_checkpoints`,
});

export const META_COLLECTION = 'projection_meta';

export interface RebuildRequest {
  readonly version: number;
  /** 'earliest', or the epoch ms the rebuild starts from. */
  readonly from: 'earliest' | number;
  readonly requestedAt: number;
  /**
   * Whether the projector switches readers to the version once it has caught up. False for a rebuild
   * from a point in time unless the operator accepted a partial version; absent (older requests) = true.
   */
  readonly autoSwitch?: boolean;
}

export interface ProjectionMeta {
  readonly _id: 'projections';
  readonly active: number;
  readonly building: RebuildRequest | null;
  /** Versions replaced by a rebuild, dropped once readers had time to move on. */
  readonly retired: readonly number[];
  readonly switchedAt: number | null;
}

export const PIPELINE_HEALTH_COLLECTION = 'pipeline_health';

export interface GroupLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly committed: string | null;
  readonly end: string;
  readonly lag: number;
}

export interface PipelineHealth {
  readonly _id: 'current';
  readonly measuredAt: number;
  readonly lag: readonly GroupLag[];
  readonly dlq: readonly { readonly topic: string; readonly records: number }[];
  readonly outbox: readonly {
    readonly database: string;
    readonly pending: number;
    readonly oldestPendingAgeMs: number | null;
  }[];
  readonly errors: readonly string[];
}

/**
 * The fleet's dead letters as the dashboard lists them: one document per record on a `.dlq` topic, from
 * its headers (the value may be undecodable and is never copied). Not versioned: written by upsert, so
 * reading the DLQ topics again from any offset changes nothing. Acted on with the ops CLI only.
 */
export const DEAD_LETTERS_COLLECTION = 'dead_letters';

export interface DeadLetterView {
  /** dlq-topic:partition:offset, as `npm run ops -- dlq show` names it. */
  readonly _id: string;
  readonly dlqTopic: string;
  readonly sourceTopic: string | null;
  readonly sourcePartition: number | null;
  readonly sourceOffset: string | null;
  readonly group: string | null;
  readonly errorCode: string | null;
  readonly reason: string | null;
  readonly eventType: string | null;
  readonly eventId: string | null;
  /** The dead-letter record's timestamp (epoch ms). */
  readonly deadLetteredAt: number;
}
