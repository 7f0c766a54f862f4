// nodemailer with a pooled SMTP transport; TLS/STARTTLS and auth from config (secrets never logged).
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465). */
  readonly secure: boolean;
  /** Refuse to send unless STARTTLS succeeds. */
  readonly requireTls: boolean;
  readonly rejectUnauthorized: boolean;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  readonly maxConnections: number;
  readonly maxMessages: number;
  readonly timeoutMs: number;
}

export interface OutgoingMail {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly messageId: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly attachments?: readonly { filename: string; content: Buffer; contentType: string }[];
}

export interface SendResult {
  readonly accepted: string[];
  readonly rejected: string[];
}

export class SmtpTransport {
  private transporter: Transporter<SMTPPool.SentMessageInfo>;

  constructor(private readonly settings: SmtpSettings) {
    this.transporter = SmtpTransport.pool(settings);
  }

  private static pool(settings: SmtpSettings): Transporter<SMTPPool.SentMessageInfo> {
    return nodemailer.createTransport({
      pool: true,
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      requireTLS: settings.requireTls,
      tls: { rejectUnauthorized: settings.rejectUnauthorized },
      auth: settings.user ? { user: settings.user, pass: settings.password } : undefined,
      maxConnections: settings.maxConnections,
      maxMessages: settings.maxMessages,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
    } as SMTPPool.Options);
  }

  /**
   * Sends one mail. A pooled transport can wait forever when the server drops connections before its
   * greeting, so every send has a deadline; past it the pool is replaced (nothing queued in the old
   * one is sent) and the attempt fails as a timeout, to be retried with the same Message-ID.
   */
  async send(mail: OutgoingMail): Promise<SendResult> {
    const transporter = this.transporter;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (this.transporter === transporter) {
          this.transporter = SmtpTransport.pool(this.settings);
          transporter.close();
        }
        reject(
          Object.assign(
            new Error(`no answer from the SMTP server within ${this.settings.timeoutMs * 2} ms`),
            { code: 'ETIMEDOUT' },
          ),
        );
      }, this.settings.timeoutMs * 2);
    });
    const info = await Promise.race([
      transporter.sendMail({ ...mail, attachments: mail.attachments?.map((a) => ({ ...a })) }),
      deadline,
    ]).finally(() => clearTimeout(timer));
    const addresses = (list: unknown) =>
      Array.isArray(list)
        ? list.map((a) => (typeof a === 'string' ? a : String((a as { address?: string }).address)))
        : [];
    return { accepted: addresses(info.accepted), rejected: addresses(info.rejected) };
  }

  close(): void {
    this.transporter.close();
  }
}
