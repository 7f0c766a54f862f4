// mail.requested -> the sender's state. Recording is all the consumer does: sending happens in the
// dispatcher, so a slow or failing mail never holds back the other mails of its partition.
import type { MongoClient } from 'mongodb';
import { mailAddressProblem, type DecodedEvent, type TopicDefinition } from '@mailfleet/contracts';
import type { BatchHandler, HandlerContext } from '@mailfleet/kafka';
import type { Outbox } from '@mailfleet/outbox';
import { RenderError, parseTemplateData, type TemplateRenderer } from '../adapters/template-renderer';
import type { SenderStore } from '../adapters/sender-store';
import { messageIdFor, type MailState } from '../domain/mail-state';
import { mailSendFailed } from './sender-events';
import type { SenderMetrics } from './sender-metrics';

export interface RequestHandlerDeps {
  readonly client: MongoClient;
  readonly store: SenderStore;
  readonly outbox: Outbox;
  readonly renderer: TemplateRenderer;
  readonly mailEvents: TopicDefinition;
  readonly messageIdDomain: string;
  readonly metrics: SenderMetrics;
  readonly now: () => Date;
  readonly newId: () => string;
  /** Called after a new mail was recorded, to wake the dispatcher; `high`: a HIGH-priority one among them. */
  readonly onRecorded: (high: boolean) => void;
}

/** Why a request can never be sent, or undefined when it can. */
function invalidReason(
  deps: RequestHandlerDeps,
  request: DecodedEvent<'MailRequested'>['payload'],
): string | undefined {
  const problem = mailAddressProblem(request.recipient.email);
  if (problem !== undefined)
    return `malformed recipient address ${JSON.stringify(request.recipient.email.slice(0, 80))}: ${problem}`;
  try {
    deps.renderer.render(
      request.templateId,
      request.templateVersion,
      request.locale,
      parseTemplateData(request.templateData),
    );
    return undefined;
  } catch (err) {
    if (err instanceof RenderError) return err.message;
    throw err;
  }
}

/** The sender's first state of a requested mail: due now (or at its notBefore), or failed at once when it can never be sent. */
function initialState(
  deps: RequestHandlerDeps,
  event: DecodedEvent<'MailRequested'>,
  ctx: HandlerContext,
  now: Date,
): { state: MailState; invalid: string | undefined } {
  const request = event.payload;
  const invalid = invalidReason(deps, request);
  // Held until notBefore (the end of the recipient's quiet hours): the queue's schedule is the timer
  // that survives restarts, and the retry age starts when the mail may go, not while it is held.
  const dueAt = Math.max(now.getTime(), request.notBefore ?? 0);
  const state: MailState = {
    mailId: request.mailId,
    status: invalid ? 'failed' : 'requested',
    attempt: 0,
    nextAttemptAt: dueAt,
    sendingSince: null,
    queuedAt: dueAt,
    ambiguousResends: 0,
    request,
    cause: {
      eventId: ctx.envelope.eventId,
      correlationId: ctx.envelope.correlationId,
      traceparent: ctx.envelope.traceparent,
    },
    messageId: messageIdFor(request.mailId, deps.messageIdDomain),
    history: invalid
      ? [{ attempt: 1, errorClass: 'invalid-request', errorMessage: invalid, failedAt: now.getTime() }]
      : [],
    sentAt: null,
  };
  return { state, invalid };
}

/**
 * Records the requests of a chunk with a fixed number of round trips. A chunk of valid requests is one
 * unordered insert (the mail id is the deduplication: store.recordNew); a chunk with an invalid one
 * needs its MailSendFailed event written with the state, so it is one transaction (a read for the known
 * ones, one insert for the new, one outbox write for the invalid). The consumer runner hands it a
 * chunk of one when a chunk failed and its records go one by one.
 */
export function createRequestBatchHandler(deps: RequestHandlerDeps): BatchHandler {
  // A call that failed may have inserted some of its mails: the next one wakes the dispatcher whatever
  // it finds, so that a mail recorded by a failed call is never left unseen until the next poll.
  let lastCallFailed = false;
  return async (records) => {
    const now = deps.now();
    const all = records.map((r) => ({
      ...initialState(deps, r.event as DecodedEvent<'MailRequested'>, r.context, now),
      logger: r.context.logger,
    }));
    let fresh: typeof all;
    try {
      fresh = all.some((a) => a.invalid)
        ? await recordInTransaction(deps, all, now)
        : await recordAll(deps, all);
    } catch (err) {
      lastCallFailed = true;
      throw err;
    }
    const recorded = new Set(fresh.map((a) => a.state.mailId));
    let accepted = 0;
    let high = false;
    for (const { state, invalid, logger } of all) {
      if (!recorded.has(state.mailId)) {
        logger.info({ mailId: state.mailId }, 'mail already known; not sent again');
      } else if (invalid) {
        deps.metrics.failures.inc({ class: 'invalid-request' });
        deps.metrics.failed.inc();
        logger.warn({ mailId: state.mailId, reason: invalid }, 'invalid mail request');
      } else {
        logger.info({ mailId: state.mailId }, 'mail accepted for sending');
        accepted++;
        high ||= state.request.priority === 'HIGH';
      }
    }
    // After a failed call, a HIGH mail it may have recorded is looked for too.
    if (accepted > 0 || lastCallFailed) deps.onRecorded(high || lastCallFailed);
    lastCallFailed = false;
  };
}

type Initial = ReturnType<typeof initialState>;

/** The first of each mail id: the same mail twice in one chunk is recorded once. */
function firstOfEach<T extends Initial>(all: readonly T[]): T[] {
  const seen = new Set<string>();
  return all.filter((a) => {
    if (seen.has(a.state.mailId)) return false;
    seen.add(a.state.mailId);
    return true;
  });
}

/** Valid requests only: one unordered insert; the ones refused as duplicates were known. */
async function recordAll<T extends Initial>(deps: RequestHandlerDeps, all: readonly T[]): Promise<T[]> {
  const candidates = firstOfEach(all);
  const known = await deps.store.recordNew(candidates.map((a) => a.state));
  return candidates.filter((a) => !known.has(a.state.mailId));
}

/** With invalid requests: states and their MailSendFailed events in one transaction. */
async function recordInTransaction<T extends Initial>(
  deps: RequestHandlerDeps,
  all: readonly T[],
  now: Date,
): Promise<T[]> {
  let fresh: T[] = [];
  await deps.client.withSession((session) =>
    session.withTransaction(async () => {
      const known = await deps.store.knownAmong(
        session,
        all.map((a) => a.state.mailId),
      );
      // A replayed request, or the same mail twice in one chunk, is recorded once.
      fresh = firstOfEach(all).filter((a) => !known.has(a.state.mailId));
      await deps.store.recordRequests(
        session,
        fresh.map((a) => a.state),
      );
      await deps.outbox.addMany(
        session,
        fresh
          .filter((a) => a.invalid)
          .map((a) => mailSendFailed(deps.mailEvents, a.state, a.state.history[0]!, null, deps.newId(), now)),
      );
    }),
  );
  return fresh;
}
