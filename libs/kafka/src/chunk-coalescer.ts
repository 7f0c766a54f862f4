// Group commit across partitions: the chunks that kafkajs hands to concurrent eachBatch calls for one
// fetch (one per partition) are applied in one call — one MongoDB transaction instead of one per
// partition. A caught-up consumer gets a record or two per partition per fetch, so per-partition chunks
// stay tiny however many records arrive; together they are one chunk of everything the fetch brought.

/** The combined call failed; `contributors` chunks were in it (the others' records were innocent). */
export class SharedChunkError extends Error {
  override name = 'SharedChunkError';
  constructor(
    readonly contributors: number,
    override readonly cause: unknown,
  ) {
    super(`a combined chunk of ${contributors} partitions failed: ${String(cause)}`);
  }
}

interface Waiting<T, R> {
  readonly items: readonly T[];
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

export interface CoalescerOptions<T, R> {
  /**
   * Applies the chunks of several callers at once, all or nothing, in the order they were submitted;
   * returns one result per chunk.
   */
  readonly flush: (chunks: readonly (readonly T[])[]) => Promise<readonly R[]>;
  /** How long the first chunk waits for others (the concurrent calls of one fetch start together). */
  readonly lingerMs: number;
  /** A combined chunk is flushed as soon as it holds this many items (as `sizeOf` counts them). */
  readonly maxItems: number;
  readonly sizeOf?: (item: T) => number;
}

/**
 * Collects the chunks submitted within `lingerMs` of the first and flushes them in one call. When the
 * call fails, a single contributor gets the error itself; several get a SharedChunkError (wrapping it)
 * so that each can try its own chunk alone and the one at fault is found.
 *
 * One call at a time: the chunks of the next fetch usually write the same documents as the call in
 * flight (a customer's replica, a day's counters), so two calls side by side would only abort each
 * other's transactions. What arrives meanwhile waits and goes in the next call as soon as this one ends
 * (group commit) — the busier the consumer, the bigger its calls.
 */
export class ChunkCoalescer<T, R = void> {
  private gathering: Waiting<T, R>[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Groups ready to go, oldest first; the first goes when no call is in flight. */
  private readonly ready: Waiting<T, R>[][] = [];
  private inFlight = false;

  constructor(private readonly options: CoalescerOptions<T, R>) {}

  /** Resolves with this chunk's result once the combined call it went into succeeded. */
  submit(items: readonly T[]): Promise<R> {
    const size = items.reduce((n, item) => n + (this.options.sizeOf?.(item) ?? 1), 0);
    if (this.count > 0 && this.count + size > this.options.maxItems) this.seal();
    const done = new Promise<R>((resolve, reject) => this.gathering.push({ items, resolve, reject }));
    this.count += size;
    if (this.count >= this.options.maxItems) this.seal();
    else this.timer ??= setTimeout(() => this.seal(), this.options.lingerMs);
    return done;
  }

  /** A call of this chunk only (never combined: the chunk whose combined call failed), in turn. */
  submitAlone(items: readonly T[]): Promise<R> {
    const done = new Promise<R>((resolve, reject) => this.ready.push([{ items, resolve, reject }]));
    this.next();
    return done;
  }

  private seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const group = this.gathering;
    this.gathering = [];
    this.count = 0;
    if (group.length > 0) this.ready.push(group);
    this.next();
  }

  private next(): void {
    if (this.inFlight) return;
    const group = this.ready.shift();
    if (!group) return;
    this.inFlight = true;
    Promise.resolve()
      .then(() => this.options.flush(group.map((w) => w.items)))
      .then(
        (results) => group.forEach((w, i) => w.resolve(results[i] as R)),
        (err: unknown) => {
          const shared = group.length > 1 ? new SharedChunkError(group.length, err) : err;
          group.forEach((w) => w.reject(shared));
        },
      )
      .finally(() => {
        this.inFlight = false;
        // What gathered during the call has waited long enough: it goes now.
        if (this.ready.length === 0 && this.gathering.length > 0) this.seal();
        else this.next();
      });
  }
}
