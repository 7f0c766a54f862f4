// The one-click unsubscribe endpoint (RFC 8058) behind each mail's List-Unsubscribe link. POST (a mailbox
// provider's button, or the form below) records the unsubscribe; GET only shows that form, because mail
// filters and link scanners fetch URLs with GET and must not unsubscribe anyone (RFC 8058 §3.2, §4).
import type { FastifyInstance } from 'fastify';
import type { Logger } from '@mailfleet/logger';
import { openUnsubscribeToken } from '@mailfleet/suppression';
import type { NotificationStore } from '../adapters/notification-store';
import { decide } from '../domain/feedback-decision';
import { ONE_CLICK_BODY, isOneClickBody, unsubscribeNotification } from '../domain/one-click';
import type { FeedbackMetrics } from './feedback-metrics';
import { recordNotifications } from './record-notifications';

export interface UnsubscribeRouteOptions {
  readonly keys: readonly string[];
  readonly store: NotificationStore;
  readonly messageIdDomain: string;
  readonly logger: Logger;
  readonly metrics: FeedbackMetrics;
  readonly now: () => Date;
}

export const UNSUBSCRIBE_PATH = '/unsubscribe/:token';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head>` +
  `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;

const INVALID = page(
  'This link is not valid',
  '<p>The unsubscribe link is incomplete or altered. Copy the whole link from the mail, or use the link of a newer mail.</p>',
);

export function registerUnsubscribeRoutes(server: FastifyInstance, o: UnsubscribeRouteOptions): void {
  // Both bodies RFC 8058 allows; only the presence of the one-click key matters, so keep them as text.
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data'])
    server.addContentTypeParser(type, { parseAs: 'string' }, (_req, body, done) => done(null, body));

  server.get<{ Params: { token: string } }>(UNSUBSCRIBE_PATH, async (request, reply) => {
    const claim = openUnsubscribeToken(request.params.token, o.keys);
    reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    if (claim === null) return reply.code(404).send(INVALID);
    return reply
      .code(200)
      .send(
        page(
          `Unsubscribe from ${claim.category} mail?`,
          `<p>You will no longer receive ${escapeHtml(claim.category)} mail at this address. Mail about your orders themselves still comes.</p>` +
            `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
            `<button type="submit">Unsubscribe</button></form>`,
        ),
      );
  });

  server.post<{ Params: { token: string } }>(UNSUBSCRIBE_PATH, async (request, reply) => {
    const log = o.logger.child({ provider: 'one-click', correlationId: request.id });
    const answer = (status: number) => {
      o.metrics.requests.inc({ provider: 'one-click', status });
      return reply
        .code(status)
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store');
    };
    const claim = openUnsubscribeToken(request.params.token, o.keys);
    if (claim === null) {
      // The token is not logged: an altered one is noise, a valid-looking one could be replayed from logs.
      log.warn({ from: request.ip }, 'unsubscribe refused: the token does not open with any key');
      return answer(404).send(INVALID);
    }
    const body = typeof request.body === 'string' ? request.body : '';
    if (!isOneClickBody(body))
      return answer(400).send(
        page(
          'Not an unsubscribe request',
          `<p>A one-click unsubscribe is a POST with the body ${ONE_CLICK_BODY} (RFC 8058).</p>`,
        ),
      );
    const decision = decide(unsubscribeNotification(claim, o.now()), o.messageIdDomain);
    await recordNotifications(o, 'one-click', [decision], log);
    return answer(200).send(
      page(
        'You are unsubscribed',
        `<p>You will no longer receive ${escapeHtml(claim.category)} mail at this address.</p>`,
      ),
    );
  });
}
