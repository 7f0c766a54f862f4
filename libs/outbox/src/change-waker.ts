// Wakes the relay when something is inserted into the outbox. A change stream where the server has one;
// when it cannot be opened, breaks, or loses its resume position, the relay simply sweeps by polling
// until the stream is open again — relaying never depends on the stream.
import type { ChangeStream, Collection } from 'mongodb';
import type { Logger } from '@mailfleet/logger';

export interface Waker {
  /** Resolves true when new records may be there (woken), false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean>;
  /** True while every new record wakes the waiter (a change stream is open): polling can be rare. */
  readonly streaming: boolean;
  close(): Promise<void>;
}

const STREAM_MAX_AWAIT_MS = 10_000;

/** Polling only: for servers without change streams. */
export class PollingWaker implements Waker {
  readonly streaming = false;
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
        batchSize: 100,
        maxAwaitTimeMS: STREAM_MAX_AWAIT_MS,
      });
      stream.on('change', () => {
        this.failures = 0;
        this.signal();
      });
      stream.on('error', (err) => this.broken(err));
      stream.on('close', () => {
        if (this.stream === stream) this.broken(new Error('change stream closed'));
      });
      this.stream = stream;
    } catch (err) {
      this.broken(err);
    }
  }

  private broken(err: unknown): void {
    if (this.closed) return;
    const stream = this.stream;
    this.stream = undefined;
    void stream?.close().catch(() => undefined);
    this.onStreamError();
    const delay = Math.min(30_000, 500 * 2 ** this.failures++);
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

  wait(timeoutMs: number): Promise<boolean> {
    if (this.pending) {
      this.pending = false;
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
    });
  }

  get streaming(): boolean {
    return this.stream !== undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reopenTimer);
    this.signal();
    await this.stream?.close().catch(() => undefined);
  }
}
