// The ops CLI's settings: the same variables the services read (brokers, registry, MongoDB, topic suffix,
// Kafka TLS/SASL), plus which database and consumer group each service uses, with the fleet's defaults.
import { z } from 'zod';
import { baseServiceEnvSchema } from '@mailfleet/config';

const list = z
  .string()
  .min(1)
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p.length > 0),
  );

export const opsEnvSchema = baseServiceEnvSchema.extend({
  TRANSLATOR_DB: z.string().min(1).default('mailfleet_translator'),
  SENDER_DB: z.string().min(1).default('mailfleet_sender'),
  PROJECTIONS_DB: z.string().min(1).default('mailfleet_projections'),
  /** Where the CLI keeps its audit trail and its redrive ledger. */
  OPS_DB: z.string().min(1).default('mailfleet_ops'),
  /** Every database with an outbox, for `outbox status` (upstream services' too). */
  OUTBOX_DBS: list.default(['mailfleet_orders', 'mailfleet_translator', 'mailfleet_sender']),
  TRANSLATOR_GROUP: z.string().min(1).default('translator'),
  SENDER_GROUP: z.string().min(1).default('sender'),
  PROJECTOR_GROUP: z.string().min(1).default('projector'),
  /** Replication settings `topics apply` uses: one broker locally, three in production. */
  TOPIC_PROFILE: z.enum(['local', 'production']).default('local'),
  /** Who the audit trail names; the login name when unset. */
  OPS_USER: z.string().min(1).optional(),
});
export type OpsEnv = z.infer<typeof opsEnvSchema>;
