import { parseApiRequest } from './api-request';

const parse = (method: string, url: string) => {
  const u = new URL(url, 'http://x');
  return parseApiRequest(method, u.pathname, u.searchParams);
};

describe('parseApiRequest', () => {
  test.each([
    ['/api/mails/order-confirmation%3Ao-1', { kind: 'mail', mailId: 'order-confirmation:o-1' }],
    ['/api/orders/o-1', { kind: 'order', orderId: 'o-1' }],
    ['/api/recipients/Ada%40Example.test', { kind: 'recipient', email: 'ada@example.test' }],
    ['/api/search?q=%20o-1%20', { kind: 'search', q: 'o-1' }],
    ['/api/stats', { kind: 'stats', days: 14 }],
    ['/api/stats?days=30', { kind: 'stats', days: 30 }],
    ['/api/failures', { kind: 'failures', limit: 50 }],
    ['/api/pipeline', { kind: 'pipeline' }],
  ])('GET %s', (url, query) => {
    expect(parse('GET', url)).toEqual({ ok: true, query });
  });

  test.each([
    ['POST', '/api/meta', 405, 'read-only'],
    ['GET', '/api/stats?days=0', 400, 'days must be between 1 and 90'],
    ['GET', '/api/stats?days=abc', 400, 'days must be a whole number'],
    ['GET', '/api/failures?limit=2.5', 400, 'limit must be a whole number'],
    ['GET', '/api/mails/a%20b', 400, 'printable ASCII without spaces'],
    ['GET', `/api/orders/${'x'.repeat(201)}`, 400, 'longer than 200'],
    ['GET', '/api/mails/%E0%A4%A', 400, 'not a valid percent-encoded path'],
    ['GET', '/api/pipeline?verbose=1', 400, 'this endpoint takes none'],
    ['GET', '/api/mail/x', 404, 'no such endpoint'],
  ])('%s %s is rejected with %s', (method, url, status, message) => {
    const result = parse(method, url);
    expect(result).toMatchObject({ ok: false, status });
    expect(!result.ok && result.error).toContain(message);
  });
});
