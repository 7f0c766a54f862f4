// mailfleet's own webhook format, for anyone who wants to tell the fleet about a delivery without adopting a
// provider's (docs/feedback-webhooks.md). The shape is the one Stripe and Standard Webhooks made common:
//
//   Mailfleet-Webhook-Timestamp: 1796620000                  (Unix seconds, when it was signed)
//   Mailfleet-Webhook-Signature: v1=<hex>[, v1=<hex>]         (HMAC-SHA256 over "<timestamp>.<raw body>")
//
// Several v1 entries let a sender sign with the old and the new key while a key is rotated; the receiver
// holds up to two keys and accepts a request that any of them signed.
import { checkRotatingKeys } from '@mailfleet/config';
import { createHmac } from 'node:crypto';
import { constantTimeEqual, hexBytes } from './constant-time';
import { staleness, type WindowOptions } from './replay-window';
import { accepted, rejected, type Verdict } from './verdict';
import { headerValue, type WebhookRequest } from './webhook-request';

export const TIMESTAMP_HEADER = 'mailfleet-webhook-timestamp';
export const SIGNATURE_HEADER = 'mailfleet-webhook-signature';

const mac = (key: string, timestamp: string, body: Buffer) =>
  createHmac('sha256', key).update(`${timestamp}.`).update(body).digest();

/** Refuses a key set a receiver must not run with; the message says what to fix. */
export function checkSigningKeys(keys: readonly string[]): void {
  checkRotatingKeys(keys, 'signing key');
}

/** The two headers that sign `body` with each of `keys` (an emitter rotating a key signs with both). */
export function signMailfleetWebhook(
  body: Buffer | string,
  keys: readonly string[],
  nowMs = Date.now(),
): Record<typeof TIMESTAMP_HEADER | typeof SIGNATURE_HEADER, string> {
  checkSigningKeys(keys);
  const timestamp = String(Math.floor(nowMs / 1000));
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [SIGNATURE_HEADER]: keys.map((k) => `v1=${mac(k, timestamp, bytes).toString('hex')}`).join(', '),
  };
}

export function verifyMailfleetWebhook(
  request: WebhookRequest,
  keys: readonly string[],
  options: WindowOptions = {},
): Verdict {
  const timestamp = headerValue(request, TIMESTAMP_HEADER);
  const header = headerValue(request, SIGNATURE_HEADER);
  if (!timestamp || !header)
    return rejected('missing-signature', `both ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} are required`);
  const stale = staleness(timestamp, options);
  if (stale) return rejected('stale-timestamp', stale);
  const given = header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => hexBytes(part.slice(3)));
  if (given.length === 0 || given.some((g) => g === null))
    return rejected(
      'malformed-signature',
      `${SIGNATURE_HEADER} must be "v1=<hex>" entries separated by commas`,
    );
  const expected = keys.map((k) => mac(k, timestamp, request.rawBody));
  const match = given.some((g) => expected.some((e) => constantTimeEqual(g as Buffer, e)));
  return match ? accepted : rejected('bad-signature', 'no v1 signature matches the body with a current key');
}
