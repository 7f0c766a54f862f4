// One claimed attempt, start to record: the claim renewed while it runs (a lost claim aborts it), the
// attempt itself (send-attempt.ts), and its outcome handed to the recorder with the next step.
import type { Logger } from '@mailfleet/logger';
import { isSystemWide, type Failure } from '../domain/failure-classes';
import type { AttemptRecord, MailState } from '../domain/mail-state';
import { nextStep, type NextStep } from '../domain/send-policy';
import type { DispatcherOptions } from './dispatcher';
import { runAttempt } from './send-attempt';
import type { SmtpPathGate } from './smtp-path-gate';

/**
 * One attempt for a claimed mail (`before` is its state before the claim): sent, given back when stopped
 * before the final dot, or failed, with the next step decided by the send policy.
 */
export async function runClaimedAttempt(
  o: DispatcherOptions,
  gate: SmtpPathGate,
  before: MailState,
  shutdown: AbortSignal,
): Promise<void> {
  const owner = before.attempt + 1;
  const log = o.logger.child({
    mailId: before.mailId,
    attempt: owner,
    correlationId: before.cause.correlationId,
  });
  if (before.status === 'sending') {
    // Its sender died mid-attempt: whether the server got the mail is unknown. Treated like a
    // connection lost after the final dot: resent only after the ambiguous delay, if at all.
    o.metrics.resumed.inc();
    log.warn({ messageId: before.messageId }, 'previous attempt was interrupted; its outcome is unknown');
    const failure: Failure = {
      errorClass: 'ambiguous',
      message: `the sender running attempt ${before.attempt} stopped before recording its outcome; the mail may have been delivered`,
    };
    await recordFailure(o, gate, before, owner, before.attempt, failure, log);
    return;
  }
  const claimLost = new AbortController();
  const signal = AbortSignal.any([shutdown, claimLost.signal]);
  const renewal = setInterval(
    () => {
      o.store.renewClaim(before.mailId, owner).then(
        (owned) => {
          if (!owned) claimLost.abort();
        },
        (err: unknown) => log.warn({ err }, 'could not renew the claim'),
      );
    },
    Math.max(50, Math.floor(o.sendingGraceMs / 3)),
  );
  const end = o.metrics.latency.startTimer();
  let outcome;
  try {
    outcome = await runAttempt(o, before, signal);
  } finally {
    clearInterval(renewal);
    end();
  }
  switch (outcome.type) {
    case 'sent':
      if (o.crashAfterAccept) process.kill(process.pid, 'SIGKILL');
      gate.succeeded();
      await o.recorder.sent(before, owner, outcome.result);
      o.metrics.sent.inc();
      log.info({ messageId: before.messageId }, 'mail sent');
      return;
    case 'aborted':
      await o.recorder.aborted(before, owner);
      log.info('attempt aborted before the final dot; given back');
      return;
    case 'failed':
      await recordFailure(o, gate, before, owner, owner, outcome.failure, log);
      return;
    default: {
      const unreachable: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(unreachable)}`);
    }
  }
}

/** Records a failed attempt and what comes next; a system-wide failure counts against the SMTP path. */
async function recordFailure(
  o: DispatcherOptions,
  gate: SmtpPathGate,
  before: MailState,
  owner: number,
  attempt: number,
  failure: Failure,
  log: Logger,
): Promise<void> {
  const now = o.now().getTime();
  let step: NextStep = nextStep(
    failure,
    { attempt, queuedAt: before.queuedAt, ambiguousResends: before.ambiguousResends },
    o.retry,
    o.ambiguity,
    now,
    o.random ?? Math.random,
  );
  o.metrics.failures.inc({ class: failure.errorClass });
  if (isSystemWide(failure)) {
    const path = gate.outage(now);
    if (path.open) {
      if (path.opened)
        log.warn(
          { reason: failure.message, until: new Date(gate.openUntil).toISOString() },
          'SMTP path unavailable; circuit breaker open, no attempts charged',
        );
      if (step.type === 'defer') step = { type: 'defer', at: Math.max(step.at, gate.openUntil) };
    }
  }
  const record: AttemptRecord = {
    attempt,
    errorClass: failure.errorClass,
    errorMessage: failure.message,
    failedAt: now,
  };
  await o.recorder.failed(before, owner, record, step);
  if (step.type === 'retry') o.metrics.retries.inc();
  if (step.type === 'resend-later') o.metrics.ambiguous.inc({ next: 'resend' });
  if (step.type === 'ambiguous') o.metrics.ambiguous.inc({ next: 'none' });
  if (step.type === 'fail') o.metrics.failed.inc();
  if (step.type === 'dead') o.metrics.dead.inc();
  log.warn(
    { errorClass: failure.errorClass, error: failure.message, next: step.type },
    'send attempt failed',
  );
}
