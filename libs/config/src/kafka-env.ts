import { readFileSync } from 'node:fs';
import { z } from 'zod';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Reads a secret from VAR, or from the file named by VAR_FILE (Docker/Kubernetes secrets). */
export function secretFrom(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const file = env[`${name}_FILE`];
  return file ? readFileSync(file, 'utf8').trim() : env[name];
}

/** TLS and SASL settings for the Kafka connection; secrets come from env or *_FILE. */
export const kafkaSecurityEnvSchema = z.object({
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SSL: flag.default(false),
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: flag.default(true),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
});

export interface KafkaSecurity {
  readonly tls?: { readonly ca?: string; readonly rejectUnauthorized: boolean } | undefined;
  readonly sasl?:
    | {
        readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
        readonly username: string;
        readonly password: string;
      }
    | undefined;
}

/** Turns the parsed settings into connection options, reading the CA file and the SASL password. */
export function kafkaSecurity(
  parsed: z.infer<typeof kafkaSecurityEnvSchema>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): KafkaSecurity {
  const tls = parsed.KAFKA_SSL
    ? {
        rejectUnauthorized: parsed.KAFKA_SSL_REJECT_UNAUTHORIZED,
        ...(parsed.KAFKA_SSL_CA_FILE ? { ca: readFileSync(parsed.KAFKA_SSL_CA_FILE, 'utf8') } : {}),
      }
    : undefined;
  if (!parsed.KAFKA_SASL_MECHANISM) return { tls };
  const password = secretFrom(env, 'KAFKA_SASL_PASSWORD');
  if (!parsed.KAFKA_SASL_USERNAME || !password) {
    throw new Error(
      'KAFKA_SASL_MECHANISM is set: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) are required',
    );
  }
  return {
    tls,
    sasl: { mechanism: parsed.KAFKA_SASL_MECHANISM, username: parsed.KAFKA_SASL_USERNAME, password },
  };
}
