export { bootService, type BootEnv, type ServiceBoot } from './boot-service';
export { kafkaClients, serviceOutbox, type KafkaClients } from './kafka-clients';
export { startConsumer, type ConsumerLag } from './start-consumer';
