/** The base of every error the fleet raises on purpose: wrap causes, never replace them. */
export class MailfleetError extends Error {
  override name = 'MailfleetError';
  /** Stable, machine-readable; dashboards and dead-letter headers carry it. */
  readonly code: string;
  /** True when trying again later may succeed (broker timeout, SMTP 4xx, transient Mongo error). */
  readonly retriable: boolean;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options: { retriable?: boolean; context?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }
}

/** True when `err` says that trying again may help. Unknown errors are treated as retriable: losing a message is worse than retrying one. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof MailfleetError) return err.retriable;
  if (err && typeof err === 'object' && 'retriable' in err)
    return Boolean((err as { retriable: unknown }).retriable);
  return true;
}

export type ErrorClass = 'retriable' | 'permanent' | 'unknown';

const TRANSIENT_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
]);

/**
 * How to treat a failure: retriable ones are retried for as long as it takes (an outage must not lose
 * messages); permanent ones are dead-lettered at once; unknown ones (bugs, surprises) are retried a few
 * times and then dead-lettered, so one bad record cannot stall its partition forever.
 */
export function classifyError(err: unknown): ErrorClass {
  if (err instanceof MailfleetError) return err.retriable ? 'retriable' : 'permanent';
  if (!err || typeof err !== 'object') return 'unknown';
  const e = err as { name?: string; retriable?: unknown; hasErrorLabel?: (label: string) => boolean };
  if (typeof e.hasErrorLabel === 'function') {
    if (e.hasErrorLabel('TransientTransactionError') || e.hasErrorLabel('RetryableWriteError'))
      return 'retriable';
  }
  if (e.name && TRANSIENT_NAMES.has(e.name)) return 'retriable';
  if (e.name?.startsWith('KafkaJS') && e.retriable === true) return 'retriable';
  if (typeof e.retriable === 'boolean') return e.retriable ? 'retriable' : 'permanent';
  return 'unknown';
}
