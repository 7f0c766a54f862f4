// The sender's settings as its parts take them: the environment's names are in config.ts, the shapes
// the adapters and the dispatcher take are here.
import { secretFrom } from '@mailfleet/config';
import { softBouncePolicy, unsubscribeKeysFrom } from '@mailfleet/suppression';
import type { SmtpSettings } from './adapters/smtp-transport';
import type { SenderConfig } from './config';
import type { DispatcherOptions } from './handlers/dispatcher';

/** SMTP: server, TLS, credentials (the password from SMTP_PASSWORD or its file), pool, RFC 5321 timeouts. */
export const smtpSettings = (
  config: SenderConfig,
  env: Readonly<Record<string, string | undefined>>,
): SmtpSettings => ({
  host: config.SMTP_HOST,
  port: config.SMTP_PORT,
  secure: config.SMTP_SECURE,
  requireTls: config.SMTP_REQUIRE_TLS,
  rejectUnauthorized: config.SMTP_TLS_REJECT_UNAUTHORIZED,
  user: config.SMTP_USER,
  password: secretFrom(env, 'SMTP_PASSWORD'),
  clientName: config.SMTP_CLIENT_NAME,
  maxConnections: config.SMTP_POOL_MAX_CONNECTIONS,
  maxMessages: config.SMTP_POOL_MAX_MESSAGES,
  idleMs: config.SMTP_POOL_IDLE_MS,
  timeouts: {
    connectMs: config.SMTP_CONNECT_TIMEOUT_MS,
    greetingMs: config.SMTP_GREETING_TIMEOUT_MS,
    commandMs: config.SMTP_TIMEOUT_MS,
    mailMs: config.SMTP_MAIL_TIMEOUT_MS,
    rcptMs: config.SMTP_RCPT_TIMEOUT_MS,
    dataInitMs: config.SMTP_DATA_INIT_TIMEOUT_MS,
    dataBlockMs: config.SMTP_DATA_BLOCK_TIMEOUT_MS,
    dataTerminationMs: config.SMTP_DATA_TERMINATION_TIMEOUT_MS,
  },
});

type DispatchSettings = Pick<
  DispatcherOptions,
  | 'from'
  | 'retry'
  | 'ambiguity'
  | 'concurrency'
  | 'ratePerSecond'
  | 'pollIntervalMs'
  | 'sendingGraceMs'
  | 'breaker'
  | 'softBounces'
  | 'verpDomain'
  | 'unsubscribe'
  | 'crashAfterAccept'
>;

/** Retries, ambiguous outcomes, concurrency, rate, claims and the circuit breaker. */
export const dispatchSettings = (config: SenderConfig): DispatchSettings => ({
  from: config.MAIL_FROM,
  softBounces: softBouncePolicy(config),
  verpDomain: config.SENDER_VERP_DOMAIN,
  unsubscribe:
    config.SENDER_UNSUBSCRIBE_URL === undefined
      ? undefined
      : { baseUrl: config.SENDER_UNSUBSCRIBE_URL, keys: unsubscribeKeysFrom(config) ?? [] },
  retry: {
    maxAttempts: config.SENDER_MAX_ATTEMPTS,
    initialDelayMs: config.SENDER_RETRY_INITIAL_MS,
    maxDelayMs: config.SENDER_RETRY_MAX_MS,
    maxRetryAgeMs: config.SENDER_MAX_RETRY_AGE_MS,
    infrastructureDelayMs: config.SENDER_INFRA_RETRY_MS,
  },
  ambiguity: {
    retryAfterMs: config.SENDER_AMBIGUOUS_RETRY_AFTER_MS,
    maxResends: config.SENDER_AMBIGUOUS_MAX_RESENDS,
  },
  concurrency: config.SENDER_CONCURRENCY,
  ratePerSecond: config.SENDER_RATE_PER_SECOND,
  pollIntervalMs: config.SENDER_POLL_INTERVAL_MS,
  sendingGraceMs: config.SENDER_SENDING_GRACE_MS,
  breaker: { threshold: config.SENDER_BREAKER_THRESHOLD, cooldownMs: config.SENDER_BREAKER_COOLDOWN_MS },
  crashAfterAccept: config.SENDER_CRASH_AFTER_SMTP_ACCEPT,
});
