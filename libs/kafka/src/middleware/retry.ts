// Retrying: a record (or a chunk) whose handling failed on an error that is not its fault is tried
// again with backoff, heartbeating meanwhile so the group keeps the partition here; stop() cuts a wait
// short. What is the record's fault (permanent, or unknown too often) goes on to the dead-letter step.
import { classifyError } from '@mailfleet/errors';
import type { Logger } from '@mailfleet/logger';
import { backoffDelay, pause } from '@mailfleet/retry';
import type { ConsumerMetrics } from '../consumer-metrics';
import type { RecordMiddleware, RetrySettings } from '../consumer-types';

/** The record's handling failed for good after `attempts` attempts: `cause` says why. */
export class GaveUpError extends Error {
  override name = 'GaveUpError';
  constructor(
    override readonly cause: unknown,
    readonly attempts: number,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

export class Backoff {
  constructor(
    private readonly settings: RetrySettings,
    private readonly groupId: string,
    private readonly metrics: ConsumerMetrics,
    private readonly stopping: AbortSignal,
  ) {}

  get maxUnknownAttempts(): number {
    return this.settings.maxUnknownAttempts;
  }

  /**
   * Waits out failed attempt `attempt` with backoff, heartbeating so the group keeps the partition here.
   * False when stop() cut the wait short: the record is not done, and a stopping consumer does not retry.
   */
  async wait(
    attempt: number,
    topic: string,
    heartbeat: () => Promise<void>,
    log: (delayMs: number) => void,
  ): Promise<boolean> {
    const delayMs = backoffDelay(attempt, this.settings);
    log(delayMs);
    this.metrics.retries.inc({ group: this.groupId, topic });
    if (!(await pause(delayMs, this.stopping))) return false;
    await heartbeat().catch(() => undefined);
    return true;
  }
}

/** Retries the steps inside it; throws GaveUpError when the failure is the record's fault. */
export function retrying(backoff: Backoff, logger: Logger): RecordMiddleware {
  return (next) => async (r) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(r);
      } catch (err) {
        const kind = classifyError(err);
        if (kind === 'permanent' || (kind === 'unknown' && attempt + 1 >= backoff.maxUnknownAttempts))
          throw new GaveUpError(err, attempt + 1);
        if (!r.active()) return 'stopped';
        const waited = await backoff.wait(attempt, r.source.topic, r.heartbeat, (delayMs) =>
          logger.warn(
            { err, ...r.source, attempt: attempt + 1, delayMs, errorClass: kind },
            'handler failed, retrying',
          ),
        );
        if (!waited) return 'stopped';
      }
    }
  };
}
