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
