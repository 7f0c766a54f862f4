import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { baseServiceEnvSchema, keysIn } from '@mailfleet/config';
import { unsubscribeEnv, unsubscribeKeysFrom } from '@mailfleet/suppression';
import { checkSigningKeys, sendGridPublicKey } from '@mailfleet/webhooks';

/**
 * Everything the feedback service reads from the environment (README, "Configuration"). Each provider's
 * endpoint exists only when its secret is set; at least one must be. Secrets come from VAR or VAR_FILE.
 */
export const feedbackEnvSchema = baseServiceEnvSchema
  .extend({
    MONGO_DB: z.string().min(1).default('mailfleet_feedback'),
    FEEDBACK_PORT: z.coerce.number().int().min(1).max(65535).default(8090),
    FEEDBACK_HOST: z.string().min(1).default('127.0.0.1'),
    /** The sender's MESSAGE_ID_DOMAIN: a Message-ID at this domain names one of our mails. */
    MESSAGE_ID_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/)
      .default('mailfleet.local'),
    /** Larger bodies are refused with 413 before they are read to the end. */
    FEEDBACK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(20_000_000).default(1_048_576),
    /** How long a notification is kept, so a provider's late retry is still recognised (SendGrid retries 72 h). */
    FEEDBACK_RETENTION_DAYS: z.coerce.number().int().min(4).max(3650).default(30),
    /**
     * The domain of the senders' VERP return paths (their SENDER_VERP_DOMAIN): when set, the SMTP listener
     * takes bounce reports for bounces+…@ it.
     */
    FEEDBACK_BOUNCE_DOMAIN: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/)
      .optional(),
    FEEDBACK_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(2525),
    FEEDBACK_SMTP_HOST: z.string().min(1).default('127.0.0.1'),
    /** mailfleet's signed format: one key, or two separated by a comma while rotating (each ≥ 32 bytes). */
    FEEDBACK_WEBHOOK_KEYS: z.string().optional(),
    FEEDBACK_WEBHOOK_KEYS_FILE: z.string().optional(),
    /** Mailgun's HTTP webhook signing key. */
    MAILGUN_WEBHOOK_SIGNING_KEY: z.string().optional(),
    MAILGUN_WEBHOOK_SIGNING_KEY_FILE: z.string().optional(),
    /** SendGrid's Signed Event Webhook verification key (public; base64 DER or PEM). */
    SENDGRID_WEBHOOK_PUBLIC_KEY: z.string().optional(),
    SENDGRID_WEBHOOK_PUBLIC_KEY_FILE: z.string().optional(),
    /** The senders' unsubscribe keys: when set, the one-click unsubscribe endpoint is served (RFC 8058). */
    ...unsubscribeEnv,
  })
  .transform((env, ctx) => {
    const secret = (name: string, value: string | undefined, file: string | undefined) => {
      if (!file) return value;
      try {
        return readFileSync(file, 'utf8').trim();
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: [`${name}_FILE`],
          message: `cannot read ${file}: ${(err as Error).message}`,
        });
        return undefined;
      }
    };
    const keysText = secret(
      'FEEDBACK_WEBHOOK_KEYS',
      env.FEEDBACK_WEBHOOK_KEYS,
      env.FEEDBACK_WEBHOOK_KEYS_FILE,
    );
    const mailfleetKeys = keysText === undefined ? undefined : keysIn(keysText);
    if (mailfleetKeys !== undefined) {
      try {
        checkSigningKeys(mailfleetKeys);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['FEEDBACK_WEBHOOK_KEYS'], message: (err as Error).message });
      }
    }
    const mailgunKey = secret(
      'MAILGUN_WEBHOOK_SIGNING_KEY',
      env.MAILGUN_WEBHOOK_SIGNING_KEY,
      env.MAILGUN_WEBHOOK_SIGNING_KEY_FILE,
    );
    const sendGridText = secret(
      'SENDGRID_WEBHOOK_PUBLIC_KEY',
      env.SENDGRID_WEBHOOK_PUBLIC_KEY,
      env.SENDGRID_WEBHOOK_PUBLIC_KEY_FILE,
    );
    let sendGridKey: ReturnType<typeof sendGridPublicKey> | undefined;
    if (sendGridText !== undefined) {
      try {
        sendGridKey = sendGridPublicKey(sendGridText);
      } catch (err) {
        ctx.addIssue({
          code: 'custom',
          path: ['SENDGRID_WEBHOOK_PUBLIC_KEY'],
          message: `not an EC public key (base64 DER or PEM): ${(err as Error).message}`,
        });
      }
    }
    let unsubscribeKeys: string[] | undefined;
    try {
      unsubscribeKeys = unsubscribeKeysFrom(env);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['UNSUBSCRIBE_KEYS'], message: (err as Error).message });
    }
    if (
      mailfleetKeys === undefined &&
      mailgunKey === undefined &&
      sendGridText === undefined &&
      unsubscribeKeys === undefined &&
      env.FEEDBACK_BOUNCE_DOMAIN === undefined
    )
      ctx.addIssue({
        code: 'custom',
        path: ['FEEDBACK_WEBHOOK_KEYS'],
        message:
          'configure at least one source of feedback: FEEDBACK_WEBHOOK_KEYS, MAILGUN_WEBHOOK_SIGNING_KEY, SENDGRID_WEBHOOK_PUBLIC_KEY or UNSUBSCRIBE_KEYS (or their _FILE), or FEEDBACK_BOUNCE_DOMAIN for bounce reports',
      });
    const {
      FEEDBACK_WEBHOOK_KEYS: _a,
      FEEDBACK_WEBHOOK_KEYS_FILE: _b,
      MAILGUN_WEBHOOK_SIGNING_KEY: _c,
      MAILGUN_WEBHOOK_SIGNING_KEY_FILE: _d,
      SENDGRID_WEBHOOK_PUBLIC_KEY: _e,
      SENDGRID_WEBHOOK_PUBLIC_KEY_FILE: _f,
      UNSUBSCRIBE_KEYS: _g,
      UNSUBSCRIBE_KEYS_FILE: _h,
      ...rest
    } = env;
    return { ...rest, webhooks: { mailfleetKeys, mailgunKey, sendGridKey }, unsubscribeKeys };
  });
export type FeedbackConfig = z.infer<typeof feedbackEnvSchema>;
export type WebhookSecrets = FeedbackConfig['webhooks'];
