/** A signed timestamp older or further ahead than this is refused: a captured request cannot be replayed later. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** When a verifier checks a request, and how far from then a signed timestamp may be (tests pin both). */
export interface WindowOptions {
  readonly nowMs?: number;
  readonly toleranceSeconds?: number;
}

/**
 * Null when `timestamp` (Unix seconds, as the provider sent it) is within the tolerance of now; otherwise
 * why not. Ahead is refused too: a clock far ahead would stretch the window.
 */
export function staleness(timestamp: string, options: WindowOptions): string | null {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (!/^\d{1,12}$/.test(timestamp))
    return `the timestamp ${JSON.stringify(timestamp.slice(0, 40))} is not Unix seconds`;
  const skew = Math.abs((options.nowMs ?? Date.now()) / 1000 - Number(timestamp));
  return skew > tolerance
    ? `the timestamp is ${Math.round(skew)} s away from now (at most ${tolerance} s are accepted)`
    : null;
}
