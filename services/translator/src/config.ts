import { z } from 'zod';
import { baseServiceEnvSchema, consumerFetchEnv } from '@mailfleet/config';

/** Everything the translator reads from the environment (README, "Configuration"). */
export const translatorEnvSchema = baseServiceEnvSchema.extend({
  ...consumerFetchEnv,
  MONGO_DB: z.string().min(1).default('mailfleet_translator'),
  /** Consumer group = service name; override only to run an isolated copy (tests). */
  CONSUMER_GROUP: z.string().min(1).default('translator'),
  TRANSLATOR_LOCALES: z
    .string()
    .default('en,de')
    .transform((s) =>
      s
        .split(',')
        .map((l) => l.trim().toLowerCase())
        .filter(Boolean),
    ),
  TRANSLATOR_DEFAULT_LOCALE: z.string().min(2).default('en'),
  /** How long a mail may wait for its customer before it is rejected (CUSTOMER_UNKNOWN). */
  TRANSLATOR_PARK_LIMIT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .default(24 * 60 * 60 * 1000),
  /**
   * How long mails for a customer who has just become known wait for the customer's follow-up events
   * (say, an opt-out right after registering) before they are decided. See isSettledFor.
   */
  TRANSLATOR_SETTLE_MS: z.coerce.number().int().min(0).default(2_000),
  /** How often parked mails are checked (settled customers decided, unknown ones expired). */
  TRANSLATOR_PARKED_SWEEP_MS: z.coerce.number().int().min(100).default(1_000),
  /** How often they are checked when this process has not parked or decided a mail for that long. */
  TRANSLATOR_IDLE_SWEEP_MS: z.coerce.number().int().min(100).default(30_000),
  /** Records of one partition handled in one transaction (a chunk); 1 handles them one by one. */
  TRANSLATOR_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
  TRANSLATOR_TEMPLATE_VERSION: z.coerce.number().int().min(1).default(1),
});
export type TranslatorConfig = z.infer<typeof translatorEnvSchema>;
