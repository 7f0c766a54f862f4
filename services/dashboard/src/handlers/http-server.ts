// The dashboard's HTTP face: the page (static files, no data in them) and the read-only JSON API behind a
// bearer token. Only GET and HEAD exist; the API never writes anything.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { Counter, Histogram, type Registry } from 'prom-client';
import { withLogContext, type Logger } from '@mailfleet/logger';
import { parseApiRequest } from './api-request';
import type { ReadModelReader } from '../adapters/read-model-reader';
import { answer } from './api-answers';

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

function staticFiles(): ReadonlyMap<string, StaticFile> {
  const web = path.join(__dirname, '..', 'web');
  const file = (p: string, type: string): StaticFile => ({ body: readFileSync(p), type });
  return new Map([
    ['/', file(path.join(web, 'index.html'), 'text/html; charset=utf-8')],
    ['/app.js', file(path.join(web, 'app.js'), 'text/javascript; charset=utf-8')],
    ['/style.css', file(path.join(web, 'style.css'), 'text/css; charset=utf-8')],
    ['/vendor/chart.umd.js', file(chartJsBundle(), 'text/javascript; charset=utf-8')],
  ]);
}

// chart.js exports no subpath for its browser bundle; it sits next to the package's main file.
function chartJsBundle(): string {
  return path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.js');
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface DashboardServerOptions {
  readonly token: string;
  readonly reader: ReadModelReader;
  readonly logger: Logger;
  readonly metrics: Registry;
  readonly now?: () => Date;
}

export function createDashboardServer(options: DashboardServerOptions): Server {
  const files = staticFiles();
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const expected = digest(options.token);
  const now = options.now ?? (() => new Date());
  const requests = new Counter({
    name: 'dashboard_http_requests_total',
    help: 'HTTP requests by endpoint kind and status',
    labelNames: ['endpoint', 'status'],
    registers: [options.metrics],
  });
  const duration = new Histogram({
    name: 'dashboard_api_duration_seconds',
    help: 'API answer time',
    labelNames: ['endpoint'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [options.metrics],
  });

  const send = (res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    const json = JSON.stringify(body);
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      ...extra,
    });
    res.end(res.req.method === 'HEAD' ? undefined : json);
  };

  // Compared as digests so the comparison takes the same time whatever the length of the guess.
  const authorized = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]!), expected);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, requestId: string) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith('/api/')) {
      const file = files.get(url.pathname);
      if (!file) return send(res, 404, { error: `no such page ${url.pathname}` });
      if (method !== 'GET' && method !== 'HEAD')
        return send(res, 405, { error: 'read-only: use GET' }, { allow: 'GET, HEAD' });
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'cache-control': 'no-cache' });
      return res.end(method === 'HEAD' ? undefined : file.body);
    }
    if (!authorized(req)) {
      requests.inc({ endpoint: 'unauthorized', status: 401 });
      return send(
        res,
        401,
        { error: 'missing or wrong token: send "Authorization: Bearer <DASHBOARD_TOKEN>"' },
        { 'www-authenticate': 'Bearer realm="mailfleet-dashboard"' },
      );
    }
    const parsed = parseApiRequest(method, url.pathname, url.searchParams);
    if (!parsed.ok) {
      requests.inc({ endpoint: 'rejected', status: parsed.status });
      return send(
        res,
        parsed.status,
        { error: parsed.error },
        parsed.status === 405 ? { allow: 'GET, HEAD' } : {},
      );
    }
    const endpoint = parsed.query.kind;
    const stop = duration.startTimer({ endpoint });
    const result = await answer(parsed.query, options.reader, now());
    stop();
    requests.inc({ endpoint, status: result.status });
    options.logger.debug({ endpoint, status: result.status, requestId }, 'api request');
    send(res, result.status, result.body);
  };

  return createServer((req, res) => {
    const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
    withLogContext({ correlationId: requestId }, () => {
      handle(req, res, requestId).catch((err: unknown) => {
        options.logger.error({ err, requestId }, 'api request failed');
        requests.inc({ endpoint: 'error', status: 503 });
        if (!res.headersSent)
          send(res, 503, { error: 'the read models are unavailable right now; try again', requestId });
        else res.end();
      });
    });
  });
}
