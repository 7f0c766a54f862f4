import { z } from 'zod';
import { baseServiceEnvSchema } from '@mailfleet/config';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Everything the sender reads from the environment (docs/sender.md). */
export const senderEnvSchema = baseServiceEnvSchema.extend({
  MONGO_DB: z.string().min(1).default('mailfleet_sender'),
  CONSUMER_GROUP: z.string().min(1).default('sender'),
  SMTP_HOST: z.string().min(1).default('127.0.0.1'),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(11025),
  SMTP_SECURE: flag.default(false),
  SMTP_REQUIRE_TLS: flag.default(false),
  SMTP_TLS_REJECT_UNAUTHORIZED: flag.default(true),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_POOL_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(5),
  SMTP_POOL_MAX_MESSAGES: z.coerce.number().int().min(1).default(100),
  SMTP_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  MAIL_FROM: z.string().min(3).default('mailfleet <noreply@mailfleet.local>'),
  MESSAGE_ID_DOMAIN: z
    .string()
    .regex(/^[A-Za-z0-9.-]+$/)
    .default('mailfleet.local'),
  /** Where upstream services store attachment blobs (GridFS); events carry only references. */
  ATTACHMENTS_DB: z.string().min(1).default('mailfleet_attachments'),
  ATTACHMENTS_BUCKET: z.string().min(1).default('attachments'),
  SENDER_TEMPLATES_DIR: z.string().min(1).optional(),
  SENDER_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(5),
  SENDER_RETRY_INITIAL_MS: z.coerce.number().int().min(10).default(2_000),
  SENDER_RETRY_MAX_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(10 * 60_000),
  SENDER_RATE_PER_SECOND: z.coerce.number().positive().default(20),
  SENDER_CONCURRENCY: z.coerce.number().int().min(1).default(5),
  SENDER_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(500),
  SENDER_SENDING_GRACE_MS: z.coerce.number().int().min(100).default(120_000),
  SENDER_BREAKER_THRESHOLD: z.coerce.number().int().min(1).default(3),
  SENDER_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(100).default(15_000),
  /** Test-only: die right after the SMTP server accepted a mail, before recording it. */
  SENDER_CRASH_AFTER_SMTP_ACCEPT: flag.default(false),
});
export type SenderConfig = z.infer<typeof senderEnvSchema>;
