import { parseApiRequest } from './api-request';
import { dayWindow, summarizeThroughput } from './throughput';

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

describe('summarizeThroughput', () => {
  test('one row per day of the window, zeros included, counters summed over templates', () => {
    const window = dayWindow(new Date('2026-11-23T08:00:00Z'), 3);
    expect(window).toEqual(['2026-11-21', '2026-11-22', '2026-11-23']);
    const t = summarizeThroughput(
      [
        {
          _id: 'a:2026-11-23',
          templateId: 'a',
          day: '2026-11-23',
          counts: { requested: 2, sent: 1 },
          latencySumMs: 300,
          latencyCount: 1,
          latencyMaxMs: 300,
        },
        {
          _id: 'b:2026-11-23',
          templateId: 'b',
          day: '2026-11-23',
          counts: { sent: 1, failed: 1 },
          latencySumMs: 100,
          latencyCount: 1,
          latencyMaxMs: 100,
        },
        {
          _id: 'a:2026-11-01',
          templateId: 'a',
          day: '2026-11-01',
          counts: { requested: 9 },
          latencySumMs: 0,
          latencyCount: 0,
          latencyMaxMs: 0,
        },
      ],
      window,
    );
    expect(t.days.map((d) => d.requested)).toEqual([0, 0, 2]);
    expect(t.days[2]).toMatchObject({ sent: 2, failed: 1, meanLatencyMs: 200, maxLatencyMs: 300 });
    expect(t.days[0]).toMatchObject({ meanLatencyMs: null, maxLatencyMs: null });
    expect(t.templates).toEqual([
      { templateId: 'a', requested: 2, sent: 1, retries: 0, failed: 0, dead: 0, bounced: 0 },
      { templateId: 'b', requested: 0, sent: 1, retries: 0, failed: 1, dead: 0, bounced: 0 },
    ]);
  });
});
