// Sends due mails: claims one attempt at a time from the sender's state (so retries are scheduled, never
// blocking a partition), within the rate and concurrency limits and behind the SMTP circuit breaker,
// and records each outcome with its event through the outbox in one transaction.
import type { MongoClient } from 'mongodb';
import type { TopicDefinition } from '@mailfleet/contracts';
import type { Logger } from '@mailfleet/logger';
import type { Outbox } from '@mailfleet/outbox';
import { AttachmentError, type AttachmentContent, type AttachmentStore } from '@mailfleet/attachments';
import { RenderError, parseTemplateData, type TemplateRenderer } from '../adapters/template-renderer';
import type { SenderStore } from '../adapters/sender-store';
import type { SmtpTransport } from '../adapters/smtp-transport';
import { canAttempt, closedBreaker, onOutage, onSuccess, type BreakerState } from '../domain/circuit-breaker';
import type { AttemptRecord, MailState } from '../domain/mail-state';
import { TokenBucket } from '../domain/rate-limiter';
import { classify, isOutage, nextStep, type Failure, type RetryPolicy } from '../domain/send-policy';
import { mailDeadLettered, mailSendFailed, mailSent } from './sender-events';
import type { SenderMetrics } from './sender-metrics';

export interface DispatcherOptions {
  readonly client: MongoClient;
  readonly store: SenderStore;
  readonly outbox: Outbox;
  readonly renderer: TemplateRenderer;
  readonly attachments: AttachmentStore;
  readonly smtp: SmtpTransport;
  readonly mailEvents: TopicDefinition;
  readonly from: string;
  readonly retry: RetryPolicy;
  readonly concurrency: number;
  readonly ratePerSecond: number;
  readonly pollIntervalMs: number;
  /** A mail still `sending` after this long is assumed interrupted and is sent again (same Message-ID). */
  readonly sendingGraceMs: number;
  readonly breaker: { readonly threshold: number; readonly cooldownMs: number };
  readonly metrics: SenderMetrics;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly newId: () => string;
  readonly random?: () => number;
  /** Test-only fault injection: die right after the SMTP server accepted, before recording it. */
  readonly crashAfterAccept?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Dispatcher {
  private running = false;
  private loop: Promise<void> | undefined;
  private inFlight = new Set<Promise<void>>();
  private breaker: BreakerState = closedBreaker;
  private readonly bucket: TokenBucket;
  private wake: (() => void) | undefined;

  constructor(private readonly o: DispatcherOptions) {
    this.bucket = new TokenBucket(o.ratePerSecond, Date.now());
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Lets the attempts in flight finish (and be recorded), then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await Promise.all(this.inFlight);
  }

  /** New work may be there (a request was just recorded). */
  notify(): void {
    this.wake?.();
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const now = Date.now();
        const gate = canAttempt(this.breaker, now);
        this.breaker = gate.next;
        this.o.metrics.circuitOpen.set(this.breaker.state === 'open' ? 1 : 0);
        if (!gate.allowed) {
          await this.idle(Math.min(this.o.pollIntervalMs, this.breaker.openUntil - now));
          continue;
        }
        // Half-open: one probe at a time; otherwise up to the concurrency limit.
        const limit = this.breaker.state === 'half-open' ? 1 : this.o.concurrency;
        if (this.inFlight.size >= limit) {
          await Promise.race(this.inFlight);
          continue;
        }
        const token = this.bucket.take(now);
        if (!token.ok) {
          await sleep(token.waitMs);
          continue;
        }
        const claimed = await this.o.store.claimDue(this.o.now().getTime(), this.o.sendingGraceMs);
        if (!claimed) {
          await this.idle(this.o.pollIntervalMs);
          continue;
        }
        const attempt = this.attempt(claimed).finally(() => {
          this.inFlight.delete(attempt);
          this.o.metrics.inFlight.set(this.inFlight.size);
        });
        this.inFlight.add(attempt);
        this.o.metrics.inFlight.set(this.inFlight.size);
      } catch (err) {
        this.o.logger.warn({ err }, 'dispatcher round failed; retrying');
        await sleep(1_000);
      }
    }
  }

  /** One attempt for a claimed mail (`before` is its state before the claim). */
  private async attempt(before: MailState): Promise<void> {
    const attempt = before.attempt + 1;
    const log = this.o.logger.child({
      mailId: before.mailId,
      attempt,
      correlationId: before.cause.correlationId,
    });
    if (before.status === 'sending') {
      this.o.metrics.resumed.inc();
      log.warn(
        { messageId: before.messageId },
        'previous attempt was interrupted; sending again with the same Message-ID',
      );
    }
    const request = before.request;
    let rendered;
    let attachments: AttachmentContent[];
    try {
      rendered = this.o.renderer.render(
        request.templateId,
        request.templateVersion,
        request.locale,
        parseTemplateData(request.templateData),
      );
      attachments = await this.o.attachments.load(request.attachments);
    } catch (err) {
      if (!(err instanceof RenderError) && !(err instanceof AttachmentError)) throw err;
      return this.failed(before, attempt, { errorClass: 'invalid-request', message: err.message }, log);
    }
    const end = this.o.metrics.latency.startTimer();
    let result;
    try {
      result = await this.o.smtp.send({
        from: this.o.from,
        to: request.recipient.name
          ? `"${request.recipient.name.replace(/"/g, '')}" <${request.recipient.email}>`
          : request.recipient.email,
        subject: rendered.subject,
        html: rendered.html,
        text: rendered.text,
        attachments,
        messageId: before.messageId,
        headers: { 'X-Mailfleet-Mail-Id': before.mailId, 'X-Correlation-Id': before.cause.correlationId },
      });
    } catch (err) {
      end();
      return this.failed(before, attempt, classify(err), log);
    }
    end();
    if (this.o.crashAfterAccept) process.kill(process.pid, 'SIGKILL');
    this.breaker = onSuccess();
    const now = this.o.now();
    await this.o.client.withSession((session) =>
      session.withTransaction(async () => {
        const owned = await this.o.store.finish(session, before.mailId, attempt, {
          status: 'sent',
          sentAt: now.getTime(),
          sendingSince: null,
        });
        if (owned)
          await this.o.outbox.add(
            session,
            mailSent(this.o.mailEvents, before, attempt, result, this.o.newId(), now),
          );
      }),
    );
    this.o.metrics.sent.inc();
    log.info({ messageId: before.messageId }, 'mail sent');
  }

  private async failed(before: MailState, attempt: number, failure: Failure, log: Logger): Promise<void> {
    const now = this.o.now();
    const step = nextStep(failure, attempt, this.o.retry, now.getTime(), this.o.random ?? Math.random);
    this.o.metrics.failures.inc({ class: failure.errorClass });
    if (isOutage(failure))
      this.breaker = onOutage(this.breaker, Date.now(), this.o.breaker.threshold, this.o.breaker.cooldownMs);
    const record: AttemptRecord = {
      attempt,
      errorClass: failure.errorClass,
      errorMessage: failure.message,
      failedAt: now.getTime(),
    };
    const history = [...before.history, record];
    await this.o.client.withSession((session) =>
      session.withTransaction(async () => {
        const finish = (set: Partial<MailState>) =>
          this.o.store.finish(session, before.mailId, attempt, { sendingSince: null, ...set });
        switch (step.type) {
          case 'defer': {
            // The SMTP server is unreachable: not this mail's fault, so the attempt is given back.
            const at = Math.max(step.at, this.breaker.state === 'open' ? this.breaker.openUntil : 0);
            await finish({ status: 'retrying', attempt: attempt - 1, nextAttemptAt: at });
            return;
          }
          case 'retry':
            if (await finish({ status: 'retrying', nextAttemptAt: step.at, history })) {
              await this.o.outbox.add(
                session,
                mailSendFailed(this.o.mailEvents, before, record, step.at, this.o.newId(), now),
              );
            }
            return;
          case 'fail':
            if (await finish({ status: 'failed', history })) {
              await this.o.outbox.add(
                session,
                mailSendFailed(this.o.mailEvents, before, record, null, this.o.newId(), now),
              );
            }
            return;
          case 'dead':
            if (await finish({ status: 'dead', history })) {
              await this.o.outbox.add(
                session,
                mailSendFailed(this.o.mailEvents, before, record, null, this.o.newId(), now),
              );
              await this.o.outbox.add(
                session,
                mailDeadLettered(this.o.mailEvents, before, history, this.o.newId(), now),
              );
            }
            return;
          default: {
            const unreachable: never = step;
            throw new Error(`unknown step ${JSON.stringify(unreachable)}`);
          }
        }
      }),
    );
    if (step.type === 'retry') this.o.metrics.retries.inc();
    if (step.type === 'fail') this.o.metrics.failed.inc();
    if (step.type === 'dead') this.o.metrics.dead.inc();
    log.warn(
      { errorClass: failure.errorClass, error: failure.message, next: step.type },
      'send attempt failed',
    );
  }
}
