import { canAttempt, closedBreaker, onOutage, onSuccess } from './circuit-breaker';
import type { Failure } from './failure-classes';
import { messageIdFor } from './mail-state';
import { TokenBucket } from './rate-limiter';
import { backoffMs, nextStep, type AttemptContext } from './send-policy';

const HOUR = 3600_000;
const policy = {
  maxAttempts: 200,
  initialDelayMs: 60_000,
  maxDelayMs: 30 * 60_000,
  maxRetryAgeMs: 24 * HOUR,
  infrastructureDelayMs: 5_000,
};
const ambiguity = { retryAfterMs: 15 * 60_000, maxResends: 1 };
const fail = (errorClass: Failure['errorClass']): Failure => ({ errorClass, message: 'x' });
const mail = (change: Partial<AttemptContext> = {}): AttemptContext => ({
  attempt: 1,
  queuedAt: 0,
  ambiguousResends: 0,
  ...change,
});
const step = (f: Failure['errorClass'], m = mail(), now = 1_000) =>
  nextStep(fail(f), m, policy, ambiguity, now, () => 0.5);

describe('nextStep', () => {
  test.each<[string, Failure['errorClass'], AttemptContext, number, string]>([
    ['a recipient-permanent failure fails the mail at once', 'recipient-permanent', mail(), 1_000, 'fail'],
    ['a message-permanent failure fails the mail at once', 'message-permanent', mail(), 1_000, 'fail'],
    ['an invalid request fails at once', 'invalid-request', mail(), 1_000, 'fail'],
    ['a transient failure is retried', 'recipient-transient', mail({ attempt: 7 }), 3 * HOUR, 'retry'],
    [
      'a transient failure 24 h after queueing is dead-lettered',
      'recipient-transient',
      mail(),
      24 * HOUR,
      'dead',
    ],
    [
      'a transient failure after the attempt cap is dead-lettered',
      'recipient-transient',
      mail({ attempt: 200 }),
      1_000,
      'dead',
    ],
    ['an unknown failure is retried like a transient one', 'unknown', mail(), 1_000, 'retry'],
    [
      'a system-wide failure defers without using the mail up',
      'system-wide',
      mail({ attempt: 100 }),
      30 * HOUR,
      'defer',
    ],
    ['our own infrastructure failing defers too', 'local-infrastructure', mail(), 1_000, 'defer'],
    ['an unknown outcome is resent later, once', 'ambiguous', mail(), 1_000, 'resend-later'],
    [
      'a second unknown outcome stays ambiguous',
      'ambiguous',
      mail({ ambiguousResends: 1 }),
      1_000,
      'ambiguous',
    ],
  ])('%s', (_name, cls, m, now, expected) => {
    expect(step(cls, m, now).type).toBe(expected);
  });

  test('an unknown outcome is never resent before the ambiguous delay', () => {
    expect(step('ambiguous', mail(), 1_000)).toEqual({ type: 'resend-later', at: 1_000 + 15 * 60_000 });
  });

  test('the local infrastructure delay is the configured one', () => {
    expect(step('local-infrastructure', mail(), 1_000)).toEqual({ type: 'defer', at: 6_000 });
  });

  test('backoff grows exponentially with jitter, capped; the schedule spans the retry age', () => {
    expect(backoffMs(1, policy, () => 0)).toBe(30_000);
    expect(backoffMs(1, policy, () => 0.999)).toBeLessThan(60_000);
    expect(backoffMs(3, policy, () => 0)).toBe(120_000);
    expect(backoffMs(30, policy, () => 0.999)).toBeLessThanOrEqual(30 * 60_000);
    expect(backoffMs(30, policy, () => 0)).toBe(15 * 60_000);
    // Following the schedule (worst case: shortest jitter), a greylisted mail is still retried a day later.
    let now = 0;
    let attempt = 1;
    for (;;) {
      const s = nextStep(fail('recipient-transient'), mail({ attempt }), policy, ambiguity, now, () => 0);
      if (s.type !== 'retry') break;
      now = s.at;
      attempt += 1;
    }
    expect(now).toBe(24 * HOUR);
    expect(attempt).toBeLessThan(200);
  });

  test('the last retry lands on the age limit instead of overshooting it', () => {
    const s = nextStep(
      fail('recipient-transient'),
      mail({ attempt: 20 }),
      policy,
      ambiguity,
      24 * HOUR - 1_000,
      () => 0.5,
    );
    expect(s).toEqual({ type: 'retry', at: 24 * HOUR });
  });
});

describe('circuit breaker', () => {
  test('opens after the threshold, lets one probe through after the cooldown, closes on success', () => {
    let b = closedBreaker;
    b = onOutage(b, 0, 2, 1000);
    expect(b.state).toBe('closed');
    b = onOutage(b, 10, 2, 1000);
    expect(b).toMatchObject({ state: 'open', openUntil: 1010 });
    expect(canAttempt(b, 500).allowed).toBe(false);
    const probe = canAttempt(b, 1010);
    expect(probe).toMatchObject({ allowed: true, next: { state: 'half-open' } });
    expect(onOutage(probe.next, 1020, 2, 1000)).toMatchObject({ state: 'open', openUntil: 2020 });
    expect(onSuccess()).toEqual(closedBreaker);
  });
});

describe('rate limit', () => {
  test('allows a burst of perSecond, then one per 1/perSecond', () => {
    const bucket = new TokenBucket(2, 0);
    expect(bucket.take(0).ok).toBe(true);
    expect(bucket.take(0).ok).toBe(true);
    expect(bucket.take(0)).toEqual({ ok: false, waitMs: 500 });
    expect(bucket.take(500).ok).toBe(true);
  });

  test('the rate limiter hands out several tokens at once, never more than it holds, and takes back unused ones', () => {
    const bucket = new TokenBucket(4, 0);
    expect(bucket.takeUpTo(3, 0)).toEqual({ taken: 3, waitMs: 0 });
    expect(bucket.takeUpTo(3, 0)).toEqual({ taken: 1, waitMs: 0 });
    expect(bucket.takeUpTo(3, 0)).toEqual({ taken: 0, waitMs: 250 });
    bucket.giveBack(2);
    expect(bucket.takeUpTo(5, 0)).toEqual({ taken: 2, waitMs: 0 });
    // Half a second later: two tokens again, never more than the bucket's size.
    expect(bucket.takeUpTo(5, 500)).toEqual({ taken: 2, waitMs: 0 });
    bucket.giveBack(10);
    expect(bucket.takeUpTo(10, 500)).toEqual({ taken: 4, waitMs: 0 });
    // At least three, or none and how long until three are there; never more than the bucket holds.
    expect(bucket.takeUpTo(4, 750, 3)).toEqual({ taken: 0, waitMs: 500 });
    expect(bucket.takeUpTo(4, 1250, 3)).toEqual({ taken: 3, waitMs: 0 });
    expect(new TokenBucket(2, 0).takeUpTo(5, 0, 3)).toEqual({ taken: 2, waitMs: 0 });
  });
});

test('the Message-ID is deterministic from the mailId and a valid msg-id', () => {
  expect(messageIdFor('order-confirmation:o-1', 'mailfleet.test')).toBe(
    '<order-confirmation=3ao-1@mailfleet.test>',
  );
  expect(messageIdFor('order-confirmation:o-1', 'mailfleet.test')).toBe(
    messageIdFor('order-confirmation:o-1', 'mailfleet.test'),
  );
});
