import { canAttempt, closedBreaker, onOutage, onSuccess } from './circuit-breaker';
import { messageIdFor } from './mail-state';
import { TokenBucket } from './rate-limiter';
import { classify, nextStep, type Failure } from './send-policy';

const policy = { maxAttempts: 3, initialDelayMs: 1000, maxDelayMs: 60_000 };
const fail = (errorClass: Failure['errorClass']): Failure => ({ errorClass, message: 'x' });

describe('classify', () => {
  test.each<[string, object, string]>([
    ['a 451 reply', { responseCode: 451, message: '451 try later' }, 'smtp-4xx'],
    ['a 550 reply', { responseCode: 550, message: '550 no such user' }, 'smtp-5xx'],
    ['a refused connection', { code: 'ECONNECTION', message: 'connect ECONNREFUSED' }, 'connection'],
    [
      'a dropped connection',
      { code: 'ECONNECTION', message: 'Connection closed unexpectedly' },
      'connection',
    ],
    ['a timeout', { code: 'ETIMEDOUT', message: 'Greeting never received' }, 'timeout'],
    ['a socket closed before the greeting', { message: 'Unexpected socket close' }, 'connection'],
    ['a send cut short by replacing a stuck pool', { message: 'Connection pool was closed' }, 'connection'],
    ['anything else', { message: 'boom' }, 'unknown'],
  ])('%s is %s', (_n, err, expected) => {
    expect(classify(err).errorClass).toBe(expected);
  });
});

describe('nextStep', () => {
  test.each<[string, Failure['errorClass'], number, string]>([
    ['a 4xx before the last attempt is retried', 'smtp-4xx', 1, 'retry'],
    ['a 4xx on the last attempt is dead-lettered', 'smtp-4xx', 3, 'dead'],
    ['a 5xx fails at once', 'smtp-5xx', 1, 'fail'],
    ['an invalid request fails at once', 'invalid-request', 1, 'fail'],
    ['an outage defers without using up the mail', 'connection', 3, 'defer'],
    ['a timeout defers too', 'timeout', 1, 'defer'],
  ])('%s', (_n, cls, attempt, expected) => {
    expect(nextStep(fail(cls), attempt, policy, 0, () => 0.5).type).toBe(expected);
  });

  test('backoff grows exponentially, with jitter, up to the maximum', () => {
    const at = (attempt: number, r: number) =>
      (nextStep(fail('smtp-4xx'), attempt, { ...policy, maxAttempts: 99 }, 0, () => r) as { at: number }).at;
    expect(at(1, 0)).toBe(500);
    expect(at(1, 0.999)).toBeLessThan(1500);
    expect(at(3, 0.999)).toBeGreaterThan(4000);
    expect(at(20, 0.999)).toBeLessThan(60_500);
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
});

test('the Message-ID is deterministic from the mailId and a valid msg-id', () => {
  expect(messageIdFor('order-confirmation:o-1', 'mailfleet.test')).toBe(
    '<order-confirmation=3ao-1@mailfleet.test>',
  );
  expect(messageIdFor('order-confirmation:o-1', 'mailfleet.test')).toBe(
    messageIdFor('order-confirmation:o-1', 'mailfleet.test'),
  );
});
