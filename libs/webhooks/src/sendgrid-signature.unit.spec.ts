import { generateKeyPairSync, sign } from 'node:crypto';
import { sendGridPublicKey, verifySendGridWebhook } from './sendgrid-signature';

// SendGrid's own test vector (sendgrid/sendgrid-nodejs, packages/eventwebhook/src/eventwebhook.spec.js):
// a key, payload and signature made by SendGrid, not by us.
const SENDGRID_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==';
const SENDGRID_OTHER_KEY =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqTxd43gyp8IOEto2LdIfjRQrIbsd4SXZkLW6jDutdhXSJCWHw8REntlo7aNDthvj+y7GjUuFDb/R1NGe1OPzpA==';
const SIGNATURE =
  'MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=';
const TIMESTAMP = '1588788367';
const PAYLOAD = JSON.stringify({
  category: 'example_payload',
  event: 'test_event',
  message_id: 'message_id',
});
const THEN = Number(TIMESTAMP) * 1000;

const request = (body: string, signature: string, timestamp: string) => ({
  rawBody: Buffer.from(body),
  headers: {
    'x-twilio-email-event-webhook-signature': signature,
    'x-twilio-email-event-webhook-timestamp': timestamp,
  },
});

test("SendGrid's published signature verifies with its key", () => {
  const key = sendGridPublicKey(SENDGRID_KEY);
  expect(verifySendGridWebhook(request(PAYLOAD, SIGNATURE, TIMESTAMP), key, { nowMs: THEN })).toEqual({
    ok: true,
  });
});

test('another key, another payload, a flipped signature byte: refused', () => {
  const key = sendGridPublicKey(SENDGRID_KEY);
  expect(
    verifySendGridWebhook(request(PAYLOAD, SIGNATURE, TIMESTAMP), sendGridPublicKey(SENDGRID_OTHER_KEY), {
      nowMs: THEN,
    }),
  ).toMatchObject({ reason: 'bad-signature' });
  expect(verifySendGridWebhook(request('payload', SIGNATURE, TIMESTAMP), key, { nowMs: THEN })).toMatchObject(
    {
      reason: 'bad-signature',
    },
  );
  const flipped = SIGNATURE.replace('NH2j', 'NH3j');
  expect(verifySendGridWebhook(request(PAYLOAD, flipped, TIMESTAMP), key, { nowMs: THEN })).toMatchObject({
    reason: 'bad-signature',
  });
  // Valid base64, not a DER signature: refused, not thrown.
  expect(verifySendGridWebhook(request(PAYLOAD, 'AAAA', TIMESTAMP), key, { nowMs: THEN })).toMatchObject({
    reason: 'bad-signature',
  });
});

test('a captured request replayed later, or a timestamp that is not one, is refused', () => {
  const key = sendGridPublicKey(SENDGRID_KEY);
  expect(
    verifySendGridWebhook(request(PAYLOAD, SIGNATURE, TIMESTAMP), key, { nowMs: THEN + 3_600_000 }),
  ).toMatchObject({
    reason: 'stale-timestamp',
  });
  expect(verifySendGridWebhook(request(PAYLOAD, SIGNATURE, 'timestamp'), key, { nowMs: THEN })).toMatchObject(
    {
      reason: 'stale-timestamp',
    },
  );
  expect(verifySendGridWebhook({ rawBody: Buffer.from(PAYLOAD), headers: {} }, key)).toMatchObject({
    reason: 'missing-signature',
  });
});

test('a key pair of our own (PEM) signs and verifies the same way', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const now = Date.UTC(2026, 11, 7, 6, 0, 0);
  const ts = String(Math.floor(now / 1000));
  const body = '[{"email":"a@example.test","event":"bounce","sg_event_id":"e1"}]';
  const signature = sign('sha256', Buffer.from(ts + body), privateKey).toString('base64');
  const key = sendGridPublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  expect(verifySendGridWebhook(request(body, signature, ts), key, { nowMs: now })).toEqual({ ok: true });
});

test('a verification key that is not an EC public key is refused at start with what it is', () => {
  expect(() => sendGridPublicKey('not a key')).toThrow(/not an EC public key in base64 DER or PEM/);
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  expect(() => sendGridPublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(
    /rsa key/,
  );
});
