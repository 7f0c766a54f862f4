// The fleet's one backoff formula. Pure: the caller passes the randomness, so tests pin it.

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  /**
   * How the delay is spread below the ceiling min(max, initial·2^attempt): `full` anywhere in [0, ceiling)
   * (clients that retry together spread furthest apart); `equal` in [ceiling/2, ceiling) (a floor under
   * every wait, for waits a person reads as a schedule); `none` exactly the ceiling.
   */
  readonly jitter?: 'full' | 'equal' | 'none';
}

/** The wait before retry number `attempt` (from 0): exponential, capped, jittered (full by default). */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, attempt));
  switch (backoff.jitter ?? 'full') {
    case 'full':
      return Math.floor(random() * ceiling);
    case 'equal':
      return Math.floor(ceiling / 2 + (random() * ceiling) / 2);
    case 'none':
      return ceiling;
  }
}
