import { backoffDelay, type Backoff } from './backoff';
import { pause } from './pause';

export interface RetryOptions {
  readonly backoff: Backoff;
  /** Ends the retrying: the promise rejects with the signal's reason (or the last error). */
  readonly signal?: AbortSignal;
  /** Only errors this accepts are retried; others are thrown at once. Default: every error. */
  readonly retryable?: (err: unknown) => boolean;
  /** Called before each wait, e.g. to log "not reachable yet; retrying in …". */
  readonly onRetry?: (err: unknown, delayMs: number, attempt: number) => void;
  readonly random?: () => number;
}

/** Calls `fn` until it resolves, waiting with backoff between failures, for as long as it takes. */
export async function retryUntil<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (options.retryable && !options.retryable(err)) throw err;
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      const delayMs = backoffDelay(attempt, options.backoff, options.random);
      options.onRetry?.(err, delayMs, attempt);
      if (!(await pause(delayMs, options.signal))) throw options.signal?.reason ?? err;
    }
  }
}
