import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

export type ReadinessCheck = () => Promise<boolean> | boolean;

/** A metrics registry with the process metrics every service exposes. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Serves /healthz (the process is alive), /readyz (every check passes) and /metrics. Read-only: any
 * method but GET and HEAD is refused.
 */
export function startOpsServer(options: {
  port: number;
  host?: string;
  registry: Registry;
  readiness: Readonly<Record<string, ReadinessCheck>>;
}): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    const reply = async () => {
      if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (path === '/readyz') {
        const results: Record<string, boolean> = {};
        for (const [name, check] of Object.entries(options.readiness)) {
          results[name] = await Promise.resolve(check()).catch(() => false);
        }
        const ready = Object.values(results).every(Boolean);
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: ready ? 'ready' : 'not-ready', checks: results }));
      } else if (path === '/metrics') {
        res
          .writeHead(200, { 'content-type': options.registry.contentType })
          .end(await options.registry.metrics());
      } else {
        res.writeHead(404).end();
      }
    };
    reply().catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve(server));
  });
}
