// The sending loop: claims due mails from the sender's state (so retries are scheduled, never blocking a
// partition), within the rate and concurrency limits and behind the SMTP circuit breaker, and runs each
// claimed attempt in the background (claimed-attempt.ts: the attempt, its claim renewal, its outcome).
import type { Logger } from '@mailfleet/logger';
import { pause } from '@mailfleet/retry';
import {
  erasedCustomerKey,
  suppressionReason,
  type SoftBouncePolicy,
  type SuppressionStore,
} from '@mailfleet/suppression';
import { ERASED_REASON } from '../domain/erasure';
import type { DueClaim, SenderStore } from '../adapters/sender-store';
import type { MailState } from '../domain/mail-state';
import { TokenBucket } from '../domain/rate-limiter';
import type { AmbiguityPolicy, RetryPolicy } from '../domain/send-policy';
import { runClaimedAttempt } from './claimed-attempt';
import type { OutcomeRecorder } from './outcome-recorder';
import type { AttemptDeps } from './send-attempt';
import type { SenderMetrics } from './sender-metrics';
import { SmtpPathGate } from './smtp-path-gate';

export interface DispatcherOptions extends AttemptDeps {
  readonly store: SenderStore;
  readonly recorder: OutcomeRecorder;
  readonly retry: RetryPolicy;
  readonly ambiguity: AmbiguityPolicy;
  readonly concurrency: number;
  readonly ratePerSecond: number;
  readonly pollIntervalMs: number;
  /** A claim not renewed for this long belongs to a sender that died; its outcome is unknown. */
  readonly sendingGraceMs: number;
  readonly breaker: { readonly threshold: number; readonly cooldownMs: number };
  /** The suppression list, looked at right before sending (one read per round of claims). */
  readonly suppressions: SuppressionStore;
  readonly softBounces: SoftBouncePolicy;
  readonly metrics: SenderMetrics;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly random?: () => number;
  /** Test-only fault injection: die right after the SMTP server accepted, before recording it. */
  readonly crashAfterAccept?: boolean;
}

export class Dispatcher {
  private running = false;
  private loop: Promise<void> | undefined;
  /**
   * Attempts running, each until its outcome is written: what the concurrency limit counts. Holding the
   * slot through the bookkeeping bounds what a kill -9 can leave ambiguous (accepted, not yet recorded)
   * to the concurrency, and is the backpressure during a MongoDB outage.
   */
  private readonly inFlight = new Set<Promise<void>>();
  private readonly shutdown = new AbortController();
  private readonly gate: SmtpPathGate;
  private readonly bucket: TokenBucket;
  private wake: (() => void) | undefined;
  private woken = false;
  private lastAbandonedLook = 0;
  private claims = 0;
  /**
   * HIGH-priority mails may be due: set at start (some may have been recorded before) and whenever one
   * is recorded here; cleared when a claim of them finds none. Costs a query only while it is set.
   */
  private highMayWait = true;

  constructor(private readonly o: DispatcherOptions) {
    this.bucket = new TokenBucket(o.ratePerSecond, o.now().getTime());
    this.gate = new SmtpPathGate(o.breaker, o.metrics);
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Stops claiming; attempts that have not sent their final dot are aborted (and given back), the others
   * finish and are recorded.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.shutdown.abort();
    this.o.recorder.stopping(this.o.sendingGraceMs);
    this.notify();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  /** New work may be there (a request was just recorded); `high`: a HIGH-priority one among it. */
  notify(high = false): void {
    if (high) this.highMayWait = true;
    this.woken = true;
    this.wake?.();
  }

  private idle(ms: number): Promise<void> {
    // A notify that came while we were busy claiming is not lost: we look again at once.
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).then(() => {
      this.wake = undefined;
      this.woken = false;
    });
  }

