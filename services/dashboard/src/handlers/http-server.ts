// The dashboard's HTTP face: the page (static files, no data in them) and the read-only JSON API behind a
// bearer token, on Fastify (routing, HEAD for every GET, one error handler). Only GET and HEAD exist;
// the API never writes anything.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { withLogContext, type Logger } from '@mailfleet/logger';
import type { ReadModelReader } from '../adapters/read-model-reader';
import { answer } from './api-answers';
import { API_INDEX, API_ROUTES, parseApiRequest } from './api-routes';

const STATIC_FILES: readonly [string, () => string, string][] = [
  ['/', () => webFile('index.html'), 'text/html; charset=utf-8'],
  ['/app.js', () => webFile('app.js'), 'text/javascript; charset=utf-8'],
  ['/style.css', () => webFile('style.css'), 'text/css; charset=utf-8'],
  // chart.js exports no subpath for its browser bundle; it sits next to the package's main file.
  [
    '/vendor/chart.umd.js',
    () => path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js'),
    'text/javascript; charset=utf-8',
  ],
];

function webFile(name: string): string {
  return path.join(__dirname, '..', 'web', name);
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const WRITE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export interface DashboardServerOptions {
  readonly token: string;
  readonly reader: ReadModelReader;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly now?: () => Date;
}

function httpMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'dashboard_http_requests_total',
      help: 'HTTP requests by endpoint kind and status',
      labelNames: ['endpoint', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'dashboard_api_duration_seconds',
      help: 'API answer time',
      labelNames: ['endpoint'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

/** The dashboard's server, not yet listening. */
export function createDashboardServer(options: DashboardServerOptions): FastifyInstance {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(options.token);
  const now = options.now ?? (() => new Date());
  const { requests, duration } = httpMetrics(options.metrics);
  const fail = (
    reply: FastifyReply,
    status: number,
    error: string,
    endpoint: string,
    extra: Readonly<Record<string, string>> = {},
  ) => {
    requests.inc({ endpoint, status });
    return reply
      .code(status)
      .headers(SECURITY_HEADERS)
      .header('cache-control', 'no-store')
      .send({ error, ...extra });
  };

  const app = Fastify({
    // pino's Logger is Fastify's logger; only the declared types differ.
    loggerInstance: options.logger as FastifyBaseLogger,
    // A line per request would drown the service's own; the API logs its answers at debug.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // A malformed URL (bad percent-encoding) is the caller's mistake: a 400 that says so.
    frameworkErrors: (err, req, reply) =>
      void fail(reply, 400, `${req.url} is not a valid URL: ${err.message}`, 'rejected'),
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    return payload;
  });

  // Compared as digests so the comparison takes the same time whatever the length of the guess.
  const authorized = (req: FastifyRequest): boolean => {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return match !== null && timingSafeEqual(digest(match[1]!), expected);
  };
  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/') || authorized(req)) return;
    void reply.header('www-authenticate', 'Bearer realm="mailfleet-dashboard"');
    await fail(
      reply,
      401,
      'missing or wrong token: send "Authorization: Bearer <DASHBOARD_TOKEN>"',
      'unauthorized',
    );
  });

  for (const [url, file, type] of STATIC_FILES) {
    const body = readFileSync(file());
    app.get(url, (_req, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }

  for (const route of API_ROUTES) {
    app.get(route.url, (req, reply) =>
      withLogContext({ correlationId: req.id }, async () => {
        const search = new URL(req.url, 'http://dashboard').searchParams;
        const parsed = parseApiRequest(route, req.params as Record<string, string>, search);
        if (!parsed.ok) return fail(reply, parsed.status, parsed.error, 'rejected');
        const endpoint = parsed.query.kind;
        const stop = duration.startTimer({ endpoint });
        const result = await answer(parsed.query, options.reader, now());
        stop();
        requests.inc({ endpoint, status: result.status });
        req.log.debug({ endpoint, status: result.status, requestId: req.id }, 'api request');
        return reply.code(result.status).header('cache-control', 'no-store').send(result.body);
      }),
    );
  }

  app.route({
    method: [...WRITE_METHODS],
    url: '/*',
    handler: (_req, reply) =>
      fail(reply.header('allow', 'GET, HEAD'), 405, 'the dashboard is read-only: use GET', 'rejected'),
  });

  app.setNotFoundHandler((req, reply) =>
    req.url.startsWith('/api/')
      ? fail(reply, 404, `no such endpoint ${req.url.split('?')[0]}; ${API_INDEX}`, 'rejected')
      : fail(reply, 404, `no such page ${req.url.split('?')[0]}`, 'page'),
  );

  app.setErrorHandler((err, req, reply) => {
    req.log.error({ err, requestId: req.id }, 'api request failed');
    return fail(reply, 503, 'the read models are unavailable right now; try again', 'error', {
      requestId: req.id,
    });
  });
  return app;
}
