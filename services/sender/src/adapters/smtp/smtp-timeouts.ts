// Client timeouts per SMTP stage. Defaults are RFC 5321 §4.5.3.2's: a client that gives up earlier risks
// abandoning a transaction the server still completes, which is how one slow relay got three copies.
import type { SmtpStage } from '../../domain/smtp-failure';

export interface SmtpTimeouts {
  /** TCP (and TLS) connection set-up; the RFC names none. */
  readonly connectMs: number;
  /** Initial 220 greeting: 5 min. */
  readonly greetingMs: number;
  /** EHLO, STARTTLS, AUTH, RSET, QUIT: the RFC names none; we use MAIL's 5 min by default. */
  readonly commandMs: number;
  /** MAIL command: 5 min. */
  readonly mailMs: number;
  /** RCPT command: 5 min. */
  readonly rcptMs: number;
  /** DATA initiation (waiting for 354): 2 min. */
  readonly dataInitMs: number;
  /** Each data block: 3 min without progress while sending the message. */
  readonly dataBlockMs: number;
  /** DATA termination (the reply after the final dot): 10 min. */
  readonly dataTerminationMs: number;
}

export const RFC5321_TIMEOUTS: SmtpTimeouts = {
  connectMs: 60_000,
  greetingMs: 5 * 60_000,
  commandMs: 5 * 60_000,
  mailMs: 5 * 60_000,
  rcptMs: 5 * 60_000,
  dataInitMs: 2 * 60_000,
  dataBlockMs: 3 * 60_000,
  dataTerminationMs: 10 * 60_000,
};

export function timeoutFor(stage: SmtpStage, t: SmtpTimeouts): number {
  switch (stage) {
    case 'connect':
      return t.connectMs;
    case 'greeting':
      return t.greetingMs;
    case 'command':
    case 'auth':
      return t.commandMs;
    case 'mail':
      return t.mailMs;
    case 'rcpt':
      return t.rcptMs;
    case 'data':
      return t.dataInitMs;
    case 'data-block':
      return t.dataBlockMs;
    case 'data-termination':
      return t.dataTerminationMs;
    default: {
      const unreachable: never = stage;
      throw new Error(`unknown stage ${String(unreachable)}`);
    }
  }
}

/** The longest any one stage may take: nodemailer's own socket timeout is set above it, so ours decide. */
export const longestTimeout = (t: SmtpTimeouts): number => Math.max(...Object.values(t));
