import { dayWindow, summarizeThroughput } from './throughput';

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
