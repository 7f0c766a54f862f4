export * from './generated/events';
export {
  InvalidEventError,
  SchemaRegistryUnavailableError,
  UndecodableRecordError,
  type UndecodableReason,
} from './contract-errors';
export {
  EventCodec,
  schemaProblems,
  type AnyDecodedEvent,
  type DecodedEvent,
  type RecordSource,
} from './event-codec';
export {
  HEADERS,
  fromKafkaHeaders,
  headerText,
  newEnvelope,
  requireEnvelope,
  toKafkaHeaders,
  type Envelope,
} from './headers';
export {
  COMPATIBILITY_LEVELS,
  canRead,
  checkCompatibility,
  isCompatibilityLevel,
  parseAvro,
  type CompatibilityLevel,
  type CompatibilityVerdict,
} from './schema-compatibility';
export {
  CUSTOMERS_EVENTS,
  DLQ_RETENTION_MS,
  MAIL_EVENTS,
  MAIL_REQUESTED,
  ORDERS_EVENTS,
  REPLICATION,
  TOPICS,
  dlqTopicOf,
  fleetTopics,
  subjectOf,
  withTopicSuffix,
  type ReplicationProfile,
  type TopicDefinition,
} from './topics';
export { generateTypes } from './type-generator';
export { isMailAddress, mailAddressProblem } from './mail-address';
export {
  MAIL_ID_HEADER,
  mailIdFromHeader,
  mailIdFromMessageId,
  mailIdFromVerp,
  messageIdFor,
  verpAddressFor,
} from './message-id';
export { ERASED, scrubbed } from './personal-data';
