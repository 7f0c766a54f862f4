import { signMailgunWebhook, verifyMailgunWebhook } from './mailgun-signature';

const KEY = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
const NOW = Date.UTC(2026, 11, 7, 6, 0, 0);
const timestamp = String(Math.floor(NOW / 1000));
const token = 'e0b5477167110d68991efc6b9f89f0a11066af27834600e123';

const webhook = (signature: Record<string, unknown>) => ({
  signature,
  'event-data': { id: 'CPgfbmQMTCKtHW6uIWtuVe', event: 'failed', severity: 'permanent' },
});

test('a body signed with the webhook signing key verifies; another key or token does not', () => {
  const signature = signMailgunWebhook(KEY, timestamp, token);
  expect(signature).toMatch(/^[0-9a-f]{64}$/);
  expect(verifyMailgunWebhook(webhook({ timestamp, token, signature }), KEY, { nowMs: NOW })).toEqual({
    ok: true,
  });
  expect(
    verifyMailgunWebhook(webhook({ timestamp, token, signature }), `${KEY}x`, { nowMs: NOW }),
  ).toMatchObject({
    reason: 'bad-signature',
  });
  expect(
    verifyMailgunWebhook(webhook({ timestamp, token: `${token}0`, signature }), KEY, { nowMs: NOW }),
  ).toMatchObject({ reason: 'bad-signature' });
});

test('Mailgun sends the timestamp as a string or a number: both verify', () => {
  const signature = signMailgunWebhook(KEY, timestamp, token);
  expect(
    verifyMailgunWebhook(webhook({ timestamp: Number(timestamp), token, signature }), KEY, { nowMs: NOW }),
  ).toEqual({ ok: true });
});

test('stale, missing and non-hex signatures are refused', () => {
  const signature = signMailgunWebhook(KEY, timestamp, token);
  expect(
    verifyMailgunWebhook(webhook({ timestamp, token, signature }), KEY, { nowMs: NOW + 600_000 }),
  ).toMatchObject({ reason: 'stale-timestamp' });
  expect(verifyMailgunWebhook({ 'event-data': {} }, KEY, { nowMs: NOW })).toMatchObject({
    reason: 'missing-signature',
  });
  expect(verifyMailgunWebhook(null, KEY, { nowMs: NOW })).toMatchObject({ reason: 'missing-signature' });
  expect(
    verifyMailgunWebhook(webhook({ timestamp, token, signature: 'not-hex' }), KEY, { nowMs: NOW }),
  ).toMatchObject({ reason: 'malformed-signature' });
});
