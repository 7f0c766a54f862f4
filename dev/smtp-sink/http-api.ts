// The sink's HTTP side, on Fastify: read what was received, and arm faults.
import Fastify, { type FastifyInstance } from 'fastify';
import { faultRuleSchema, type FaultPlan } from './fault-plan';
import type { MessageStore } from './message-store';

/** The sink's API server, not yet listening. */
export function createHttpApi(store: MessageStore, faults: FaultPlan): FastifyInstance {
  const app = Fastify();
  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/api/messages', (req) => {
    const query = req.query as { messageId?: string; to?: string };
    return store.find({ messageId: query.messageId, to: query.to });
  });
  app.delete('/api/messages', (_req, reply) => {
    store.clear();
    return reply.code(204).send();
  });
  app.get('/api/faults', () => faults.list());
  app.post('/api/faults', (req, reply) => {
    const parsed = faultRuleSchema.safeParse(req.body ?? {});
    if (!parsed.success)
      return reply
        .code(400)
        .send({ error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    faults.add(parsed.data);
    return reply.code(201).send(faults.list());
  });
  app.delete('/api/faults', (_req, reply) => {
    faults.clear();
    return reply.code(204).send();
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: `no route ${req.method} ${req.url}` }),
  );
  app.setErrorHandler((err, _req, reply) => reply.code(400).send({ error: String(err) }));
  return app;
}
