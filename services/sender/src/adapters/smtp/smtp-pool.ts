// A few SMTP sessions kept open for reuse. Each attempt holds its own session, so a deadline that fires
// ends exactly that attempt's connection and never another one's.
import { SmtpSession, type SmtpSessionSettings } from './smtp-session';

export interface PoolLimits {
  readonly maxConnections: number;
  /** Messages per connection before it is renewed. */
  readonly maxMessages: number;
  /** An idle connection is closed (QUIT) after this long; servers drop idle clients after ~5 min. */
  readonly idleMs: number;
}

interface Idle {
  readonly session: SmtpSession;
  readonly timer: NodeJS.Timeout;
}

export class SmtpPool {
  private idle: Idle[] = [];
  private open = 0;
  private waiters: (() => void)[] = [];
  private closing = false;

  constructor(
    private readonly settings: SmtpSessionSettings,
    private readonly limits: PoolLimits,
  ) {}

  /** Runs `use` with a session of its own; `reused` says whether the session carried a message before. */
  async withSession<T>(
    use: (session: SmtpSession, reused: boolean) => Promise<T>,
    options: { fresh?: boolean; signal?: AbortSignal | undefined } = {},
  ): Promise<T> {
    const { session, reused } = await this.acquire(options.fresh ?? false, options.signal);
    try {
      return await use(session, reused);
    } finally {
      this.release(session);
    }
  }

  /** Closes idle connections and lets busy ones close when their message is done. */
  close(): void {
    this.closing = true;
    for (const { session, timer } of this.idle.splice(0)) {
      clearTimeout(timer);
      session.quit();
      this.open -= 1;
    }
  }

  private async acquire(
    fresh: boolean,
    signal: AbortSignal | undefined,
  ): Promise<{ session: SmtpSession; reused: boolean }> {
    for (;;) {
      signal?.throwIfAborted();
      if (!fresh) {
        const idle = this.idle.pop();
        if (idle) {
          clearTimeout(idle.timer);
          if (idle.session.usable) return { session: idle.session, reused: true };
          this.open -= 1;
          continue;
        }
      }
      if (this.open < this.limits.maxConnections) {
        this.open += 1;
        try {
          return { session: await SmtpSession.open(this.settings, signal), reused: false };
        } catch (err) {
          this.open -= 1;
          this.wakeOne();
          throw err;
        }
      }
      if (fresh && this.idle.length > 0) {
        // Make room for a fresh connection by closing an idle one.
        const idle = this.idle.shift() as Idle;
        clearTimeout(idle.timer);
        idle.session.quit();
        this.open -= 1;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        signal?.addEventListener('abort', () => resolve(), { once: true });
      });
    }
  }

  private release(session: SmtpSession): void {
    if (!this.closing && session.usable && session.messages < this.limits.maxMessages) {
      const timer = setTimeout(() => {
        this.idle = this.idle.filter((i) => i.session !== session);
        this.open -= 1;
        session.quit();
        this.wakeOne();
      }, this.limits.idleMs);
      timer.unref();
      this.idle.push({ session, timer });
    } else {
      if (session.usable) session.quit();
      this.open -= 1;
    }
    this.wakeOne();
  }

  private wakeOne(): void {
    this.waiters.shift()?.();
  }
}
