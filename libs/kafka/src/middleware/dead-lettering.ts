// Dead-lettering: a record whose handling failed for good goes to its topic's DLQ with its original
// bytes, headers and the reason, and the consumer goes on. If the DLQ write fails, nothing is committed.
import type { Producer } from 'kafkajs';
import type { RecordSource } from '@mailfleet/contracts';
import { MailfleetError } from '@mailfleet/errors';
import type { Logger } from '@mailfleet/logger';
import type { ConsumerMetrics } from '../consumer-metrics';
import type { InFlightRecord, RecordMiddleware, RecordStep } from '../consumer-types';
import { deadLetterRecord } from '../dead-letter';
import { GaveUpError } from './retry';

class DeadLetterWriteError extends MailfleetError {
  override name = 'DeadLetterWriteError';
}

export interface DeadLetterDeps {
  readonly producer: Producer;
  readonly groupId: string;
  readonly logger: Logger;
  readonly now: () => Date;
  /** False while poison must only be skipped (a rebuild must not repeat side effects). */
  readonly enabled: () => boolean;
}

/** Writes `r` to its DLQ with `err` as the reason, or skips it while dead letters are off. */
export async function deadLetter(
  d: DeadLetterDeps,
  r: Pick<InFlightRecord, 'source' | 'message'>,
  err: unknown,
): Promise<'dead-lettered' | 'skipped'> {
  const cause = err instanceof GaveUpError ? err.cause : err;
  const attempts = err instanceof GaveUpError ? err.attempts : 1;
  const code = cause instanceof MailfleetError ? cause.code : 'handler-failed';
  const text = cause instanceof Error ? cause.message : String(cause);
  const reason = attempts > 1 ? `${text} (after ${attempts} attempts)` : text;
  const where: RecordSource = r.source;
  if (!d.enabled()) {
    d.logger.warn({ ...where, code, reason }, 'poison record skipped; dead letters are off (a rebuild)');
    return 'skipped';
  }
  const { topic, message } = deadLetterRecord(r.message, where, { code, reason }, d.groupId, d.now());
  try {
    await d.producer.send({ topic, acks: -1, messages: [message] });
  } catch (writeErr) {
    // Losing a record is worse than stopping: fail loudly, commit nothing.
    throw new DeadLetterWriteError(
      'dead-letter-write-failed',
      `could not write to ${topic}; nothing committed`,
      {
        retriable: true,
        context: { ...where },
        cause: writeErr,
      },
    );
  }
  d.logger.error({ ...where, code, reason, dlq: topic }, 'record dead-lettered');
  return 'dead-lettered';
}

/** Dead-letters what the steps inside it gave up on (a poison record, a permanent refusal). */
export function deadLettering(d: DeadLetterDeps): RecordMiddleware {
  return (next) => async (r) => {
    try {
      return await next(r);
    } catch (err) {
      if (err instanceof GaveUpError) return deadLetter(d, r, err);
      throw err;
    }
  };
}

/** Counts every outcome by group, topic and event type. */
export function counting(metrics: ConsumerMetrics, groupId: string): RecordMiddleware {
  return (next: RecordStep) => async (r) => {
    const outcome = await next(r);
    if (outcome !== 'stopped')
      metrics.records.inc({ group: groupId, topic: r.source.topic, event_type: r.eventType, outcome });
    return outcome;
  };
}
