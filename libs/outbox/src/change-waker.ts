// Wakes the relay when something is inserted into the outbox. A change stream where the server has one;
// when it cannot be opened, breaks, or loses its resume position, the relay simply sweeps by polling
// until the stream is open again — relaying never depends on the stream.
import type { ChangeStream, Collection } from 'mongodb';
import type { Logger } from '@mailfleet/logger';
import { backoffDelay, pause } from '@mailfleet/retry';

export interface Waker {
  /** Resolves true when new records may be there (woken), false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean>;
  /** True while every new record wakes the waiter (a change stream is open): polling can be rare. */
  readonly streaming: boolean;
  /** The round about to start reads every record signalled so far: a pending wake-up is spent. */
  consume(): void;
  close(): Promise<void>;
}

const STREAM_MAX_AWAIT_MS = 10_000;
const SPURIOUS_WAKE_PAUSE_MS = 100;
const KEEP_CURSOR_ALIVE_MS = 60_000;
/** Reopening a broken stream: 500 ms·2^n, at most 30 s, without jitter (the sweep covers the gap). */
const REOPEN_BACKOFF = { initialMs: 500, maxMs: 30_000, jitter: 'none' } as const;

/**
 * Change events the driver already holds in memory. Not in ChangeStream's typed API, so read defensively:
 * without it every event simply counts as a wake-up of its own (correct, only one round more).
 */
function bufferedCount(stream: ChangeStream): number {
  const cursor = (stream as unknown as { cursor?: { bufferedCount?: () => number } }).cursor;
  return typeof cursor?.bufferedCount === 'function' ? cursor.bufferedCount() : 0;
}

/** Polling only: for servers without change streams. */
export class PollingWaker implements Waker {
  readonly streaming = false;
  consume(): void {}
  private timer: NodeJS.Timeout | undefined;
  private wake: ((woken: boolean) => void) | undefined;

  wait(timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => resolve(false), timeoutMs);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.wake?.(true);
  }
}

export class ChangeStreamWaker implements Waker {
  private stream: ChangeStream | undefined;
  private pending = false;
  private waiter: (() => void) | undefined;
  private closed = false;
  private reopenTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private onTaken: (() => void) | undefined;
  private onDemand: (() => void) | undefined;

  constructor(
    private readonly collection: Collection,
    private readonly logger: Logger,
    private readonly onStreamError: () => void,
  ) {
    this.open();
  }

  private open(): void {
    if (this.closed) return;
    try {
      // An idle stream costs one getMore per maxAwaitTimeMS (the server's default is 1 s); a new record
      // still answers the waiting getMore at once.
      const stream = this.collection.watch([{ $match: { operationType: 'insert' } }], {
        batchSize: 500,
        maxAwaitTimeMS: STREAM_MAX_AWAIT_MS,
      });
      this.stream = stream;
      void this.pump(stream);
    } catch (err) {
      this.broken(err);
    }
  }

  /**
   * Reads the stream one getMore at a time instead of letting the driver stream it: a getMore is issued
   * only after the relay has taken the last wake-up, so the inserts of a whole relay round come back in
   * one batch and cost one round trip, not one each.
   */
  private async pump(stream: ChangeStream): Promise<void> {
    while (!this.closed && this.stream === stream) {
      await this.demanded();
      if (this.closed || this.stream !== stream) return;
      const asked = Date.now();
      let change: unknown;
      try {
        change = await stream.tryNext();
      } catch (err) {
        if (this.stream === stream) this.broken(err);
        return;
      }
      if (this.closed || this.stream !== stream) return;
      if (change === null) {
        // An empty answer long before maxAwaitTimeMS: the server woke the getMore for a write that does
        // not match (the local stand-in does so for every write anywhere). Asking again at once would
        // spin at the rate of unrelated writes; a short pause costs at most that much latency.
        if (Date.now() - asked < STREAM_MAX_AWAIT_MS / 2) await pause(SPURIOUS_WAKE_PAUSE_MS);
        continue;
      }
      this.failures = 0;
      // The rest of this batch is already in memory: inserted before the relay's next fetch, so one
      // wake-up covers them all.
      while (bufferedCount(stream) > 0) await stream.tryNext();
      this.signal();
      await this.taken();
    }
  }

  /**
   * Resolves when the relay waits for a wake-up: a relay that goes from round to round because each one
   * found records (busy) needs none, so no getMore is spent on it. The stream keeps its position, so
   * the first getMore after a busy spell answers with what was inserted meanwhile. At least one getMore
   * a minute keeps the server's cursor from timing out (10 minutes idle) during a long busy spell.
   */
  private demanded(): Promise<void> {
    if (this.waiter || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const onDemand = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        // Only our own: a stream reopened meanwhile has a pump (and a demand) of its own.
        if (this.onDemand === onDemand) this.onDemand = undefined;
        resolve();
      }, KEEP_CURSOR_ALIVE_MS);
      this.onDemand = onDemand;
    });
  }

  private demand(): void {
    const d = this.onDemand;
    this.onDemand = undefined;
    d?.();
  }

  /** Resolves when the relay has taken the pending wake-up (a round began) or the waker closed. */
  private taken(): Promise<void> {
    if (!this.pending || this.closed) return Promise.resolve();
    return new Promise((resolve) => (this.onTaken = resolve));
  }

  private broken(err: unknown): void {
    if (this.closed) return;
    const stream = this.stream;
    this.stream = undefined;
    void stream?.close().catch(() => undefined);
    this.onStreamError();
    const delay = backoffDelay(this.failures++, REOPEN_BACKOFF);
    this.logger.warn(
      { err, reopenInMs: delay },
      'outbox change stream unavailable; sweeping by polling until it reopens',
    );
    // Whatever the stream missed is found by the sweep this wakes up.
    this.signal();
    clearTimeout(this.reopenTimer);
    this.reopenTimer = setTimeout(() => this.open(), delay);
  }

  private signal(): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w();
    } else {
      this.pending = true;
    }
  }

  consume(): void {
    this.take();
  }

  private take(): void {
    this.pending = false;
    const taken = this.onTaken;
    this.onTaken = undefined;
    taken?.();
  }

  wait(timeoutMs: number): Promise<boolean> {
    if (this.pending) {
      this.take();
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(false);
      }, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.demand();
    });
  }

  get streaming(): boolean {
    return this.stream !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reopenTimer);
    this.demand();
    this.signal();
    this.take();
    await this.stream?.close().catch(() => undefined);
  }
}
