// The SMTP circuit breaker as the dispatcher and the attempts share it: the pure state machine
// (domain/circuit-breaker.ts) behind one mutable holder, its state exported as a gauge.
import { canAttempt, closedBreaker, onOutage, onSuccess, type BreakerState } from '../domain/circuit-breaker';
import type { SenderMetrics } from './sender-metrics';

export class SmtpPathGate {
  private breaker: BreakerState = closedBreaker;

  constructor(
    private readonly settings: { readonly threshold: number; readonly cooldownMs: number },
    private readonly metrics: SenderMetrics,
  ) {}

  /** Whether an attempt may start now; an open breaker whose cooldown is over lets one probe through. */
  admit(now: number): boolean {
    const gate = canAttempt(this.breaker, now);
    this.breaker = gate.next;
    this.metrics.circuitOpen.set(this.breaker.state === 'open' ? 1 : 0);
    return gate.allowed;
  }

  /** Half-open: one probe at a time. */
  get probing(): boolean {
    return this.breaker.state === 'half-open';
  }

  get openUntil(): number {
    return this.breaker.openUntil;
  }

  succeeded(): void {
    this.breaker = onSuccess();
  }

  /** Counts a system-wide failure; returns whether this one opened the breaker (it was not open before). */
  outage(now: number): { open: boolean; opened: boolean } {
    const wasOpen = this.breaker.state === 'open';
    this.breaker = onOutage(this.breaker, now, this.settings.threshold, this.settings.cooldownMs);
    const open = this.breaker.state === 'open';
    return { open, opened: open && !wasOpen };
  }
}
