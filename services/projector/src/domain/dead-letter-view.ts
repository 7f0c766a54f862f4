// A dead-letter record as the dashboard lists it: the headers the consumer wrote (libs/kafka
// dead-letter.ts) and the record's place; never its value, which may be anything.
import type { DeadLetterView } from '@mailfleet/read-models';

export interface DeadLetterRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

const MAX_REASON = 2_000;

export function deadLetterView(r: DeadLetterRecord): DeadLetterView {
  const h = (name: string): string | null => r.headers[name] ?? null;
  const sourcePartition = h('dlq-source-partition');
  const reason = h('dlq-reason');
  return {
    _id: `${r.topic}:${r.partition}:${r.offset}`,
    dlqTopic: r.topic,
    sourceTopic: h('dlq-source-topic'),
    sourcePartition:
      sourcePartition === null || Number.isNaN(Number(sourcePartition)) ? null : Number(sourcePartition),
    sourceOffset: h('dlq-source-offset'),
    group: h('dlq-consumer-group'),
    errorCode: h('dlq-error-code'),
    // Reasons quote the offending input; a hostile record must not blow up the document.
    reason: reason === null ? null : reason.slice(0, MAX_REASON),
    eventType: h('event-type'),
    eventId: h('event-id'),
    deadLetteredAt: r.timestamp,
  };
}
