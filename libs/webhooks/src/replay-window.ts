/** A signed timestamp older or further ahead than this is refused: a captured request cannot be replayed later. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * Null when `timestamp` (Unix seconds, as the provider sent it) is within `toleranceSeconds` of `nowMs`;
 * otherwise why not. Ahead is refused too: a clock far ahead would stretch the window.
 */
export function outsideWindow(timestamp: string, nowMs: number, toleranceSeconds: number): string | null {
  if (!/^\d{1,12}$/.test(timestamp))
    return `the timestamp ${JSON.stringify(timestamp.slice(0, 40))} is not Unix seconds`;
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  return skew > toleranceSeconds
    ? `the timestamp is ${Math.round(skew)} s away from now (at most ${toleranceSeconds} s are accepted)`
    : null;
}
