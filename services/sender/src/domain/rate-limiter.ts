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
    const got = this.takeUpTo(1, now);
    return got.taken === 1 ? { ok: true } : { ok: false, waitMs: got.waitMs };
  }

  /**
   * Takes as many whole tokens as are there, up to `wanted` (several attempts claimed in one round
   * trip), if at least `atLeast` are; otherwise takes none and says how long until `atLeast` are.
   * `atLeast` is capped at the bucket's size, which is all it ever holds.
   */
  takeUpTo(wanted: number, now: number, atLeast = 1): { taken: number; waitMs: number } {
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    const least = Math.max(1, Math.min(atLeast, wanted, Math.floor(this.perSecond)));
    const taken = Math.min(wanted, Math.floor(this.tokens));
    if (taken < least)
      return { taken: 0, waitMs: Math.ceil(((least - this.tokens) / this.perSecond) * 1000) };
    this.tokens -= taken;
    return { taken, waitMs: 0 };
  }

  /** Returns tokens taken for attempts that did not happen (fewer mails were due than tokens taken). */
  giveBack(n: number): void {
    this.tokens = Math.min(this.perSecond, this.tokens + n);
  }
}
