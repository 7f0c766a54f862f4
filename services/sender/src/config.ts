import { z } from 'zod';
import { baseServiceEnvSchema, consumerFetchEnv } from '@mailfleet/config';
import { RFC5321_TIMEOUTS } from './adapters/smtp-transport';
import { suppressionEnv, unsubscribeEnv, unsubscribeKeysFrom } from '@mailfleet/suppression';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const ms = (fallback: number, min = 100) => z.coerce.number().int().min(min).default(fallback);

/** Everything the sender reads from the environment (docs/sender.md). */
export const senderEnvSchema = baseServiceEnvSchema
  .extend({
    ...consumerFetchEnv,
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
    /** An idle pooled connection is closed after this long. */
    SMTP_POOL_IDLE_MS: z.coerce.number().int().min(100).default(30_000),
    /** The name we greet with (EHLO); by default the machine's host name. */
    SMTP_CLIENT_NAME: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/, 'a host name')
      .optional(),
    // Client timeouts per stage; defaults from RFC 5321 §4.5.3.2 (docs/sender.md, "Timeouts").
    SMTP_CONNECT_TIMEOUT_MS: ms(RFC5321_TIMEOUTS.connectMs),
    /** EHLO, STARTTLS, AUTH, RSET, QUIT: commands the RFC gives no timeout of their own. */
    SMTP_TIMEOUT_MS: ms(RFC5321_TIMEOUTS.commandMs),
    SMTP_GREETING_TIMEOUT_MS: ms(RFC5321_TIMEOUTS.greetingMs),
    SMTP_MAIL_TIMEOUT_MS: ms(RFC5321_TIMEOUTS.mailMs),
    SMTP_RCPT_TIMEOUT_MS: ms(RFC5321_TIMEOUTS.rcptMs),
    SMTP_DATA_INIT_TIMEOUT_MS: ms(RFC5321_TIMEOUTS.dataInitMs),
    SMTP_DATA_BLOCK_TIMEOUT_MS: ms(RFC5321_TIMEOUTS.dataBlockMs),
    SMTP_DATA_TERMINATION_TIMEOUT_MS: ms(RFC5321_TIMEOUTS.dataTerminationMs),
    MAIL_FROM: z.string().min(3).default('mailfleet <noreply@mailfleet.local>'),
    /**
     * How long a finished mail's record (with its address and data) is kept: at least as long as
     * mail.requested keeps its records (checked at start), or `forever`.
     */
    SENDER_FINISHED_RETENTION_DAYS: z
      .union([z.literal('forever'), z.coerce.number().positive().max(36_500)])
      .default(120)
      .transform((v) => (v === 'forever' ? null : v * 86_400_000)),
    /**
     * When set, each mail's envelope sender is bounces+<mail id>@this domain (VERP), so a bounce report
     * names its mail: route the domain's mail to the feedback service's SMTP listener.
     */
    SENDER_VERP_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/)
      .optional(),
    /**
     * The feedback service's one-click unsubscribe endpoint as recipients reach it (https://…/unsubscribe):
     * when set, mails of a category carry List-Unsubscribe and List-Unsubscribe-Post (RFC 8058), sealed with
     * UNSUBSCRIBE_KEYS.
     */
    SENDER_UNSUBSCRIBE_URL: z.url({ protocol: /^https?$/ }).optional(),
    ...unsubscribeEnv,
    MESSAGE_ID_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/)
      .default('mailfleet.local'),
    /** Where upstream services store attachment blobs (GridFS); events carry only references. */
    ATTACHMENTS_DB: z.string().min(1).default('mailfleet_attachments'),
    ATTACHMENTS_BUCKET: z.string().min(1).default('attachments'),
    /**
     * How long a finished mail's attachment blobs are kept: no retry needs them after the final outcome,
     * but an operator's `ops mail retry` of a failed mail within this time still finds them.
     */
    SENDER_ATTACHMENT_GRACE_HOURS: z.coerce
      .number()
      .min(0)
      .max(24 * 365)
      .default(72),
    /**
     * A blob no mail of the sender's needs is deleted once it is this old: longer than any fact waits to
     * become a mail (the translator parks mails for an unknown customer for days at most).
     */
    SENDER_ATTACHMENT_ORPHAN_DAYS: z.coerce.number().positive().max(3650).default(30),
    SENDER_ATTACHMENT_SWEEP_MS: z.coerce.number().int().min(100).default(60_000),
    /** Mail requests of one partition recorded in one transaction (a chunk); 1 records them one by one. */
    SENDER_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
    SENDER_TEMPLATES_DIR: z.string().min(1).optional(),
    /** Charged attempts before a mail is dead-lettered; the retry age usually decides first. */
    SENDER_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(200),
    SENDER_RETRY_INITIAL_MS: ms(60_000, 10),
    SENDER_RETRY_MAX_MS: ms(30 * 60_000, 10),
    /** A mail still failing transiently this long after it was queued is dead-lettered. */
    SENDER_MAX_RETRY_AGE_MS: ms(24 * 3600_000),
    /** How long to wait before resending a mail whose outcome is unknown (RFC 1047). */
    SENDER_AMBIGUOUS_RETRY_AFTER_MS: ms(15 * 60_000),
    /** Resends after unknown outcomes; after that the mail stays `ambiguous`. */
    SENDER_AMBIGUOUS_MAX_RESENDS: z.coerce.number().int().min(0).default(1),
    /** Delay before an attempt that failed on our own infrastructure (MongoDB) is tried again. */
    SENDER_INFRA_RETRY_MS: ms(5_000, 10),
    SENDER_RATE_PER_SECOND: z.coerce.number().positive().default(20),
    /** When soft bounces suppress an address (shared with the translator). */
    ...suppressionEnv,
    /**
     * Attempts in flight, each from its claim until its outcome is recorded (the bound on resends after a
     * kill -9). Twice the SMTP pool by default: half the attempts are on the wire while the others'
     * outcomes are being written, so the pool is kept busy.
     */
    SENDER_CONCURRENCY: z.coerce.number().int().min(1).default(10),
    SENDER_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(30_000),
    /** A claim not renewed for this long (renewed every third of it) belongs to a sender that died. */
    SENDER_SENDING_GRACE_MS: z.coerce.number().int().min(100).default(120_000),
    SENDER_BREAKER_THRESHOLD: z.coerce.number().int().min(1).default(3),
    SENDER_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(100).default(15_000),
    /** Test-only: die right after the SMTP server accepted a mail, before recording it. */
    SENDER_CRASH_AFTER_SMTP_ACCEPT: flag.default(false),
  })
  .superRefine((env, ctx) => {
    if (env.SENDER_UNSUBSCRIBE_URL === undefined) return;
    try {
      if (unsubscribeKeysFrom(env) === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['UNSUBSCRIBE_KEYS'],
          message:
            'SENDER_UNSUBSCRIBE_URL is set: give UNSUBSCRIBE_KEYS (or UNSUBSCRIBE_KEYS_FILE), the same as the feedback service has',
        });
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['UNSUBSCRIBE_KEYS'], message: (err as Error).message });
    }
  });
export type SenderConfig = z.infer<typeof senderEnvSchema>;
