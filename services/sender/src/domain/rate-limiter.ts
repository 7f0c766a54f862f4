// A token bucket: at most `perSecond` sends per second on average, bursts up to `perSecond`.
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = perSecond;
    this.last = now;
  }

  /** Takes a token if one is there; otherwise says how long until one is. */
  take(now: number): { ok: true } | { ok: false; waitMs: number } {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil(((1 - this.tokens) / this.perSecond) * 1000) };
  }
}
