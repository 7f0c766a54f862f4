// A failed SMTP attempt, described in protocol terms (domain/smtp-failure) for the failure classifier.
import { enhancedStatusOf, type SmtpFailureFacts, type SmtpStage } from '../../domain/smtp-failure';

export class SmtpAttemptError extends Error {
  override name = 'SmtpAttemptError';

  constructor(
    readonly facts: SmtpFailureFacts,
    options: { cause?: unknown } = {},
  ) {
    super(facts.text, options);
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EDNS',
  'ETIMEDOUT',
]);

/** What a nodemailer or socket error says, given where the dialogue was when it happened. */
export function factsFromError(
  err: unknown,
  where: { stage: SmtpStage; afterFinalDot: boolean },
): SmtpFailureFacts {
  const e = (err ?? {}) as { code?: string; responseCode?: number; response?: string; message?: string };
  const text = String(e.response ?? e.message ?? err);
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && typeof e.response === 'string') {
    return {
      kind: 'reply',
      stage: where.stage,
      code: e.responseCode,
      enhanced: enhancedStatusOf(e.response),
      text,
    };
  }
  if (e.code === 'ETLS' || /certificate|ssl|tls/i.test(e.message ?? '')) return { kind: 'tls', text };
  if (where.stage === 'connect' && UNREACHABLE_CODES.has(e.code ?? '')) return { kind: 'unreachable', text };
  return { kind: 'connection-lost', stage: where.stage, afterFinalDot: where.afterFinalDot, text };
}
