// The webhook receiver: verify the request against the raw bytes, read the notifications, store each once
// with the events it becomes (one transaction with the outbox), answer. A refused request stores nothing;
// a notification seen before changes nothing; MongoDB unavailable is a 503, so the provider retries.
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { statusFor } from '@mailfleet/webhooks';
import type { Logger } from '@mailfleet/logger';
import type { NotificationStore } from '../adapters/notification-store';
import { decide } from '../domain/feedback-decision';
import type { FeedbackMetrics } from './feedback-metrics';
import { recordNotifications } from './record-notifications';
import { registerUnsubscribeRoutes } from './unsubscribe-routes';
import type { WebhookRoute } from './webhook-routes';

export interface FeedbackServerOptions {
  readonly routes: readonly WebhookRoute[];
  readonly store: NotificationStore;
  readonly messageIdDomain: string;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  readonly metrics: FeedbackMetrics;
  /** UNSUBSCRIBE_KEYS: when set, the one-click unsubscribe endpoint (RFC 8058) is served. */
  readonly unsubscribeKeys?: readonly string[] | undefined;
  readonly now?: () => Date;
}

export function createFeedbackServer(o: FeedbackServerOptions): FastifyInstance {
  const now = o.now ?? (() => new Date());
  const server = Fastify({
    bodyLimit: o.maxBodyBytes,
    genReqId: () => randomUUID(),
    // An unsubscribe token (a sealed claim, ~200 characters) is a path parameter.
    routerOptions: { maxParamLength: 2_000 },
  });
  // The signature covers the bytes as sent: keep them, parse later.
  server.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
    done(null, body),
  );
  for (const route of o.routes) {
    server.post(route.path, async (request, reply) => {
      const log = o.logger.child({ provider: route.provider, correlationId: request.id });
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const answer = (status: number, body: object) => {
        o.metrics.requests.inc({ provider: route.provider, status });
        return reply.code(status).send(body);
      };
      const json = parseJson(rawBody);
      const at = now();
      const verdict = route.verify({ rawBody, headers: request.headers }, json, at.getTime());
      if (!verdict.ok) {
        // The body is not logged: it is unauthenticated and may carry addresses.
        log.warn({ reason: verdict.reason, from: request.ip }, `webhook refused: ${verdict.message}`);
        return answer(statusFor(verdict), { error: verdict.reason });
      }
      const parsed =
        json === undefined ? { ok: false as const, problem: 'the body is not JSON' } : route.parse(json, at);
      if (!parsed.ok) {
        log.warn({ problem: parsed.problem }, 'signed webhook with a body that is not a notification');
        return answer(400, { error: 'invalid-body', problem: parsed.problem });
      }
      const decisions = parsed.notifications.map((n) => decide(n, o.messageIdDomain));
      const fresh = await recordNotifications(o, route.provider, decisions, log);
      return answer(200, { received: decisions.length, new: fresh.length });
    });
  }
  if (o.unsubscribeKeys !== undefined)
    registerUnsubscribeRoutes(server, { ...o, keys: o.unsubscribeKeys, now });
  server.setErrorHandler((err: { statusCode?: number; message: string; code?: string }, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status < 500)
      return reply.code(status).send({ error: err.code ?? 'bad-request', problem: err.message });
    // Nothing was stored (the transaction did not commit): the provider retries on a 5xx.
    o.logger.error({ err, correlationId: request.id, url: request.url }, 'webhook not stored');
    return reply.code(503).header('retry-after', '30').send({ error: 'unavailable' });
  });
  return server;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
