// Dead letters keep the original key, value and headers byte for byte, plus headers that say why.
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { dlqTopicOf } from '@mailfleet/contracts';

export const DLQ_HEADERS = {
  reason: 'dlq-reason',
  errorCode: 'dlq-error-code',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  firstFailedAt: 'dlq-first-failed-at',
  consumerGroup: 'dlq-consumer-group',
} as const;

export interface DeadLetterCause {
  readonly code: string;
  readonly reason: string;
}

/** The record to write to `<topic>.dlq` for `original`, which failed in `group` for `cause`. */
export function deadLetterRecord(
  original: Pick<KafkaMessage, 'key' | 'value' | 'headers'>,
  source: { readonly topic: string; readonly partition: number; readonly offset: string },
  cause: DeadLetterCause,
  group: string,
  failedAt: Date,
): { topic: string; message: Message } {
  const headers: IHeaders = { ...(original.headers ?? {}) };
  headers[DLQ_HEADERS.reason] = cause.reason;
  headers[DLQ_HEADERS.errorCode] = cause.code;
  headers[DLQ_HEADERS.sourceTopic] = source.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(source.partition);
  headers[DLQ_HEADERS.sourceOffset] = source.offset;
  headers[DLQ_HEADERS.consumerGroup] = group;
  // A record replayed from the DLQ that fails again keeps the time it first failed.
  headers[DLQ_HEADERS.firstFailedAt] ??= failedAt.toISOString();
  return {
    topic: dlqTopicOf(source.topic),
    message: { key: original.key, value: original.value, headers },
  };
}

/** A record's headers as text (the first value of a repeated header), for reading the ones written here. */
export function headerText(headers: IHeaders | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = (Array.isArray(v) ? v[0] : v)?.toString();
  return out;
}
