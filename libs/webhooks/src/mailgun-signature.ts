// Mailgun signs each webhook POST with its HTTP webhook signing key: the JSON body carries
// `signature: {timestamp, token, signature}`, where signature = hex HMAC-SHA256(key, timestamp + token)
// (documentation.mailgun.com, "Securing Webhooks"). The MAC covers the timestamp and a random token, not
// the event: the token is unique per request, and the receiver's store refuses an event id it has seen.
import { createHmac } from 'node:crypto';
import { constantTimeEqual, hexBytes } from './constant-time';
import { staleness, type WindowOptions } from './replay-window';
import { accepted, rejected, type Verdict } from './verdict';

export interface MailgunSignature {
  readonly timestamp: string;
  readonly token: string;
  readonly signature: string;
}

/** The `signature` object of a Mailgun webhook body, or null when the body has none of the right shape. */
export function mailgunSignatureOf(body: unknown): MailgunSignature | null {
  const s = (body as { signature?: Record<string, unknown> } | null)?.signature;
  if (!s || typeof s !== 'object') return null;
  const { timestamp, token, signature } = s;
  const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
  const [t, k, sig] = [text(timestamp), text(token), text(signature)];
  return t && k && sig ? { timestamp: t, token: k, signature: sig } : null;
}

export function signMailgunWebhook(signingKey: string, timestamp: string, token: string): string {
  return createHmac('sha256', signingKey)
    .update(timestamp + token)
    .digest('hex');
}

export function verifyMailgunWebhook(
  body: unknown,
  signingKey: string,
  options: WindowOptions = {},
): Verdict {
  const s = mailgunSignatureOf(body);
  if (!s) return rejected('missing-signature', 'the body has no signature {timestamp, token, signature}');
  const stale = staleness(s.timestamp, options);
  if (stale) return rejected('stale-timestamp', stale);
  const given = hexBytes(s.signature);
  if (!given) return rejected('malformed-signature', 'signature.signature is not hex');
  const expected = Buffer.from(signMailgunWebhook(signingKey, s.timestamp, s.token), 'hex');
  return constantTimeEqual(given, expected)
    ? accepted
    : rejected('bad-signature', 'the signature does not match timestamp + token under the signing key');
}
