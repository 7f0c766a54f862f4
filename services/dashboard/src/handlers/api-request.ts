// What the read-only API accepts, decided without I/O: a request line becomes a typed query, or a 4xx
// with a message that says what to change. It speaks HTTP (methods, paths, status codes), so it lives with
// the HTTP adapter rather than in domain/; the server only executes what this returns.
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

export interface ApiRejection {
  readonly status: 400 | 404 | 405;
  readonly error: string;
}

export type ParsedRequest =
  { readonly ok: true; readonly query: ApiQuery } | ({ readonly ok: false } & ApiRejection);

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

interface Route {
  readonly pattern: RegExp;
  readonly params: readonly string[];
  readonly build: (path: readonly string[], query: Readonly<Record<string, string>>) => ApiQuery;
  readonly schema: z.ZodType<ApiQuery>;
}

const ROUTES: readonly Route[] = [
  {
    pattern: /^\/api\/search$/,
    params: ['q'],
    build: (_p, q) => ({ kind: 'search', q: (q['q'] ?? '').trim() }),
    schema: z.object({ kind: z.literal('search'), q: id('q (an order id, mail id or e-mail address)') }),
  },
  {
    pattern: /^\/api\/mails\/([^/]+)$/,
    params: [],
    build: (p) => ({ kind: 'mail', mailId: p[0] ?? '' }),
    schema: z.object({ kind: z.literal('mail'), mailId: id('the mail id') }),
  },
  {
    pattern: /^\/api\/orders\/([^/]+)$/,
    params: [],
    build: (p) => ({ kind: 'order', orderId: p[0] ?? '' }),
    schema: z.object({ kind: z.literal('order'), orderId: id('the order id') }),
  },
  {
    pattern: /^\/api\/recipients\/([^/]+)$/,
    params: [],
    build: (p) => ({ kind: 'recipient', email: (p[0] ?? '').toLowerCase() }),
    schema: z.object({ kind: z.literal('recipient'), email }),
  },
  {
    pattern: /^\/api\/stats$/,
    params: ['days'],
    build: (_p, q) => ({ kind: 'stats', days: q['days'] as unknown as number }),
    schema: z.object({ kind: z.literal('stats'), days: intParam('days', 1, 90, 14) }),
  },
  {
    pattern: /^\/api\/failures$/,
    params: ['limit'],
    build: (_p, q) => ({ kind: 'failures', limit: q['limit'] as unknown as number }),
    schema: z.object({ kind: z.literal('failures'), limit: intParam('limit', 1, 200, 50) }),
  },
  {
    pattern: /^\/api\/dead-letters$/,
    params: ['limit'],
    build: (_p, q) => ({ kind: 'deadLetters', limit: q['limit'] as unknown as number }),
    schema: z.object({ kind: z.literal('deadLetters'), limit: intParam('limit', 1, 200, 50) }),
  },
  {
    pattern: /^\/api\/pipeline$/,
    params: [],
    build: () => ({ kind: 'pipeline' }),
    schema: z.object({ kind: z.literal('pipeline') }),
  },
  {
    pattern: /^\/api\/meta$/,
    params: [],
    build: () => ({ kind: 'meta' }),
    schema: z.object({ kind: z.literal('meta') }),
  },
];

/** Parses one API request. `pathname` is still percent-encoded; `search` is the raw query string. */
export function parseApiRequest(method: string, pathname: string, search: URLSearchParams): ParsedRequest {
  if (method !== 'GET' && method !== 'HEAD')
    return {
      ok: false,
      status: 405,
      error: `the dashboard API is read-only: ${method} is not allowed, use GET`,
    };
  for (const route of ROUTES) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    let segments: string[];
    try {
      segments = match.slice(1).map((s) => decodeURIComponent(s));
    } catch {
      return { ok: false, status: 400, error: `${pathname} is not a valid percent-encoded path` };
    }
    const query: Record<string, string> = {};
    for (const [name, value] of search) {
      if (!route.params.includes(name)) {
        const allowed =
          route.params.length > 0 ? `allowed: ${route.params.join(', ')}` : 'this endpoint takes none';
        return { ok: false, status: 400, error: `unknown query parameter "${name}"; ${allowed}` };
      }
      query[name] = value;
    }
    const parsed = route.schema.safeParse(route.build(segments, query));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') ?? '';
      const message = issue?.message ?? 'invalid request';
      return { ok: false, status: 400, error: message.includes(field) ? message : `${field}: ${message}` };
    }
    return { ok: true, query: parsed.data };
  }
  return {
    ok: false,
    status: 404,
    error: `no such endpoint ${pathname}; see GET /api/search, /api/mails/:id, /api/orders/:id, /api/recipients/:email, /api/stats, /api/failures, /api/dead-letters, /api/pipeline, /api/meta`,
  };
}
