export {
  ConsumerRunner,
  type ConsumerRunnerOptions,
  type BatchHandler,
  type ChunkEnd,
  type OwnPositions,
  type DecodedRecord,
  type EventHandlers,
  type HandlerContext,
} from './consumer-runner';
export { ChunkCoalescer, SharedChunkError, type CoalescerOptions } from './chunk-coalescer';
export { DLQ_HEADERS, deadLetterRecord, headerText, type DeadLetterCause } from './dead-letter';
export { EventPublisher, type OutgoingEvent } from './event-publisher';
export { createKafka, type KafkaConnection } from './kafka-client';
export { orderedProducer } from './ordered-producer';
export { applyTopics, type TopicChange } from './topic-admin';
export { registerLagGauge } from './lag-monitor';
export { retentionProblem, topicRetentionMs } from './topic-retention';
