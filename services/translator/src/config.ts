import { z } from 'zod';
import { baseServiceEnvSchema, consumerFetchEnv } from '@mailfleet/config';
import { suppressionEnv } from '@mailfleet/suppression';
import type { KindDelivery } from './domain/decisions';
import { DIGEST_KINDS, parseWindowSpec, type DigestRule, type WindowSpec } from './domain/digests';
import { isKnownTimeZone, parseQuietHours } from './domain/quiet-hours';
import { MAIL_KINDS, type MailKind } from './domain/translator-state';

const PRIORITIES = ['HIGH', 'NORMAL', 'LOW'] as const;

/** A comma-separated list of mail kinds, each one the translator knows. */
const kindList = () =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.enum(MAIL_KINDS, {
          error: (i) => `${JSON.stringify(i.input)} is not a mail kind (known: ${MAIL_KINDS.join(', ')})`,
        }),
      ),
    );

/** `kind=window,…`: the kinds collected into digests (DIGEST_KINDS) and their windows. */
const digestList = z.string().transform((text, ctx) => {
  const out: { kind: MailKind; window: WindowSpec }[] = [];
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [kind = '', window = ''] = entry.split('=').map((p) => p.trim());
    if (DIGEST_KINDS[kind as MailKind] === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(kind)} cannot be collected into a digest (can: ${Object.keys(DIGEST_KINDS).join(', ')})`,
      });
      return z.NEVER;
    }
    try {
      out.push({ kind: kind as MailKind, window: parseWindowSpec(window) });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }
  return out;
});

/**
 * `kind=value,…`: a value for some kinds (the others keep their default). `valueOk` checks a value,
 * `expected` says what one must look like; `refuse` may give a reason to refuse a kind its value.
 */
const kindMap = <V extends string>(
  valueOk: (value: string) => boolean,
  expected: string,
  refuse: (kind: MailKind) => string | undefined = () => undefined,
) =>
  z.string().transform((text, ctx) => {
    const map: Partial<Record<MailKind, V>> = {};
    for (const entry of text
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const [kind, value] = entry.split('=').map((p) => p.trim());
      if (!(MAIL_KINDS as readonly string[]).includes(kind ?? '') || !valueOk(value ?? '')) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(entry)} must be kind=${expected} with a kind of ${MAIL_KINDS.join(', ')}`,
        });
        return z.NEVER;
      }
      const refused = refuse(kind as MailKind);
      if (refused !== undefined) {
        ctx.addIssue({ code: 'custom', message: refused });
        return z.NEVER;
      }
      map[kind as MailKind] = value as V;
    }
    return map;
  });

/** `kind=PRIORITY,…`: the kinds whose priority is not NORMAL. */
const priorityMap = kindMap<(typeof PRIORITIES)[number]>(
  (v) => (PRIORITIES as readonly string[]).includes(v),
  PRIORITIES.join('|'),
);

/**
 * Kinds that confirm or change a contract the customer made: the law and the big mailbox providers treat
 * them as transactional, so they carry no unsubscribe link and no unsubscribe stops them.
 */
const TRANSACTIONAL_KINDS: readonly MailKind[] = ['order-confirmation', 'cancellation-notice'];

/** `kind=category,…`: the kinds a recipient can unsubscribe from, each with its category. */
const categoryMap = kindMap<string>(
  (v) => /^[a-z0-9][a-z0-9-]{0,63}$/.test(v),
  'category (lower-case letters, digits and dashes)',
  (kind) =>
    TRANSACTIONAL_KINDS.includes(kind)
      ? `${kind} is transactional (it confirms or changes the customer's order): it cannot be unsubscribed from`
      : undefined,
);

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
  /** When soft bounces suppress an address (shared with the sender). */
  ...suppressionEnv,
  /** Records of one partition handled in one transaction (a chunk); 1 handles them one by one. */
  TRANSLATOR_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(100),
  TRANSLATOR_TEMPLATE_VERSION: z.coerce.number().int().min(1).default(1),
  /** The recipients' quiet hours in their local time, e.g. 22:00-07:00; empty: none (docs/digests.md). */
  TRANSLATOR_QUIET_HOURS: z
    .string()
    .default('')
    .transform((text, ctx) => {
      try {
        return parseQuietHours(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** The kinds quiet hours hold back (not HIGH-priority ones, whatever this says). */
  TRANSLATOR_QUIET_KINDS: kindList().default(['shipping-notice', 'shipping-digest']),
  /** Kinds whose priority is not NORMAL, e.g. cancellation-notice=HIGH. */
  TRANSLATOR_PRIORITIES: priorityMap.default({}),
  /**
   * The kinds whose mails carry a one-click unsubscribe link (RFC 8058), each with the category the link
   * stops; every other kind is transactional. Empty: no kind can be unsubscribed from.
   */
  TRANSLATOR_UNSUBSCRIBE_CATEGORIES: categoryMap.default({
    'shipping-notice': 'shipping-updates',
    'shipping-digest': 'shipping-updates',
  }),
  /** Kinds collected into digests, each with its window: shipping-notice=10m or shipping-notice=daily@08:00. */
  TRANSLATOR_DIGESTS: digestList.default([]),
  /** What a digest window with a single fact sends: that fact's own mail (own) or a digest of one. */
  TRANSLATOR_DIGEST_SINGLE: z.enum(['own', 'digest']).default('own'),
  /** Test-only: die (kill -9) inside the transaction that closes a digest window, before it commits. */
  TRANSLATOR_CRASH_CLOSING_DIGEST: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** The time zone of a customer whose facts name none, or one this runtime does not know. */
  TRANSLATOR_DEFAULT_TIME_ZONE: z
    .string()
    .default('UTC')
    .refine(isKnownTimeZone, {
      error: (i) => `${JSON.stringify(i.input)} is not an IANA time zone (e.g. Europe/Berlin)`,
    }),
});
export type TranslatorConfig = z.infer<typeof translatorEnvSchema>;

/** Each kind's priority, whether quiet hours hold it and its unsubscribe category, from the configuration. */
export const deliveryPolicy = (config: TranslatorConfig): Record<MailKind, KindDelivery> =>
  Object.fromEntries(
    MAIL_KINDS.map((kind) => [
      kind,
      {
        priority: config.TRANSLATOR_PRIORITIES[kind] ?? 'NORMAL',
        quietHours: config.TRANSLATOR_QUIET_KINDS.includes(kind),
        category: config.TRANSLATOR_UNSUBSCRIBE_CATEGORIES[kind] ?? null,
      },
    ]),
  ) as Record<MailKind, KindDelivery>;

/** The digest rules, from the configuration. */
export const digestRules = (config: TranslatorConfig): DigestRule[] =>
  config.TRANSLATOR_DIGESTS.map(({ kind, window }) => ({
    kind,
    digestKind: DIGEST_KINDS[kind] as MailKind,
    window,
    singleAsItself: config.TRANSLATOR_DIGEST_SINGLE === 'own',
  }));
