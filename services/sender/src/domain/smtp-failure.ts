// What the SMTP client observed when an attempt failed, in protocol terms only (no nodemailer): the stage
// of the SMTP dialogue, the server's reply if there was one, and whether the final dot had been sent.

/** Where in the SMTP dialogue something happened (RFC 5321 §4.5.3.2 names the timeouts per stage). */
export type SmtpStage =
  | 'connect'
  | 'greeting'
  | 'command' // EHLO, STARTTLS, AUTH, RSET, QUIT: commands the RFC gives no timeout of their own
  | 'auth'
  | 'mail'
  | 'rcpt'
  | 'data' // DATA sent, waiting for 354
  | 'data-block' // sending the message
  | 'data-termination'; // the final dot sent, waiting for the reply

export type SmtpFailureFacts =
  /** The server answered with a 4xx/5xx reply (definitive, even after the final dot). */
  | {
      readonly kind: 'reply';
      readonly stage: SmtpStage;
      readonly code: number;
      /** RFC 3463 enhanced status code (`5.1.1`), when the server sent one. */
      readonly enhanced: string | null;
      readonly text: string;
    }
  /** No reply in time, or the connection ended without a reply. */
  | {
      readonly kind: 'timeout' | 'connection-lost';
      readonly stage: SmtpStage;
      readonly afterFinalDot: boolean;
      readonly text: string;
    }
  /** The server could not be reached at all (refused, DNS, unreachable) or TLS could not be set up. */
  | { readonly kind: 'unreachable' | 'tls'; readonly text: string };

/** Parses the RFC 3463 enhanced status code at the start of a reply text (`550 5.1.1 ...`). */
export function enhancedStatusOf(reply: string): string | null {
  const match = /^\d{3}[ -]([245])\.(\d{1,3})\.(\d{1,3})\b/.exec(reply.trim());
  return match ? `${match[1]}.${match[2]}.${match[3]}` : null;
}
