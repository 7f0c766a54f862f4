// What the read-only API accepts: its routes (Fastify patterns) and, per route, how parameters become a
// typed query or a 400 with a message that says what to change. Decided without I/O; Fastify does the
// routing (404, 405) and the server only executes what this returns.
import { z } from 'zod';

export type ApiQuery =
  | { readonly kind: 'search'; readonly q: string }
  | { readonly kind: 'mail'; readonly mailId: string }
  | { readonly kind: 'order'; readonly orderId: string }
  | { readonly kind: 'recipient'; readonly email: string }
  | { readonly kind: 'stats'; readonly days: number }
  | { readonly kind: 'failures'; readonly limit: number }
  | { readonly kind: 'deadLetters'; readonly limit: number }
  | { readonly kind: 'pipeline' }
  | { readonly kind: 'meta' };

export type ParsedRequest =
  | { readonly ok: true; readonly query: ApiQuery }
  | { readonly ok: false; readonly status: 400; readonly error: string };

type Strings = Readonly<Record<string, string>>;

export interface ApiRoute {
  /** Fastify's pattern; path parameters arrive percent-decoded. */
  readonly url: string;
  /** The query parameters it takes; any other is refused, so a typo is not silently ignored. */
  readonly params: readonly string[];
  readonly build: (path: Strings, query: Strings) => ApiQuery;
  readonly schema: z.ZodType<ApiQuery>;
}

// Ids are the fleet's own (orderId, mailId such as order-confirmation:o-1): printable, no spaces, bounded.
const id = (what: string) =>
  z
    .string()
    .min(1, `${what} is empty`)
    .max(200, `${what} is longer than 200 characters`)
    .regex(/^[\x21-\x7e]+$/, `${what} may contain only printable ASCII without spaces`);
const email = z.email('not an e-mail address').max(320);
const intParam = (name: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be between ${min} and ${max}`)
    .max(max, `${name} must be between ${min} and ${max}`)
    .default(fallback);

export const API_ROUTES: readonly ApiRoute[] = [
  {
    url: '/api/search',
    params: ['q'],
    build: (_p, q) => ({ kind: 'search', q: (q['q'] ?? '').trim() }),
    schema: z.object({ kind: z.literal('search'), q: id('q (an order id, mail id or e-mail address)') }),
  },
  {
    url: '/api/mails/:mailId',
    params: [],
    build: (p) => ({ kind: 'mail', mailId: p['mailId'] ?? '' }),
    schema: z.object({ kind: z.literal('mail'), mailId: id('the mail id') }),
  },
  {
    url: '/api/orders/:orderId',
    params: [],
    build: (p) => ({ kind: 'order', orderId: p['orderId'] ?? '' }),
    schema: z.object({ kind: z.literal('order'), orderId: id('the order id') }),
  },
  {
    url: '/api/recipients/:email',
    params: [],
    build: (p) => ({ kind: 'recipient', email: (p['email'] ?? '').toLowerCase() }),
    schema: z.object({ kind: z.literal('recipient'), email }),
  },
  {
    url: '/api/stats',
    params: ['days'],
    build: (_p, q) => ({ kind: 'stats', days: q['days'] as unknown as number }),
    schema: z.object({ kind: z.literal('stats'), days: intParam('days', 1, 90, 14) }),
  },
  {
    url: '/api/failures',
    params: ['limit'],
    build: (_p, q) => ({ kind: 'failures', limit: q['limit'] as unknown as number }),
    schema: z.object({ kind: z.literal('failures'), limit: intParam('limit', 1, 200, 50) }),
  },
  {
    url: '/api/dead-letters',
    params: ['limit'],
    build: (_p, q) => ({ kind: 'deadLetters', limit: q['limit'] as unknown as number }),
    schema: z.object({ kind: z.literal('deadLetters'), limit: intParam('limit', 1, 200, 50) }),
  },
  {
    url: '/api/pipeline',
    params: [],
    build: () => ({ kind: 'pipeline' }),
    schema: z.object({ kind: z.literal('pipeline') }),
  },
  {
    url: '/api/meta',
    params: [],
    build: () => ({ kind: 'meta' }),
    schema: z.object({ kind: z.literal('meta') }),
  },
];

/** Said with every 404 under /api/, so a caller sees what exists. */
export const API_INDEX = `see GET ${API_ROUTES.map((r) => r.url).join(', ')}`;

/** Validates one request to `route`: its decoded path parameters and its raw query string. */
export function parseApiRequest(route: ApiRoute, path: Strings, search: URLSearchParams): ParsedRequest {
  const query: Record<string, string> = {};
  for (const [name, value] of search) {
    if (!route.params.includes(name)) {
      const allowed =
        route.params.length > 0 ? `allowed: ${route.params.join(', ')}` : 'this endpoint takes none';
      return { ok: false, status: 400, error: `unknown query parameter "${name}"; ${allowed}` };
    }
    query[name] = value;
  }
  const parsed = route.schema.safeParse(route.build(path, query));
  if (parsed.success) return { ok: true, query: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const message = issue?.message ?? 'invalid request';
  return { ok: false, status: 400, error: message.includes(field) ? message : `${field}: ${message}` };
}
