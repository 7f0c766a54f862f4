// Digest windows with a controllable clock: which window a fact joins, when windows close, and what a
// closed window becomes.
import {
  closingTime,
  collect,
  digestOf,
  parseWindowSpec,
  type DigestRule,
  type RequestDecision,
} from './digests';
import type { TranslatorPolicy } from './decisions';

import { policy } from '../../test/domain/translate-fixtures';

const rule: DigestRule = {
  kind: 'shipping-notice',
  digestKind: 'shipping-digest',
  window: { type: 'sliding', ms: 10 * 60_000 },
  singleAsItself: true,
};
const t0 = Date.parse('2026-12-07T09:00:00Z');
const notice = (orderId: string, email = 'ada@example.test'): RequestDecision => ({
  type: 'request',
  mailId: `shipping-notice:${orderId}`,
  kind: 'shipping-notice',
  templateVersion: 1,
  recipient: { customerId: 'c-42', email, name: 'Ada' },
  locale: 'en',
  templateData: {
    orderId,
    customerName: 'Ada',
    carrier: 'DHL',
    trackingNumber: `T-${orderId}`,
    trackingUrl: null,
  },
  priority: 'NORMAL',
  notBefore: null,
  zone: 'UTC',
  cause: { eventId: `e-${orderId}`, correlationId: `corr-${orderId}` },
});

/** Collects the facts at the given times, closing windows as collect hands them back. */
function run(facts: readonly [string, number][], r: DigestRule = rule) {
  let open: ReturnType<typeof collect>['open'] | undefined;
  const closed: ReturnType<typeof collect>['open'][] = [];
  for (const [orderId, at] of facts) {
    const result = collect(open, notice(orderId), r, 'UTC', at);
    if (result.closed) closed.push(result.closed);
    open = result.open;
  }
  return { open: open!, closed };
}

describe('collecting facts into windows', () => {
  test('N shipments within the window: one window with N members, one digest listing all N', () => {
    const { open, closed } = run([
      ['o-1', t0],
      ['o-2', t0 + 60_000],
      ['o-3', t0 + 9 * 60_000],
    ]);
    expect(closed).toEqual([]);
    expect(open).toMatchObject({ _id: 'shipping-notice:c-42', openedAt: t0, closesAt: t0 + 600_000 });
    const digest = digestOf(open, rule, policy, open.closesAt);
    expect(digest).toMatchObject({
      mailId: `shipping-digest:c-42:${t0}`,
      kind: 'shipping-digest',
      recipient: { email: 'ada@example.test' },
      digest: {
        windowStart: t0,
        windowEnd: t0 + 600_000,
        members: ['shipping-notice:o-1', 'shipping-notice:o-2', 'shipping-notice:o-3'],
      },
      cause: { correlationId: 'corr-o-1' },
    });
    expect((digest.templateData as { items: { orderId: string }[] }).items.map((i) => i.orderId)).toEqual([
      'o-1',
      'o-2',
      'o-3',
    ]);
  });

  test('a fact after the window closed opens the next window, and the closed one is handed back whole', () => {
    const { open, closed } = run([
      ['o-1', t0],
      ['o-2', t0 + 60_000],
      ['o-late', t0 + 600_000],
    ]);
    expect(closed.map((w) => w.members.map((m) => m.mailId))).toEqual([
      ['shipping-notice:o-1', 'shipping-notice:o-2'],
    ]);
    expect(open).toMatchObject({ openedAt: t0 + 600_000, members: [{ mailId: 'shipping-notice:o-late' }] });
  });

  test('the same window always gives the same digest id; the next window another', () => {
    const first = run([
      ['o-1', t0],
      ['o-2', t0 + 1],
    ]).open;
    const again = run([
      ['o-1', t0],
      ['o-2', t0 + 1],
    ]).open;
    expect(digestOf(first, rule, policy, t0 + 600_000).mailId).toBe(
      digestOf(again, rule, policy, t0 + 600_000).mailId,
    );
    const next = run([
      ['o-1', t0],
      ['o-2', t0 + 1],
      ['o-3', t0 + 600_000],
      ['o-4', t0 + 600_001],
    ]).open;
    expect(digestOf(next, rule, policy, t0 + 1_200_000).mailId).not.toBe(
      digestOf(first, rule, policy, t0).mailId,
    );
  });

  test("a window of one sends that fact's own mail, or a digest of one when configured so", () => {
    const { open } = run([['o-1', t0]]);
    expect(digestOf(open, rule, policy, open.closesAt)).toMatchObject({
      mailId: 'shipping-notice:o-1',
      kind: 'shipping-notice',
    });
    expect(digestOf(open, { ...rule, singleAsItself: false }, policy, open.closesAt)).toMatchObject({
      mailId: `shipping-digest:c-42:${t0}`,
      digest: { members: ['shipping-notice:o-1'] },
    });
  });

  test('the digest goes to the latest address of its facts', () => {
    let { open } = run([['o-1', t0]]);
    open = collect(open, notice('o-2', 'new@example.test'), rule, 'UTC', t0 + 1).open;
    expect(digestOf(open, rule, policy, open.closesAt).recipient.email).toBe('new@example.test');
  });

  test('quiet hours apply when the window closes, in the zone it was opened with', () => {
    const night: TranslatorPolicy = { ...policy, quietHours: { startMinute: 22 * 60, endMinute: 7 * 60 } };
    const late = Date.parse('2026-12-07T22:30:00Z');
    const { open } = run([
      ['o-1', late - 60_000],
      ['o-2', late - 30_000],
    ]);
    expect(digestOf(open, rule, night, late).notBefore).toBe(Date.parse('2026-12-08T07:00:00Z'));
    expect(digestOf(open, rule, night, Date.parse('2026-12-08T08:00:00Z')).notBefore).toBeNull();
  });
});

describe('window specs', () => {
  test('sliding durations and a daily time', () => {
    expect(parseWindowSpec('10m')).toEqual({ type: 'sliding', ms: 600_000 });
    expect(parseWindowSpec('90s')).toEqual({ type: 'sliding', ms: 90_000 });
    expect(parseWindowSpec('2h')).toEqual({ type: 'sliding', ms: 7_200_000 });
    expect(parseWindowSpec('daily@08:00')).toEqual({ type: 'daily', minute: 480 });
  });

  test.each(['', '10', '0s', '8d', 'daily@8:00', 'daily@24:00', 'weekly@08:00'])('refuses %j', (text) => {
    expect(() => parseWindowSpec(text)).toThrow(/a digest window is/);
  });

  test("a daily window closes at the next 08:00 in the recipient's zone", () => {
    const daily = { type: 'daily', minute: 480 } as const;
    // 07:59 in Berlin: closes a minute later; 08:00 there: the next morning.
    expect(closingTime(Date.parse('2026-12-07T06:59:00Z'), 'Europe/Berlin', daily)).toBe(
      Date.parse('2026-12-07T07:00:00Z'),
    );
    expect(closingTime(Date.parse('2026-12-07T07:00:00Z'), 'Europe/Berlin', daily)).toBe(
      Date.parse('2026-12-08T07:00:00Z'),
    );
    expect(closingTime(Date.parse('2026-12-07T07:00:00Z'), 'America/New_York', daily)).toBe(
      Date.parse('2026-12-07T13:00:00Z'),
    );
  });
});
