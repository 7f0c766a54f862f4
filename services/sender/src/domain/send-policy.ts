// What happens after an attempt fails: retry later, fail for good, dead-letter, defer without using an
// attempt (the path is broken, not the mail), or wait long before resending an ambiguous one.
import { backoffDelay } from '@mailfleet/retry';
import type { Failure } from './failure-classes';

export interface RetryPolicy {
  /** Charged attempts before a mail is dead-lettered (the age limit usually decides first). */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  /** A mail still failing this long after it was queued is dead-lettered (Postfix: maximal_queue_lifetime). */
  readonly maxRetryAgeMs: number;
  /** Delay before local infrastructure (MongoDB) is tried again. */
  readonly infrastructureDelayMs: number;
}

export interface AmbiguityPolicy {
  /** How long to wait before resending a mail whose outcome is unknown (RFC 1047). */
  readonly retryAfterMs: number;
  /** How many times a mail is resent after unknown outcomes; then it stays `ambiguous`. */
  readonly maxResends: number;
}

/** The facts about a mail the next step depends on. */
export interface AttemptContext {
  /** The number of the attempt that failed (charged attempts, starting at 1). */
  readonly attempt: number;
  /** When the sender first queued the mail. */
  readonly queuedAt: number;
  /** Resends after unknown outcomes so far. */
  readonly ambiguousResends: number;
}

export type NextStep =
  | { readonly type: 'retry'; readonly at: number }
  | { readonly type: 'defer'; readonly at: number }
  | { readonly type: 'resend-later'; readonly at: number }
  | { readonly type: 'fail' }
  | { readonly type: 'dead' }
  | { readonly type: 'ambiguous' };

/**
 * Attempt n (from 1) waits between half and all of min(max, initial·2^(n-1)): exponential, capped, with a
 * floor under every wait, so a retry schedule reads as one (the fleet's one formula, @mailfleet/retry).
 */
export const backoffMs = (attempt: number, policy: RetryPolicy, random: () => number): number =>
  backoffDelay(
    attempt - 1,
    { initialMs: policy.initialDelayMs, maxMs: policy.maxDelayMs, jitter: 'equal' },
    random,
  );

/** The next step after an attempt failed with `failure`. */
export function nextStep(
  failure: Failure,
  mail: AttemptContext,
  policy: RetryPolicy,
  ambiguity: AmbiguityPolicy,
  now: number,
  random: () => number,
): NextStep {
  switch (failure.errorClass) {
    case 'recipient-permanent':
    case 'message-permanent':
    case 'invalid-request':
      return { type: 'fail' };
    case 'system-wide':
      return { type: 'defer', at: now + backoffMs(1, policy, random) };
    case 'local-infrastructure':
      return { type: 'defer', at: now + policy.infrastructureDelayMs };
    case 'ambiguous':
      return mail.ambiguousResends < ambiguity.maxResends
        ? { type: 'resend-later', at: now + ambiguity.retryAfterMs }
        : { type: 'ambiguous' };
    case 'recipient-transient':
    case 'unknown': {
      const expiresAt = mail.queuedAt + policy.maxRetryAgeMs;
      if (mail.attempt >= policy.maxAttempts || now >= expiresAt) return { type: 'dead' };
      // The last retry lands on the age limit rather than being skipped because the backoff overshoots.
      return { type: 'retry', at: Math.min(now + backoffMs(mail.attempt, policy, random), expiresAt) };
    }
    default: {
      const unreachable: never = failure.errorClass;
      throw new Error(`unknown failure class ${String(unreachable)}`);
    }
  }
}
