import { addressFactOf, suppressionReason, type AddressSuppression } from './address-suppression';

const HOUR = 3_600_000;
const soft = { limit: 3, windowMs: 72 * HOUR };
const t0 = Date.parse('2026-12-07T08:00:00Z');

const bounce = (bounceType: 'HARD' | 'SOFT', at: number, recipient: string | null = 'Ada@Example.test') =>
  ({
    eventType: 'MailBounced',
    payload: {
      mailId: `m-${at}`,
      bounceType,
      diagnostic: '550 5.1.1 user unknown',
      bouncedAt: at,
      recipient,
      status: bounceType === 'HARD' ? '5.1.1' : '4.2.2',
      source: 'webhook:mailgun',
    },
  }) as const;

const listed = (...events: ReturnType<typeof bounce>[]): AddressSuppression => {
  const facts = events.map((e, i) => addressFactOf(e, `e${i}`)!.fact);
  return {
    address: 'ada@example.test',
    permanent: facts.filter((f) => f.kind !== 'soft-bounce'),
    soft: facts.filter((f) => f.kind === 'soft-bounce'),
    unsubscribed: [],
  };
};

test('a permanent bounce suppresses the address for good, saying when, why and for which mail', () => {
  const reason = suppressionReason(listed(bounce('HARD', t0)), t0 + 400 * 24 * HOUR, soft);
  expect(reason).toBe(
    `the address is suppressed after a permanent bounce (5.1.1, webhook:mailgun) at 2026-12-07T08:00:00.000Z for mail m-${t0}`,
  );
});

test('a complaint suppresses the address for good', () => {
  const fact = addressFactOf(
    {
      eventType: 'MailComplained',
      payload: {
        mailId: 'm',
        recipient: 'ADA@example.test',
        feedbackType: 'abuse',
        source: 'webhook:sendgrid',
        complainedAt: t0,
      },
    },
    'e',
  );
  expect(fact).toMatchObject({
    address: 'ada@example.test',
    fact: { kind: 'complaint', detail: 'abuse, webhook:sendgrid' },
  });
  expect(
    suppressionReason(
      { address: 'ada@example.test', permanent: [fact!.fact], soft: [], unsubscribed: [] },
      t0,
      soft,
    ),
  ).toMatch(/after a spam complaint/);
});

test('soft bounces suppress only when enough fall within the window, and only until the window passes them', () => {
  const two = listed(bounce('SOFT', t0), bounce('SOFT', t0 + HOUR));
  expect(suppressionReason(two, t0 + 2 * HOUR, soft)).toBeNull();
  const three = listed(bounce('SOFT', t0), bounce('SOFT', t0 + HOUR), bounce('SOFT', t0 + 2 * HOUR));
  expect(suppressionReason(three, t0 + 3 * HOUR, soft)).toBe(
    'the address is suppressed until 2026-12-10T08:00:00.000Z after 3 soft bounces within 72 h (last: 4.2.2, webhook:mailgun)',
  );
  // The first bounce leaves the window: two remain, the address is written to again.
  expect(suppressionReason(three, t0 + 72 * HOUR + 1, soft)).toBeNull();
});

test('feedback naming no address states nothing about one; an unlisted address is not suppressed', () => {
  expect(addressFactOf(bounce('HARD', t0, null), 'e')).toBeNull();
  expect(addressFactOf(bounce('HARD', t0, '  '), 'e')).toBeNull();
  expect(suppressionReason(undefined, t0, soft)).toBeNull();
});

test('a one-click unsubscribe stops only mail of its category, never transactional mail', () => {
  const found = addressFactOf(
    {
      eventType: 'MailUnsubscribed',
      payload: {
        mailId: 'shipping-notice:o-1',
        customerId: 'c-1',
        recipient: 'Ada@Example.test',
        category: 'shipping-updates',
        source: 'one-click',
        unsubscribedAt: t0,
      },
    },
    'e',
  );
  expect(found).toMatchObject({
    address: 'ada@example.test',
    fact: { kind: 'unsubscribe', category: 'shipping-updates' },
  });
  const s: AddressSuppression = {
    address: 'ada@example.test',
    permanent: [],
    soft: [],
    unsubscribed: [found!.fact],
  };
  expect(suppressionReason(s, t0 + HOUR, soft, 'shipping-updates')).toBe(
    'the recipient unsubscribed from shipping-updates mail (one-click) at 2026-12-07T08:00:00.000Z with the link in mail shipping-notice:o-1',
  );
  expect(suppressionReason(s, t0 + HOUR, soft, 'newsletter')).toBeNull();
  expect(suppressionReason(s, t0 + HOUR, soft, null)).toBeNull();
});
