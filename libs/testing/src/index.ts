export {
  freePort,
  kafkaBrokers,
  mongoUrl,
  schemaRegistryUrl,
  testPortRange,
  uniqueName,
  waitFor,
} from './helpers';
export {
  armSinkFault,
  sinkClient,
  sinkMessages,
  type SinkClient,
  type SinkFault,
  type SinkMessage,
} from './smtp-sink-client';
export { startPrivateSink, type PrivateSink } from './private-sink';
export { SAMPLE_EVENTS, oneItemOrder } from './event-fixtures';
export { createTestTopics, testTopicSuffix, testTopics } from './test-topics';
export { collectTopic, firstSeenOrderByKey, type CollectedRecord } from './topic-collector';
export { waitForGroupAtEnd } from './group-at-end';
export { startServiceProcess, type ServiceProcess } from './service-process';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
export { startPostfix, type PostfixInstance } from './postfix';
export { customerErasedEvent, feedbackEvents, type FeedbackItem } from './feedback-events';
export { personalDataIn, type Finding } from './personal-data-scan';
