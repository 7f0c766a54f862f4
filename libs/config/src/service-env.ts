import { z } from 'zod';
import { kafkaSecurityEnvSchema } from './kafka-env';

/** Settings every service has; each service extends this with its own. */
export const baseServiceEnvSchema = kafkaSecurityEnvSchema.extend({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** json for log collectors (production); pretty for a person at a terminal (`npm start`). */
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  /** /healthz, /readyz and /metrics listen here. */
  OPS_PORT: z.coerce.number().int().min(1).max(65535).default(9464),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .default('127.0.0.1:19092')
    .transform((s) => s.split(',').map((b) => b.trim())),
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:18081'),
  MONGO_URL: z.string().startsWith('mongodb').default('mongodb://127.0.0.1:17017/?directConnection=true'),
  /** Appended to every topic name (e.g. `.staging`): several environments on one cluster, isolated tests. */
  TOPIC_SUFFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default(''),
  /** The database the service keeps its state (and its outbox) in. */
  MONGO_DB: z.string().min(1).default('mailfleet'),
});
export type BaseServiceEnv = z.infer<typeof baseServiceEnvSchema>;

/**
 * For the services that consume: a fetch waits up to KAFKA_FETCH_MAX_WAIT_MS for KAFKA_FETCH_MIN_BYTES,
 * so records arriving close together come as one batch (one MongoDB transaction) instead of one each.
 * The wait is the latency a lightly loaded consumer adds; under load the bytes are there at once.
 * 500 ms is Kafka's own default (fetch.max.wait.ms): a mail is not urgent to the half second, and a
 * chunk of half a second's records costs the same few MongoDB round trips as a chunk of one.
 */
export const consumerFetchEnv = {
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(0).max(5_000).default(500),
  KAFKA_FETCH_MIN_BYTES: z.coerce.number().int().min(1).max(10_000_000).default(65_536),
};

/** The kafkajs consumer options those settings stand for. */
export function consumerFetch(config: { KAFKA_FETCH_MAX_WAIT_MS: number; KAFKA_FETCH_MIN_BYTES: number }) {
  return { maxWaitTimeInMs: config.KAFKA_FETCH_MAX_WAIT_MS, minBytes: config.KAFKA_FETCH_MIN_BYTES };
}
