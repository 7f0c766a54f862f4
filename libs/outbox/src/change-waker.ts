// Wakes the relay when something is inserted into the outbox. A change stream where the server has one;
// when it cannot be opened, breaks, or loses its resume position, the relay simply sweeps by polling
// until the stream is open again — relaying never depends on the stream.
import type { ChangeStream, Collection } from 'mongodb';
import type { Logger } from '@mailfleet/logger';

export interface Waker {
  /** Resolves when new records may be there, or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Polling only: for servers without change streams. */
export class PollingWaker implements Waker {
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, timeoutMs);
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.wake?.();
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
      const stream = this.collection.watch([{ $match: { operationType: 'insert' } }], { batchSize: 100 });
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

  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, timeoutMs);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
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
