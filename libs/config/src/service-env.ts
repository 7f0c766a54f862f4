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
