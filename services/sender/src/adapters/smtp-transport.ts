// Sends one mail over SMTP: nodemailer's MailComposer builds the message from structured data (addresses
// as { name, address }, never concatenated), our pool of sessions carries it with RFC 5321 timeouts.
import type { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { encodeHeaderWords } from './smtp/encoded-words';
import { SmtpAttemptError } from './smtp/smtp-attempt-error';
import { SmtpPool, type PoolLimits } from './smtp/smtp-pool';
import type { Delivery, SmtpSessionSettings } from './smtp/smtp-session';

export { SmtpAttemptError } from './smtp/smtp-attempt-error';
export { RFC5321_TIMEOUTS, type SmtpTimeouts } from './smtp/smtp-timeouts';

export type SmtpSettings = SmtpSessionSettings & PoolLimits;

export interface MailAddress {
  readonly name: string | null;
  readonly address: string;
}

export interface OutgoingMail {
  readonly from: string;
  readonly to: MailAddress;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly messageId: string;
  /** The envelope sender (MAIL FROM) when it is not the From address: the mail's VERP return path. */
  readonly returnPath?: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly attachments?: readonly { filename: string; content: Buffer; contentType: string }[];
}

export type SendResult = Delivery;

/** The nodemailer message for a mail: the recipient goes in as structured data, so no name can change it. */
export function composeMail(mail: OutgoingMail): {
  envelope: { from: string; to: string[] };
  stream: () => Readable;
} {
  const options: Mail.Options = {
    from: mail.from,
    to: { name: mail.to.name ?? '', address: mail.to.address },
    subject: encodeHeaderWords(mail.subject),
    html: mail.html,
    text: mail.text,
    messageId: mail.messageId,
    headers: { ...mail.headers },
    attachments: mail.attachments?.map((a) => ({ ...a })),
  };
  const node = new MailComposer(options).compile();
  const envelope = node.getEnvelope() as { from: string | false; to: string[] };
  return {
    // The envelope recipient is always exactly the address given, whatever the display name says.
    envelope: { from: mail.returnPath ?? (envelope.from || ''), to: [mail.to.address] },
    stream: () => node.createReadStream() as Readable,
  };
}

export class SmtpTransport {
  private readonly pool: SmtpPool;

  constructor(settings: SmtpSettings) {
    this.pool = new SmtpPool(settings, settings);
  }

  /**
   * Sends one mail; throws SmtpAttemptError describing the failure. A reused connection the server had
   * already dropped fails before the transaction starts: that is retried once on a new connection.
   * `signal` aborts the attempt only before the final dot.
   */
  async send(mail: OutgoingMail, signal?: AbortSignal): Promise<SendResult> {
    const { envelope, stream } = composeMail(mail);
    let reused = false;
    try {
      return await this.pool.withSession(
        (session, wasUsed) => {
          reused = wasUsed;
          return session.send(envelope, stream(), signal);
        },
        { signal },
      );
    } catch (err) {
      if (!reused || !(err instanceof SmtpAttemptError) || !staleConnection(err) || signal?.aborted)
        throw err;
      return this.pool.withSession((session) => session.send(envelope, stream(), signal), {
        fresh: true,
        signal,
      });
    }
  }

  close(): void {
    this.pool.close();
  }
}

/** A pooled connection found dead at the start of a transaction: nothing about this mail was sent. */
const staleConnection = (err: SmtpAttemptError): boolean =>
  err.facts.kind === 'connection-lost' && err.facts.stage === 'mail' && !err.facts.afterFinalDot;
