export { Outbox, type OutboxEvent } from './outbox-writer';
export { OutboxRelay, type RelayOptions } from './outbox-relay';
export {
  OUTBOX_SHARDS,
  collectionsFor,
  ensureOutboxIndexes,
  shardOf,
  type OutboxRecord,
} from './outbox-schema';
export { selectPublishable } from './publish-order';
export { DEFAULT_MAX_RECORD_BYTES } from './outbox-writer';
export { OutboxRecordTooLargeError } from './outbox-errors';
export { listQuarantined, requeueQuarantined } from './quarantine';
export { unpublishedCount, unpublishedSummary, type UnpublishedSummary } from './unpublished';
