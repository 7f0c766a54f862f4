import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/**
 * The one producer shape of the fleet. Idempotence with one request in flight: retries never reorder or
 * duplicate within a partition. The partitioner is kafkajs's v2 default, named so the choice is visible:
 * murmur2 like the Java client, so a key lands on the same partition whoever produces it.
 */
export function orderedProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}
