// mail.requested -> the sender's state. Recording is all the consumer does: sending happens in the
// dispatcher, so a slow or failing mail never holds back the other mails of its partition.
import type { MongoClient } from 'mongodb';
import { mailAddressProblem, type DecodedEvent, type TopicDefinition } from '@mailfleet/contracts';
import type { HandlerContext } from '@mailfleet/kafka';
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
  /** Called after a new mail was recorded, to wake the dispatcher. */
  readonly onRecorded: () => void;
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

export function createRequestHandler(deps: RequestHandlerDeps) {
  return async (event: DecodedEvent<'MailRequested'>, ctx: HandlerContext): Promise<void> => {
    const request = event.payload;
    const now = deps.now();
    const invalid = invalidReason(deps, request);
    const state: MailState = {
      mailId: request.mailId,
      status: invalid ? 'failed' : 'requested',
      attempt: 0,
      nextAttemptAt: now.getTime(),
      sendingSince: null,
      queuedAt: now.getTime(),
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
    let recorded = false;
    await deps.client.withSession((session) =>
      session.withTransaction(async () => {
        recorded = await deps.store.recordRequest(session, state);
        if (recorded && invalid) {
          await deps.outbox.add(
            session,
            mailSendFailed(deps.mailEvents, state, state.history[0]!, null, deps.newId(), now),
          );
        }
      }),
    );
    if (!recorded) {
      ctx.logger.info({ mailId: request.mailId }, 'mail already known; not sent again');
      return;
    }
    if (invalid) {
      deps.metrics.failures.inc({ class: 'invalid-request' });
      deps.metrics.failed.inc();
      ctx.logger.warn({ mailId: request.mailId, reason: invalid }, 'invalid mail request');
      return;
    }
    ctx.logger.info({ mailId: request.mailId }, 'mail accepted for sending');
    deps.onRecorded();
  };
}
