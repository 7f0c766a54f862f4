import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waits `ms`, or until `signal` aborts (a shutdown must not wait out a backoff). Resolves true when the
 * time passed, false when it was cut short; never rejects for the abort.
 */
export async function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
    return true;
  } catch (err) {
    if (signal?.aborted) return false;
    throw err;
  }
}
