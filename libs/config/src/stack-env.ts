import { z } from 'zod';
import { loadConfig } from './load-config';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

/**
 * Where the local stack listens. Every port can be moved by env so that two stacks, or a stack and
 * something else on the machine, can live side by side.
 */
export const stackEnvSchema = z.object({
  MAILFLEET_STACK_DIR: z.string().min(1).default('.stack'),
  /** Installed tools (the MongoDB server's virtualenv), shared by every stack folder. */
  MAILFLEET_TOOLS_DIR: z.string().min(1).default('.stack/tools'),
  MAILFLEET_KAFKA_PORT: port(19092),
  MAILFLEET_KAFKA_CONTROLLER_PORT: port(19093),
  MAILFLEET_KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(64).default(3),
  MAILFLEET_KAFKA_HEAP: z
    .string()
    .regex(/^\d+[mg]$/, 'a JVM heap size such as 768m or 1g')
    .default('768m'),
  MAILFLEET_REGISTRY_PORT: port(18081),
  MAILFLEET_MONGO_PORT: port(17017),
  /**
   * transactionLifetimeLimitSeconds of the local MongoDB stand-in: how long a transaction abandoned by a
   * killed client keeps blocking writers before it is aborted. mongod's default.
   */
  MAILFLEET_MONGO_TXN_LIFETIME_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  MAILFLEET_SMTP_PORT: port(11025),
  MAILFLEET_SMTP_API_PORT: port(18025),
  /** `npm start`: Mailpit, the SMTP server the fleet sends to, and its web UI (the tests use the sink). */
  MAILFLEET_MAILPIT_SMTP_PORT: port(11026),
  MAILFLEET_MAILPIT_UI_PORT: port(18026),
  /** `npm start`: the dashboard, and the first of the consecutive ops ports of the fleet's processes. */
  MAILFLEET_DASHBOARD_PORT: port(8080),
  /** `npm start`: the feedback service's webhook endpoints. */
  MAILFLEET_FEEDBACK_PORT: port(8090),
  MAILFLEET_OPS_PORT_BASE: port(9470),
});
export type StackEnv = z.infer<typeof stackEnvSchema>;

/** The stack's ports and folders from the environment. */
export function loadStackEnv(env: Readonly<Record<string, string | undefined>> = process.env): StackEnv {
  return loadConfig('stack', stackEnvSchema, env);
}

/** Connection strings for the local stack, overridable one by one (MONGO_URL points tests at real MongoDB). */
export function stackEndpoints(env: Readonly<Record<string, string | undefined>> = process.env) {
  const s = loadStackEnv(env);
  return {
    kafkaBrokers: (env['KAFKA_BROKERS'] ?? `127.0.0.1:${s.MAILFLEET_KAFKA_PORT}`).split(','),
    schemaRegistryUrl: env['SCHEMA_REGISTRY_URL'] ?? `http://127.0.0.1:${s.MAILFLEET_REGISTRY_PORT}`,
    mongoUrl: env['MONGO_URL'] ?? `mongodb://127.0.0.1:${s.MAILFLEET_MONGO_PORT}/?directConnection=true`,
    smtp: { host: '127.0.0.1', port: s.MAILFLEET_SMTP_PORT },
    smtpApiUrl: env['SMTP_SINK_API_URL'] ?? `http://127.0.0.1:${s.MAILFLEET_SMTP_API_PORT}`,
  };
}