  /**
   * The next attempts, up to `max`: due mails, or one a dead sender left mid-attempt. Abandoned claims
   * are looked for at most every half grace period (one indexed query), first when it is time, so a
   * steady stream of due mail never starves them and a busy dispatcher does not pay for the look on
   * every claim.
   */
  private async claimNext(now: number, max: number): Promise<DueClaim> {
    if (now - this.lastAbandonedLook >= this.o.sendingGraceMs / 2) {
      this.lastAbandonedLook = now;
      const abandoned = await this.o.store.claimAbandoned(now, this.o.sendingGraceMs);
      if (abandoned) return { claimed: [abandoned], next: 'unknown' };
    }
    // HIGH-priority mails go ahead of everything else (abandoned claims apart: their outcome is unknown).
    if (this.highMayWait) {
      const high = await this.o.store.claimHighDue(now, max);
      if (high.length > 0) return { claimed: high, next: 'unknown' };
      this.highMayWait = false;
    }
    // Every fourth claim looks at due retries first: new requests come first otherwise, but never
    // keep a retry waiting for long under a steady stream of them.
    return this.o.store.claimDue(now, max, ++this.claims % 4 === 0);
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const now = this.o.now().getTime();
        if (!this.gate.admit(now)) {
          await this.idle(Math.min(this.o.pollIntervalMs, this.gate.openUntil - now));
          continue;
        }
        // Half-open: one probe at a time; otherwise up to the concurrency limit.
        const limit = this.gate.probing ? 1 : this.o.concurrency;
        // While attempts run, the next claim waits for half the slots (and tokens for them): several
        // mails claimed in one round trip, rather than one claim per slot freed. A quiet sender claims
        // at once.
        const free = limit - this.inFlight.size;
        const least = this.inFlight.size === 0 ? 1 : Math.ceil(limit / 2);
        if (free < least) {
          await Promise.race(this.inFlight);
          continue;
        }
        const tokens = this.bucket.takeUpTo(free, now, least);
        if (tokens.taken === 0) {
          await pause(tokens.waitMs, this.shutdown.signal);
          continue;
        }
        this.woken = false;
        const { claimed, next } = await this.claimNext(now, tokens.taken).catch((err: unknown) => {
          this.bucket.giveBack(tokens.taken);
          throw err;
        });
        this.bucket.giveBack(tokens.taken - claimed.length);
        if (claimed.length === 0) {
          // Sleep until the next retry falls due (a request recorded here wakes us at once); at most the
          // poll interval, for requests another instance recorded and claims a dead sender left. An idle
          // sender costs next to nothing.
          const nextAt =
            next === 'unknown' ? await this.o.store.nextDueAt() : next === 'none' ? undefined : next;
          const untilNext = nextAt === undefined ? Infinity : Math.max(10, nextAt - this.o.now().getTime());
          await this.idle(Math.min(this.o.pollIntervalMs, untilNext));
          continue;
        }
        for (const mail of await this.withoutSuppressed(claimed, now)) this.begin(mail);
      } catch (err) {
        this.o.logger.warn({ err }, 'dispatcher round failed; retrying');
        await pause(1_000, this.shutdown.signal);
      }
    }
  }

  /**
   * The claimed mails whose address is not suppressed. The others are recorded as suppressed (in the
   * background, counted in flight like attempts): the address may have bounced or complained after the
   * mail was requested (while it waited for a retry, for quiet hours, in a digest). An interrupted
   * attempt is left alone: it may have been delivered. If the list cannot be read, the mails go out: the
   * translator checked it when it decided them, and a claim must not be left to expire as "unknown".
   */
  private async withoutSuppressed(claimed: readonly MailState[], now: number): Promise<MailState[]> {
    const addressOf = (m: MailState) => m.request.recipient.email.toLowerCase();
    const erasedKeyOf = (m: MailState) => erasedCustomerKey(m.request.recipient.customerId);
    const checkable = claimed.filter((m) => m.status !== 'sending');
    // The erased customers' markers in the same read (customer-erasure.ts).
    const listed = await this.o.suppressions
      .byAddress(undefined, [...checkable.map(addressOf), ...checkable.map(erasedKeyOf)])
      .catch((err: unknown) => {
        this.o.logger.warn({ err }, 'suppression list not readable; sending without the check');
        return new Map<string, never>();
      });
    if (listed.size === 0) return [...claimed];
    const go: MailState[] = [];
    for (const mail of claimed) {
      const erased = mail.status !== 'sending' && listed.has(erasedKeyOf(mail));
      const reason =
        mail.status === 'sending'
          ? null
          : erased
            ? ERASED_REASON
            : suppressionReason(
                listed.get(addressOf(mail)),
                now,
                this.o.softBounces,
                mail.request.category ?? null,
              );
      if (reason === null) go.push(mail);
      else
        this.track(mail, async () => {
          await this.o.recorder.suppressed(mail, mail.attempt + 1, reason, erased);
          this.o.metrics.suppressed.inc();
          this.o.logger.info(
            { mailId: mail.mailId, reason, correlationId: mail.cause.correlationId },
            'mail suppressed',
          );
        });
    }
    return go;
  }

  /** Runs the attempt for a claimed mail in the background, counted in flight until it is recorded. */
  private begin(claimed: MailState): void {
    this.track(claimed, () => runClaimedAttempt(this.o, this.gate, claimed, this.shutdown.signal));
  }

  /** Runs work on a claimed mail in the background, counted in flight until it is done. */
  private track(claimed: MailState, work: () => Promise<void>): void {
    const attempt = work()
      .catch((err: unknown) =>
        // Only a permanent MongoDB error gets here; the claim expires and is recovered as unknown.
        this.o.logger.error(
          { err, mailId: claimed.mailId },
          'could not record an attempt; its claim will expire',
        ),
      )
      .finally(() => {
        this.inFlight.delete(attempt);
        this.o.metrics.inFlight.set(this.inFlight.size);
      });
    this.inFlight.add(attempt);
    this.o.metrics.inFlight.set(this.inFlight.size);
  }
}
