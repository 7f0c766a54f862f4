// Follows one SMTP connection through its stages and runs the timeout of the stage it is in. nodemailer
// has no per-command timeouts, but its transaction log (`transactionLog` with a logger) reports every
// command it sends, every reply it gets and the end of the message, which is all a stage needs.
import type { SmtpStage } from '../../domain/smtp-failure';
import { timeoutFor, type SmtpTimeouts } from './smtp-timeouts';

type LogEntry = { readonly tnx?: string };
type LogFn = (entry: LogEntry, message?: unknown) => void;

export class StageClock {
  /** The stage of the last command (kept while its reply is read, so an error names its command). */
  stage: SmtpStage = 'connect';
  /** True once the final dot of the current message was sent: from then on the outcome can be unknown. */
  afterFinalDot = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly timeouts: SmtpTimeouts,
    private readonly onExpired: (stage: SmtpStage) => void,
  ) {
    this.enter('connect');
  }

  /** A new stage: its own timeout starts. */
  enter(stage: SmtpStage): void {
    this.stage = stage;
    this.arm();
  }

  /** Progress within the stage (a data block went out): its timeout starts again. */
  progress(): void {
    if (this.stage === 'data-block') this.arm();
  }

  /** Nothing is awaited (between transactions, or the connection is closing): no timeout runs. */
  idle(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A new transaction on this connection. */
  startTransaction(): void {
    this.afterFinalDot = false;
  }

  /** A bunyan-style logger for nodemailer's SMTPConnection that drives the clock. */
  logger(): Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', LogFn> {
    const ignore: LogFn = () => undefined;
    return {
      trace: ignore,
      warn: ignore,
      error: ignore,
      fatal: ignore,
      debug: (entry, message) => {
        if (entry.tnx === 'client') this.onCommand(String(message ?? ''));
        else if (entry.tnx === 'server') this.onReply(String(message ?? ''));
      },
      info: (entry) => {
        // Logged when the message stream, final dot included, has been handed to the socket.
        if (entry.tnx === 'message') {
          this.afterFinalDot = true;
          this.enter('data-termination');
        }
      },
    };
  }

  private onCommand(line: string): void {
    const verb = line.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
    if (verb === 'MAIL') this.enter('mail');
    else if (verb === 'RCPT') this.enter('rcpt');
    else if (verb === 'DATA') this.enter('data');
    else if (verb === 'AUTH' || this.stage === 'auth') this.enter('auth');
    else this.enter('command');
  }

  private onReply(line: string): void {
    if (this.stage === 'data' && line.startsWith('3')) {
      this.enter('data-block');
      return;
    }
    // A reply ends the wait; the stage stays, so an error raised for this reply names its command.
    this.idle();
  }

  private arm(): void {
    clearTimeout(this.timer);
    const stage = this.stage;
    this.timer = setTimeout(() => this.onExpired(stage), timeoutFor(stage, this.timeouts));
    this.timer.unref();
  }
}
