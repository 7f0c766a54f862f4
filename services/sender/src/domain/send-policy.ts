// What happens after a send attempt fails: retry later, fail for good, dead-letter, or defer without
// using up an attempt (the SMTP server itself is unreachable: that is not this mail's fault).

export type FailureClass = 'smtp-4xx' | 'smtp-5xx' | 'connection' | 'timeout' | 'invalid-request' | 'unknown';

export interface Failure {
  readonly errorClass: FailureClass;
  readonly message: string;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export type NextStep =
  | { readonly type: 'retry'; readonly at: number }
  | { readonly type: 'defer'; readonly at: number }
  | { readonly type: 'fail' }
  | { readonly type: 'dead' };

/** Classifies a nodemailer error: the SMTP reply code when there is one, else the connection error code. */
export function classify(err: unknown): Failure {
  const e = (err ?? {}) as { responseCode?: number; code?: string; message?: string };
  const message = String(e.message ?? err)
    .replace(/\s+/g, ' ')
    .slice(0, 500);
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 500) return { errorClass: 'smtp-5xx', message };
    if (e.responseCode >= 400) return { errorClass: 'smtp-4xx', message };
  }
  if (e.code === 'ETIMEDOUT') return { errorClass: 'timeout', message };
  if (
    ['ECONNECTION', 'ECONNREFUSED', 'ECONNRESET', 'ESOCKET', 'EDNS', 'ENOTFOUND', 'EHOSTUNREACH'].includes(
      e.code ?? '',
    )
  ) {
    return { errorClass: 'connection', message };
  }
  // nodemailer reports a connection dropped before the greeting, and sends cut short when we replace a
  // stuck pool (smtp-transport), without a code.
  if (/unexpected socket close|connection closed|pool was closed|ECONNREFUSED|ECONNRESET/i.test(message)) {
    return { errorClass: 'connection', message };
  }
  return { errorClass: 'unknown', message };
}

/** True when the SMTP server could not be reached or dropped us: the circuit breaker's business. */
export const isOutage = (f: Failure): boolean => f.errorClass === 'connection' || f.errorClass === 'timeout';

/** The next step after attempt number `attempt` failed with `failure`. */
export function nextStep(
  failure: Failure,
  attempt: number,
  policy: RetryPolicy,
  now: number,
  random: () => number,
): NextStep {
  const delay =
    Math.floor(
      random() * Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1)),
    ) +
    policy.initialDelayMs / 2;
  switch (failure.errorClass) {
    case 'smtp-5xx':
    case 'invalid-request':
      return { type: 'fail' };
    case 'connection':
    case 'timeout':
      return { type: 'defer', at: now + delay };
    case 'smtp-4xx':
    case 'unknown':
      return attempt >= policy.maxAttempts ? { type: 'dead' } : { type: 'retry', at: now + delay };
    default: {
      const unreachable: never = failure.errorClass;
      throw new Error(`unknown failure class ${String(unreachable)}`);
    }
  }
}
