export { freePort, kafkaBrokers, mongoUrl, schemaRegistryUrl, uniqueName, waitFor } from './helpers';
export { armSinkFault, sinkMessages, type SinkFault, type SinkMessage } from './smtp-sink-client';
export { SAMPLE_EVENTS } from './event-fixtures';
export { createTestTopics, testTopicSuffix, testTopics } from './test-topics';
export { collectTopic, firstSeenOrderByKey, type CollectedRecord } from './topic-collector';
export { startServiceProcess, type ServiceProcess } from './service-process';
export { startTcpProxy, type TcpProxy } from './tcp-proxy';
