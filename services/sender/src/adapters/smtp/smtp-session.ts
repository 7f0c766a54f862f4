// One SMTP connection: our own socket (so a deadline can really end it), nodemailer's SMTPConnection for
// the protocol, and a StageClock for RFC 5321's per-stage timeouts.
import { connect as netConnect, type Socket } from 'node:net';
import { Transform, type Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SmtpStage } from '../../domain/smtp-failure';
import { SmtpAttemptError, factsFromError } from './smtp-attempt-error';
import { StageClock } from './stage-clock';
import { longestTimeout, type SmtpTimeouts } from './smtp-timeouts';

export interface SmtpSessionSettings {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465). */
  readonly secure: boolean;
  /** Refuse to send unless STARTTLS succeeds. */
  readonly requireTls: boolean;
  readonly rejectUnauthorized: boolean;
  readonly user?: string | undefined;
  readonly password?: string | undefined;
  /** The name we greet with (EHLO); nodemailer's default is the machine's host name. */
  readonly clientName?: string | undefined;
  readonly timeouts: SmtpTimeouts;
}

export interface Envelope {
  readonly from: string;
  readonly to: readonly string[];
}

export interface Delivery {
  readonly accepted: string[];
  readonly rejected: string[];
  readonly response: string;
}

export class SmtpSession {
  messages = 0;
  private failure: SmtpAttemptError | undefined;
  private failed: ((err: SmtpAttemptError) => void) | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly connection: SMTPConnection,
    private readonly clock: StageClock,
  ) {}

  /** Connects, greets (STARTTLS when offered or required) and authenticates; `signal` gives up at once. */
  static open(settings: SmtpSessionSettings, signal?: AbortSignal): Promise<SmtpSession> {
    return new Promise((resolve, reject) => {
      let session: SmtpSession | undefined;
      const socket = netConnect({ host: settings.host, port: settings.port });
      const clock = new StageClock(settings.timeouts, (stage) => {
        if (session) session.expire(stage);
        else
          fail(
            new SmtpAttemptError({
              kind: 'unreachable',
              text: `no connection to ${settings.host}:${settings.port} within the connect timeout`,
            }),
          );
      });
      const onAbort = () =>
        fail(
          new SmtpAttemptError({
            kind: 'connection-lost',
            stage: clock.stage,
            afterFinalDot: false,
            text: 'attempt aborted while connecting',
          }),
        );
      const fail = (err: SmtpAttemptError) => {
        signal?.removeEventListener('abort', onAbort);
        clock.idle();
        socket.destroy();
        reject(err);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      // Kept for the socket's whole life: an 'error' without a listener would end the process, and
      // nodemailer moves its own listener to the TLS socket after STARTTLS.
      socket.on('error', (err) => {
        if (session) return session.lose(err);
        fail(
          new SmtpAttemptError(factsFromError(err, { stage: clock.stage, afterFinalDot: false }), {
            cause: err,
          }),
        );
      });
      socket.once('connect', () => {
        clock.enter('greeting');
        const connection = new SMTPConnection({
          connection: socket,
          host: settings.host,
          port: settings.port,
          secure: settings.secure,
          requireTLS: settings.requireTls,
          tls: { rejectUnauthorized: settings.rejectUnauthorized, servername: settings.host },
          ...(settings.clientName ? { name: settings.clientName } : {}),
          // Our StageClock decides every timeout; nodemailer's own ones stay above ours.
          greetingTimeout: longestTimeout(settings.timeouts) + 60_000,
          socketTimeout: longestTimeout(settings.timeouts) + 60_000,
          transactionLog: true,
          logger: clock.logger() as never,
        });
        session = new SmtpSession(socket, connection, clock);
        const s = session;
        connection.on('error', (err: unknown) => s.lose(err));
        connection.on('end', () => s.lose(new Error('the SMTP server closed the connection')));
        s.failed = fail;
        connection.connect((err?: unknown) => {
          if (err)
            return fail(
              new SmtpAttemptError(factsFromError(err, { stage: clock.stage, afterFinalDot: false }), {
                cause: err,
              }),
            );
          if (!settings.user) return s.ready(resolve, signal, onAbort);
          connection.login({ user: settings.user, pass: settings.password ?? '' }, (loginErr?: unknown) => {
            if (loginErr)
              return fail(
                new SmtpAttemptError(factsFromError(loginErr, { stage: 'auth', afterFinalDot: false }), {
                  cause: loginErr,
                }),
              );
            s.ready(resolve, signal, onAbort);
          });
        });
      });
    });
  }

  /** False once the connection failed or closed: it must not carry another message. */
  get usable(): boolean {
    return !this.closed && this.failure === undefined;
  }

  /**
   * Sends one message. `signal` aborts it only while the final dot has not been sent: after that, ending
   * the connection would turn a delivery into an unknown outcome.
   */
  send(envelope: Envelope, message: Readable, signal?: AbortSignal): Promise<Delivery> {
    this.messages += 1;
    this.clock.startTransaction();
    return new Promise<Delivery>((resolve, reject) => {
      let settled = false;
      const settle = (err: SmtpAttemptError | undefined, delivery?: Delivery) => {
        if (settled) return;
        settled = true;
        this.failed = undefined;
        signal?.removeEventListener('abort', onAbort);
        this.clock.idle();
        if (err) {
          this.destroy();
          reject(err);
        } else resolve(delivery as Delivery);
      };
      const onAbort = () => {
        if (this.clock.afterFinalDot) return;
        settle(
          new SmtpAttemptError({
            kind: 'connection-lost',
            stage: this.clock.stage,
            afterFinalDot: false,
            text: 'attempt aborted before the final dot',
          }),
        );
      };
      if (this.failure) return settle(this.failure);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      this.failed = (err) => settle(err);
      // Each chunk handed on is a data block sent: the data-block timeout runs per block, not per message.
      const progress = new Transform({
        transform: (chunk: Buffer, _enc, done) => {
          this.clock.progress();
          done(null, chunk);
        },
      });
      message.on('error', (err) =>
        settle(new SmtpAttemptError(factsFromError(err, this.where()), { cause: err })),
      );
      this.connection.send(
        { from: envelope.from, to: [...envelope.to] },
        message.pipe(progress),
        (err: unknown, info?: { accepted?: unknown[]; rejected?: unknown[]; response?: string }) => {
          if (err) return settle(new SmtpAttemptError(factsFromError(err, this.where()), { cause: err }));
          settle(undefined, {
            accepted: (info?.accepted ?? []).map(String),
            rejected: (info?.rejected ?? []).map(String),
            response: String(info?.response ?? ''),
          });
        },
      );
    });
  }

  /** Says goodbye politely (QUIT) and lets the server close. */
  quit(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.idle();
    try {
      this.connection.quit();
    } catch {
      this.destroy();
    }
  }

  /** Ends the connection at once: the socket is destroyed, nothing more is sent on it. */
  destroy(): void {
    this.closed = true;
    this.clock.idle();
    this.socket.destroy();
    this.connection.close();
  }

  private where() {
    return { stage: this.clock.stage, afterFinalDot: this.clock.afterFinalDot };
  }

  private ready(resolve: (s: SmtpSession) => void, signal?: AbortSignal, onAbort?: () => void): void {
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    this.failed = undefined;
    this.clock.idle();
    resolve(this);
  }

  private expire(stage: SmtpStage): void {
    this.lose(
      new SmtpAttemptError({
        kind: 'timeout',
        stage,
        afterFinalDot: this.clock.afterFinalDot,
        text: `no reply within the ${stage} timeout (${stage === 'data-termination' ? 'after the final dot' : 'before the final dot'})`,
      }),
    );
  }

  /** The connection failed or closed: the attempt on it (if any) fails, and it is never used again. */
  lose(err: unknown): void {
    const failure =
      err instanceof SmtpAttemptError
        ? err
        : new SmtpAttemptError(factsFromError(err, this.where()), { cause: err });
    this.failure ??= failure;
    this.closed = true;
    const failed = this.failed;
    this.failed = undefined;
    failed?.(failure);
    this.clock.idle();
    this.socket.destroy();
  }
}
