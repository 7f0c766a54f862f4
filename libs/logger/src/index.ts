import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

/** Ids that follow one message through every log line written while handling it. */
export interface LogContext {
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly eventId?: string;
  readonly [key: string]: unknown;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `fn` with `context` attached to every log line it writes, however deep. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, fn);
}

// Anything that could carry a credential is replaced before it reaches a log line.
const REDACT = [
  '*.password',
  '*.pass',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.headers.authorization',
  '*.auth',
  'password',
  'pass',
  'secret',
  'token',
  'auth',
];

/**
 * A JSON logger for one service; `destination` is for tests. `pretty` writes one readable line per entry
 * instead (for a person at a terminal); the fields and the redaction are the same.
 */
export function createLogger(
  service: string,
  level = 'info',
  destination?: pino.DestinationStream,
  format: 'json' | 'pretty' = 'json',
): Logger {
  const out =
    destination ??
    (format === 'pretty'
      ? pinoPretty({
          sync: true,
          colorize: true,
          singleLine: true,
          ignore: 'pid,hostname,service',
          translateTime: 'SYS:HH:MM:ss.l',
        })
      : undefined);
  return pino(
    {
      level,
      base: { service },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...storage.getStore() }),
    },
    out,
  );
}
