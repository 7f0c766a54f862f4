// The sink's HTTP side: read what was received, and arm faults.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { faultRuleSchema, type FaultPlan } from './fault-plan';
import type { MessageStore } from './message-store';

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

export function createHttpApi(store: MessageStore, faults: FaultPlan): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const route = `${req.method} ${url.pathname}`;
    const handle = async () => {
      switch (route) {
        case 'GET /healthz':
          return send(res, 200, { status: 'ok' });
        case 'GET /api/messages':
          return send(
            res,
            200,
            store.find({
              messageId: url.searchParams.get('messageId') ?? undefined,
              to: url.searchParams.get('to') ?? undefined,
            }),
          );
        case 'DELETE /api/messages':
          store.clear();
          return send(res, 204, {});
        case 'GET /api/faults':
          return send(res, 200, faults.list());
        case 'POST /api/faults': {
          const parsed = faultRuleSchema.safeParse(await readJson(req));
          if (!parsed.success) {
            return send(res, 400, {
              error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`),
            });
          }
          faults.add(parsed.data);
          return send(res, 201, faults.list());
        }
        case 'DELETE /api/faults':
          faults.clear();
          return send(res, 204, {});
        default:
          return send(res, 404, { error: `no route ${route}` });
      }
    };
    handle().catch((err: unknown) => send(res, 400, { error: String(err) }));
  });
}
