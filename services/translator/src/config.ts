import { z } from 'zod';
import { baseServiceEnvSchema } from '@mailfleet/config';

/** Everything the translator reads from the environment (README, "Configuration"). */
export const translatorEnvSchema = baseServiceEnvSchema.extend({
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
  TRANSLATOR_EXPIRY_SWEEP_MS: z.coerce.number().int().min(100).default(60_000),
  TRANSLATOR_TEMPLATE_VERSION: z.coerce.number().int().min(1).default(1),
});
export type TranslatorConfig = z.infer<typeof translatorEnvSchema>;
