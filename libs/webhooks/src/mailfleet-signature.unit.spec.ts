import { signMailfleetWebhook, verifyMailfleetWebhook, checkSigningKeys } from './mailfleet-signature';
import { statusFor } from './verdict';

const KEY = 'k'.repeat(16) + 'a-32-byte-or-longer-signing-key!';
const NEXT = 'n'.repeat(16) + 'the-next-key-during-a-rotation!!';
const NOW = Date.UTC(2026, 11, 7, 6, 0, 0);
const body = Buffer.from(
  JSON.stringify({ type: 'bounced', mailId: 'order-confirmation:o-1', bounceType: 'HARD' }),
);

const request = (headers: Record<string, string>, raw = body) => ({ rawBody: raw, headers });

test('a request signed with the key verifies', () => {
  const headers = signMailfleetWebhook(body, [KEY], NOW);
  expect(verifyMailfleetWebhook(request(headers), [KEY], { nowMs: NOW + 10_000 })).toEqual({ ok: true });
});

test('a changed body, a wrong key or a changed timestamp does not verify', () => {
  const headers = signMailfleetWebhook(body, [KEY], NOW);
  const tampered = Buffer.from(body.toString().replace('HARD', 'SOFT'));
  expect(verifyMailfleetWebhook(request(headers, tampered), [KEY], { nowMs: NOW })).toMatchObject({
    ok: false,
    reason: 'bad-signature',
  });
  expect(verifyMailfleetWebhook(request(headers), [NEXT], { nowMs: NOW })).toMatchObject({
    reason: 'bad-signature',
  });
  const moved = {
    ...headers,
    'mailfleet-webhook-timestamp': String(Number(headers['mailfleet-webhook-timestamp']) + 1),
  };
  expect(verifyMailfleetWebhook(request(moved), [KEY], { nowMs: NOW })).toMatchObject({
    reason: 'bad-signature',
  });
});

test('outside the five-minute window, either way, the request is refused as stale', () => {
  const headers = signMailfleetWebhook(body, [KEY], NOW);
  expect(verifyMailfleetWebhook(request(headers), [KEY], { nowMs: NOW + 300_000 })).toEqual({ ok: true });
  const late = verifyMailfleetWebhook(request(headers), [KEY], { nowMs: NOW + 301_000 });
  expect(late).toMatchObject({ ok: false, reason: 'stale-timestamp' });
  expect(statusFor(late)).toBe(401);
  expect(verifyMailfleetWebhook(request(headers), [KEY], { nowMs: NOW - 301_000 })).toMatchObject({
    reason: 'stale-timestamp',
  });
});

test('during a rotation: signed with both keys, or with either, it verifies against a receiver holding both', () => {
  const both = signMailfleetWebhook(body, [KEY, NEXT], NOW);
  expect(both['mailfleet-webhook-signature'].split(',')).toHaveLength(2);
  expect(verifyMailfleetWebhook(request(both), [NEXT], { nowMs: NOW })).toEqual({ ok: true });
  const onlyNew = signMailfleetWebhook(body, [NEXT], NOW);
  expect(verifyMailfleetWebhook(request(onlyNew), [KEY, NEXT], { nowMs: NOW })).toEqual({ ok: true });
  expect(verifyMailfleetWebhook(request(onlyNew), [KEY], { nowMs: NOW })).toMatchObject({
    reason: 'bad-signature',
  });
});

test('missing or mangled headers are refused with a reason, never thrown', () => {
  expect(verifyMailfleetWebhook(request({}), [KEY], { nowMs: NOW })).toMatchObject({
    reason: 'missing-signature',
  });
  const ts = String(Math.floor(NOW / 1000));
  for (const signature of ['v1=zz', 'sha256=abcd', 'v1=', 'v1=abc'])
    expect(
      verifyMailfleetWebhook(
        request({ 'mailfleet-webhook-timestamp': ts, 'mailfleet-webhook-signature': signature }),
        [KEY],
        { nowMs: NOW },
      ),
    ).toMatchObject({ reason: 'malformed-signature' });
  expect(
    verifyMailfleetWebhook(
      request({
        'mailfleet-webhook-timestamp': '2026-12-07T06:00:00Z',
        'mailfleet-webhook-signature': 'v1=00',
      }),
      [KEY],
      { nowMs: NOW },
    ),
  ).toMatchObject({ reason: 'stale-timestamp' });
});

test('a receiver refuses to start with no key, three keys or a short key', () => {
  expect(() => checkSigningKeys([])).toThrow(/one signing key, or two/);
  expect(() => checkSigningKeys([KEY, NEXT, KEY])).toThrow(/got 3/);
  expect(() => checkSigningKeys(['secret'])).toThrow(/signing key 1 is 6 bytes; use at least 32/);
});

test('the example in docs/feedback-webhooks.md verifies (the documented format is the implemented one)', () => {
  const body = '{"id":"evt-0001","type":"bounced","mailId":"order-confirmation:o-1","bounceType":"HARD"}';
  const headers = {
    'mailfleet-webhook-timestamp': '1796620000',
    'mailfleet-webhook-signature': 'v1=23a51e1ca22398d05806e45fdb4d4414a548e3b4e871ed543cf11f5791ff4f12',
  };
  expect(
    verifyMailfleetWebhook({ rawBody: Buffer.from(body), headers }, ['example-key-of-at-least-32-bytes!!'], {
      nowMs: 1796620000_000,
    }),
  ).toEqual({ ok: true });
});
