import { z } from 'zod';
import { baseServiceEnvSchema } from '@mailfleet/config';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Everything the relay reads from the environment (README, "Configuration"). */
export const relayEnvSchema = baseServiceEnvSchema.extend({
  OUTBOX_COLLECTION_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_]+$/)
    .default('outbox'),
  // 0: a published record goes at the next sweep once it is safely behind the checkpoint (the fleet's
  // own outboxes, so that an erased customer's events do not linger here: docs/privacy.md).
  OUTBOX_RETENTION_HOURS: z.coerce.number().min(0).default(168),
  /** How often published records past the retention are deleted (change-stream relaying). */
  RELAY_SWEEP_MS: z.coerce.number().int().min(1_000).default(600_000),
  /**
   * How much later than its createdAt a record may commit: more than MongoDB's transaction lifetime
   * (transactionLifetimeLimitSeconds, 60 s by default) plus the writers' clock skew.
   */
  RELAY_LATE_COMMIT_MARGIN_MS: z.coerce.number().int().min(1_000).default(300_000),
  RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  // Kafka's linger.ms for the outbox: records committed within it go out in one round (docs/outbox.md).
  RELAY_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(50),
  RELAY_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1_000),
  RELAY_USE_CHANGE_STREAM: flag.default(true),
  RELAY_LEASE_MS: z.coerce.number().int().min(500).default(30_000),
  RELAY_INSTANCE_ID: z.string().min(1).optional(),
  /** Test-only: pause between publishing and marking, so a crash in that window can be provoked. */
  RELAY_PAUSE_AFTER_PUBLISH_MS: z.coerce.number().int().min(0).default(0),
});
export type RelayConfig = z.infer<typeof relayEnvSchema>;
