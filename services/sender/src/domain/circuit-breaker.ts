// A circuit breaker for the SMTP server: after `threshold` outages in a row it opens for `cooldownMs`
// (no attempts), then lets one probe through (half-open); a success closes it. Pure: time is passed in.

export interface BreakerState {
  readonly state: 'closed' | 'open' | 'half-open';
  readonly consecutiveOutages: number;
  readonly openUntil: number;
}

export const closedBreaker: BreakerState = { state: 'closed', consecutiveOutages: 0, openUntil: 0 };

export function canAttempt(b: BreakerState, now: number): { allowed: boolean; next: BreakerState } {
  if (b.state === 'open' && now >= b.openUntil) return { allowed: true, next: { ...b, state: 'half-open' } };
  if (b.state === 'open') return { allowed: false, next: b };
  return { allowed: true, next: b };
}

export function onSuccess(): BreakerState {
  return closedBreaker;
}

export function onOutage(b: BreakerState, now: number, threshold: number, cooldownMs: number): BreakerState {
  const consecutiveOutages = b.consecutiveOutages + 1;
  if (b.state === 'half-open' || consecutiveOutages >= threshold) {
    return { state: 'open', consecutiveOutages, openUntil: now + cooldownMs };
  }
  return { ...b, consecutiveOutages };
}
