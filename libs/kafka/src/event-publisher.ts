import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { orderedProducer } from './ordered-producer';
import {
  toKafkaHeaders,
  type Envelope,
  type EventCodec,
  type EventPayloads,
  type EventType,
} from '@mailfleet/contracts';

export interface OutgoingEvent<T extends EventType = EventType> {
  readonly topic: string;
  readonly key: string;
  readonly envelope: Envelope & { readonly eventType: T };
  readonly payload: EventPayloads[T];
}

/** Publishes typed events with an idempotent producer: validated, encoded, with envelope headers. */
export class EventPublisher {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly codec: EventCodec,
  ) {
    this.producer = orderedProducer(kafka);
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Encodes and sends events; resolves when every one is acknowledged by all in-sync replicas. */
  async publish(events: readonly OutgoingEvent[]): Promise<void> {
    const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
    for (const e of events) {
      const value = await this.codec.encode(e.topic, e.envelope.eventType, e.payload as never);
      const list = byTopic.get(e.topic) ?? [];
      list.push({ key: e.key, value, headers: toKafkaHeaders(e.envelope) });
      byTopic.set(e.topic, list);
    }
    await this.producer.sendBatch({
      acks: -1,
      compression: CompressionTypes.None,
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }
}
