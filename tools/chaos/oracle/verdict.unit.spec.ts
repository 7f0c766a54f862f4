import type { Expectation } from './expected-mails';
import { judge, type DeliveredMail, type Observations } from './verdict';

const expected = new Map<string, Expectation>(
  (
    [
      { mailId: 'm-send', must: 'send', addresses: ['a@x.test'] },
      { mailId: 'm-either', must: 'either', addresses: ['a@x.test', 'b@x.test'] },
      { mailId: 'm-never', must: 'never', why: 'opted out' },
    ] as Expectation[]
  ).map((e) => [e.mailId, e]),
);
const mail = (mailId: string, to = 'a@x.test'): DeliveredMail => ({
  mailId,
  messageId: `<${mailId}>`,
  recipients: [to],
  receivedAt: 1,
});
const observed = (over: Partial<Observations> = {}): Observations => ({
  delivered: [],
  ambiguous: new Set(),
  dead: new Set(),
  deadLetters: [],
  outboxLeft: {},
  projectionDiffs: [],
  ...over,
});

test('all due mails once, at an allowed address, and the injected dead letters: ok', () => {
  const v = judge(
    expected,
    observed({
      delivered: [mail('m-send'), mail('m-either', 'B@x.test')],
      deadLetters: [
        { topic: 't', key: 'k', group: 'g' },
        { topic: 't', key: 'k', group: 'g' },
      ],
      outboxLeft: { shop: 0 },
    }),
    ['t|k|g'],
  );
  expect(v).toMatchObject({
    ok: true,
    lost: [],
    duplicated: [],
    unexpected: [],
    misaddressed: [],
    expected: { send: 1, either: 1, never: 1 },
  });
});

test('each kind of violation is found and fails the verdict', () => {
  const v = judge(
    expected,
    observed({
      delivered: [
        mail('m-either'),
        mail('m-either'),
        mail('m-never'),
        mail('m-stray'),
        mail('m-either', 'eve@evil.test'),
      ],
      dead: new Set(['m-send']),
      deadLetters: [{ topic: 't', key: 'other', group: 'g' }],
      outboxLeft: { shop: 2 },
      projectionDiffs: ['mails m: differs'],
    }),
    ['t|k|g'],
  );
  expect(v.ok).toBe(false);
  expect(v.lost).toEqual(['m-send (dead-lettered by the sender)']);
  expect(v.duplicated).toEqual(['m-either ×3']);
  expect(v.unexpected).toEqual(['m-never (opted out)', 'm-stray (no committed fact calls for it)']);
  expect(v.misaddressed).toEqual(['m-either to eve@evil.test (allowed: a@x.test, b@x.test)']);
  expect(v.deadLetters).toEqual({ missing: ['t|k|g'], extra: ['t|other|g'] });
  expect(v.outboxLeft).toEqual({ shop: 2 });
});

test('a second copy after an ambiguous outcome is the documented resend, reported apart', () => {
  const v = judge(
    expected,
    observed({ delivered: [mail('m-send'), mail('m-send')], ambiguous: new Set(['m-send']) }),
    [],
  );
  expect(v).toMatchObject({ ok: true, duplicated: [], ambiguousResends: ['m-send ×2'] });
});

describe('digests', () => {
  const digest = (customerId: string, windowStart: number, windowEnd: number, members: string[]) =>
    ({ customerId, windowStart, windowEnd, members }) as const;

  test('a delivered digest is one delivery of each member; its own id is not unexpected', () => {
    const v = judge(
      expected,
      observed({
        delivered: [mail('d-1')],
        digests: new Map([['d-1', digest('c', 0, 10, ['m-send', 'm-either'])]]),
      }),
      [],
    );
    expect(v).toMatchObject({ ok: true, lost: [], duplicated: [], unexpected: [], misaddressed: [] });
    expect(v.digests).toEqual({ delivered: 1, members: 2 });
  });

  test('a member sent on its own and in a digest, a digest sent twice, or overlapping windows: duplicates', () => {
    const v = judge(
      expected,
      observed({
        delivered: [mail('m-send'), mail('d-1'), mail('d-2'), mail('d-2')],
        digests: new Map([
          ['d-1', digest('c', 0, 10, ['m-send'])],
          ['d-2', digest('c', 5, 15, ['m-either'])],
        ]),
      }),
      [],
    );
    expect(v.ok).toBe(false);
    expect(v.duplicated).toEqual([
      'm-send ×2 (in d-1)',
      'm-either ×2 (in d-2)',
      'digest windows overlap: d-1 and d-2',
    ]);
  });

  test('a digest listing a mail that must not be sent, or to an address none of its members allows', () => {
    const v = judge(
      expected,
      observed({
        delivered: [mail('d-1', 'eve@evil.test'), mail('m-either')],
        digests: new Map([['d-1', digest('c', 0, 10, ['m-send', 'm-never'])]]),
      }),
      [],
    );
    expect(v.unexpected).toEqual(['m-never (opted out)', 'd-1 lists m-never, which must not be sent']);
    expect(v.misaddressed).toEqual(['d-1 to eve@evil.test (allowed: a@x.test)']);
  });

  test('a digest not delivered covers nothing: its members are lost', () => {
    const v = judge(
      expected,
      observed({
        delivered: [mail('m-either')],
        digests: new Map([['d-1', digest('c', 0, 10, ['m-send'])]]),
      }),
      [],
    );
    expect(v.lost).toEqual(['m-send']);
  });
});
