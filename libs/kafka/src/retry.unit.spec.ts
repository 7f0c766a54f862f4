import { backoffDelay } from './retry';

describe('backoffDelay', () => {
  const options = { initialMs: 100, maxMs: 5_000 };
  test.each([
    [0, 100],
    [1, 200],
    [3, 800],
    [10, 5_000],
  ])('attempt %i waits less than %i ms (full jitter)', (attempt, ceiling) => {
    expect(backoffDelay(attempt, options, () => 0.999999)).toBe(ceiling - 1);
    expect(backoffDelay(attempt, options, () => 0)).toBe(0);
  });
});
