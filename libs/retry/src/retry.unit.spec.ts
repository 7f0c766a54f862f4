import { backoffDelay, pause, retryUntil } from './index';

describe('backoffDelay', () => {
  const options = { initialMs: 100, maxMs: 5_000 };
  test.each([
    [0, 100],
    [1, 200],
    [3, 800],
    [10, 5_000],
  ])(
    'attempt %i: full jitter below %i ms, equal jitter from half of it, none exactly it',
    (attempt, ceiling) => {
      expect(backoffDelay(attempt, options, () => 0.999999)).toBe(ceiling - 1);
      expect(backoffDelay(attempt, options, () => 0)).toBe(0);
      expect(backoffDelay(attempt, { ...options, jitter: 'equal' }, () => 0)).toBe(ceiling / 2);
      expect(backoffDelay(attempt, { ...options, jitter: 'equal' }, () => 0.999999)).toBe(ceiling - 1);
      expect(backoffDelay(attempt, { ...options, jitter: 'none' }, () => 0.5)).toBe(ceiling);
    },
  );
});

describe('pause', () => {
  test('ends early, with false, when the signal aborts; true when the time passed', async () => {
    const controller = new AbortController();
    const cut = pause(60_000, controller.signal);
    controller.abort();
    await expect(cut).resolves.toBe(false);
    await expect(pause(1, new AbortController().signal)).resolves.toBe(true);
    await expect(pause(60_000, AbortSignal.abort())).resolves.toBe(false);
  });
});

describe('retryUntil', () => {
  const backoff = { initialMs: 1, maxMs: 4, jitter: 'none' as const };

  test('retries until the call succeeds, reporting each wait', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await retryUntil(
      async () => {
        if (++calls < 4) throw new Error(`refused ${calls}`);
        return 'connected';
      },
      { backoff, onRetry: (_err, delayMs) => waits.push(delayMs) },
    );
    expect({ result, calls, waits }).toEqual({ result: 'connected', calls: 4, waits: [1, 2, 4] });
  });

  test('an error it may not retry is thrown at once', async () => {
    let calls = 0;
    await expect(
      retryUntil(
        async () => {
          calls++;
          throw new Error('bad credentials');
        },
        { backoff, retryable: (err) => !String(err).includes('credentials') },
      ),
    ).rejects.toThrow('bad credentials');
    expect(calls).toBe(1);
  });

  test('a shutdown ends the waiting with the signal’s reason', async () => {
    const controller = new AbortController();
    const retrying = retryUntil(
      async () => {
        throw new Error('broker down');
      },
      {
        backoff: { initialMs: 60_000, maxMs: 60_000 },
        signal: controller.signal,
        onRetry: () => controller.abort(new Error('shutting down')),
      },
    );
    await expect(retrying).rejects.toThrow('shutting down');
  });
});
