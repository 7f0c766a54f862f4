import { createRequire } from 'node:module';

type PinoLevel = 'error' | 'warn' | 'info' | 'debug';

// kafkajs keeps its table of protocol errors internal; it is the only source of which error is retriable.
// The version is pinned in package-lock.json, and a unit test fails if the table moves.
const { errorCodes } = createRequire(__filename)('kafkajs/src/protocol/error') as {
  errorCodes: readonly { message: string; retriable: boolean }[];
};
const RETRIABLE = new Set(errorCodes.filter((e) => e.retriable).map((e) => e.message));

// A warning kafkajs prints for a choice this fleet made on purpose: bounded retries on an idempotent
// producer. A publish that runs out of retries fails to its caller (the outbox relay retries the batch under
// its lease) instead of hanging through a broker outage; consumers drop redelivered events by event id, so
// a duplicate on the wire never becomes a duplicate anyone sees.
const EXPLAINED_WARNINGS = [/^Limiting retries for the idempotent producer/];

/**
 * The pino level for one kafkajs log line. kafkajs logs every failed response at ERROR before it retries
 * it — "the coordinator is loading" on every start — so a retriable protocol error is debug: if the retries
 * run out, the caller gets the error and logs it where it has the context.
 */
export function kafkajsLogLevel(level: PinoLevel, message: string, error?: unknown): PinoLevel {
  if (
    level === 'error' &&
    message.startsWith('Response ') &&
    typeof error === 'string' &&
    RETRIABLE.has(error)
  )
    return 'debug';
  if (level === 'warn' && EXPLAINED_WARNINGS.some((w) => w.test(message))) return 'debug';
  return level;
}
