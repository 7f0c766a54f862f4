import { API_ROUTES, parseApiRequest } from './api-routes';

const parse = (url: string, path: Record<string, string> = {}) => {
  const u = new URL(url, 'http://x');
  const route = API_ROUTES.find((r) => r.url === u.pathname);
  if (!route) throw new Error(`no route ${u.pathname} in the table`);
  return parseApiRequest(route, path, u.searchParams);
};

describe('parseApiRequest', () => {
  test.each([
    [
      '/api/mails/:mailId',
      { mailId: 'order-confirmation:o-1' },
      { kind: 'mail', mailId: 'order-confirmation:o-1' },
    ],
    ['/api/orders/:orderId', { orderId: 'o-1' }, { kind: 'order', orderId: 'o-1' }],
    [
      '/api/recipients/:email',
      { email: 'Ada@Example.test' },
      { kind: 'recipient', email: 'ada@example.test' },
    ],
    ['/api/search?q=%20o-1%20', {}, { kind: 'search', q: 'o-1' }],
    ['/api/stats', {}, { kind: 'stats', days: 14 }],
    ['/api/stats?days=30', {}, { kind: 'stats', days: 30 }],
    ['/api/failures', {}, { kind: 'failures', limit: 50 }],
    ['/api/pipeline', {}, { kind: 'pipeline' }],
  ])('GET %s %j', (url, path, query) => {
    expect(parse(url, path)).toEqual({ ok: true, query });
  });

  test.each([
    ['/api/stats?days=0', {}, 'days must be between 1 and 90'],
    ['/api/stats?days=abc', {}, 'days must be a whole number'],
    ['/api/failures?limit=2.5', {}, 'limit must be a whole number'],
    ['/api/mails/:mailId', { mailId: 'a b' }, 'printable ASCII without spaces'],
    ['/api/orders/:orderId', { orderId: 'x'.repeat(201) }, 'longer than 200'],
    ['/api/recipients/:email', { email: 'not-an-address' }, 'not an e-mail address'],
    ['/api/pipeline?verbose=1', {}, 'this endpoint takes none'],
    ['/api/stats?days=3&limit=2', {}, 'allowed: days'],
  ])('GET %s %j is rejected', (url, path, message) => {
    const result = parse(url, path);
    expect(result).toMatchObject({ ok: false, status: 400 });
    expect(!result.ok && result.error).toContain(message);
  });
});
