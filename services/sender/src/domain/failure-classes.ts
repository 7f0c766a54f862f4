// Who a failed attempt affects, from RFC 5321 reply codes and RFC 3463 enhanced status codes. The table
// in docs/sender.md is this function in prose; failure-classes.unit.spec.ts tests it row by row.
import type { SmtpFailureFacts, SmtpStage } from './smtp-failure';

export type FailureClass =
  /** This recipient will never take this mail (550 5.1.1 no such user, 5.7.1 refused): fail the mail. */
  | 'recipient-permanent'
  /** This message will never be taken (5.6.x content, 5.3.4 too big): fail the mail. */
  | 'message-permanent'
  /** Try this mail again later (450/451/452, 4.2.2 mailbox full, greylisting): retry with backoff. */
  | 'recipient-transient'
  /** The path to the server is broken for every mail (421, auth, TLS, refused): breaker, no attempt used. */
  | 'system-wide'
  /** The final dot was sent and no reply came: the server may have the mail. */
  | 'ambiguous'
  /** The request itself cannot be sent (template, data, address, attachment): fail the mail. */
  | 'invalid-request'
  /** Our own infrastructure failed (MongoDB while loading an attachment): try later, no attempt used. */
  | 'local-infrastructure'
  /** Anything not understood: retried like a transient failure, so nothing is lost for a surprise. */
  | 'unknown';

export interface Failure {
  readonly errorClass: FailureClass;
  readonly message: string;
}

// Before a transaction starts nothing is about one mail: the greeting, EHLO, STARTTLS and AUTH fail for
// every mail alike. MAIL FROM names only our own sender address, so its failures are the path's too.
const SESSION_STAGES: ReadonlySet<SmtpStage> = new Set(['connect', 'greeting', 'command', 'auth', 'mail']);

// RFC 4954: 454 temporary authentication failure, 530 authentication required, 534 mechanism too weak,
// 535 credentials invalid, 538 encryption required. RFC 5321: 421 service not available, closing.
const SYSTEM_WIDE_CODES: ReadonlySet<number> = new Set([421, 454, 530, 534, 535, 538]);

const subject = (enhanced: string | null) => (enhanced ? enhanced.split('.')[1] : undefined);
const detail = (enhanced: string | null) => (enhanced ? enhanced.split('.').slice(1).join('.') : undefined);

const describe = (facts: SmtpFailureFacts): string => {
  const text = facts.text.replace(/\s+/g, ' ').trim().slice(0, 500);
  return facts.kind === 'reply' ? `${facts.stage}: ${text}` : `${facts.kind}: ${text}`;
};

/** Classifies a failed SMTP attempt. */
export function classifySmtpFailure(facts: SmtpFailureFacts): Failure {
  const message = describe(facts);
  const as = (errorClass: FailureClass): Failure => ({ errorClass, message });
  switch (facts.kind) {
    case 'unreachable':
    case 'tls':
      return as('system-wide');
    case 'timeout':
    case 'connection-lost':
      // RFC 5321 §6.1 / RFC 1047: after the final dot the server may already have taken responsibility.
      return as(facts.afterFinalDot ? 'ambiguous' : 'system-wide');
    case 'reply':
      return as(classifyReply(facts.stage, facts.code, facts.enhanced));
    default: {
      const unreachable: never = facts;
      throw new Error(`unknown failure ${JSON.stringify(unreachable)}`);
    }
  }
}

function classifyReply(stage: SmtpStage, code: number, enhanced: string | null): FailureClass {
  const permanent = code >= 500;
  const sub = subject(enhanced);
  if (SYSTEM_WIDE_CODES.has(code)) return 'system-wide';
  // X.2.2 mailbox full is "a persistent transient failure" (RFC 3463 §3.3), even when sent as 5.2.2.
  if (detail(enhanced) === '2.2') return 'recipient-transient';
  // X.3.4 message too big for the system, X.6.x media/content: no server will take this message as is.
  if (permanent && (detail(enhanced) === '3.4' || sub === '6' || code === 552)) return 'message-permanent';
  if (SESSION_STAGES.has(stage)) return 'system-wide';
  if (!permanent) {
    // X.3.x mail system and X.4.x network/routing: the receiving system itself is sick, for every mail.
    if (sub === '3' || sub === '4') return 'system-wide';
    return 'recipient-transient';
  }
  if (stage === 'rcpt') return 'recipient-permanent';
  // After DATA: X.1.x addressing and X.2.x mailbox statuses are about the recipient; the rest (X.7.x
  // content policy, no enhanced code at all) is about this message.
  if (sub === '1' || sub === '2') return 'recipient-permanent';
  return 'message-permanent';
}

/** True for failures that are the path's, not the mail's: the circuit breaker's business. */
export const isSystemWide = (f: Failure): boolean => f.errorClass === 'system-wide';
