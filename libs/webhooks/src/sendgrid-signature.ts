// SendGrid's Signed Event Webhook: an ECDSA (P-256, SHA-256) signature over "<timestamp><raw body>",
// base64 DER in X-Twilio-Email-Event-Webhook-Signature, the timestamp in
// X-Twilio-Email-Event-Webhook-Timestamp; the verification key is shown in SendGrid's mail settings as
// base64 DER (SubjectPublicKeyInfo) without PEM armour. A public key: nothing secret on our side.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { staleness, type WindowOptions } from './replay-window';
import { accepted, rejected, type Verdict } from './verdict';
import { headerValue, type WebhookRequest } from './webhook-request';

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** The verification key as SendGrid shows it (base64 DER, or PEM); a clear error when it is not one. */
export function sendGridPublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  try {
    const key = trimmed.includes('BEGIN PUBLIC KEY')
      ? createPublicKey(trimmed)
      : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ec') throw new Error(`it is a ${key.asymmetricKeyType} key`);
    return key;
  } catch (err) {
    throw new Error(
      `the SendGrid verification key is not an EC public key in base64 DER or PEM (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

export function verifySendGridWebhook(
  request: WebhookRequest,
  publicKey: KeyObject,
  options: WindowOptions = {},
): Verdict {
  const signature = headerValue(request, SENDGRID_SIGNATURE_HEADER);
  const timestamp = headerValue(request, SENDGRID_TIMESTAMP_HEADER);
  if (!signature || !timestamp)
    return rejected(
      'missing-signature',
      `both ${SENDGRID_SIGNATURE_HEADER} and ${SENDGRID_TIMESTAMP_HEADER} are required`,
    );
  // SendGrid documents no window; 5 minutes as for the other formats (a replayed capture is refused).
  const stale = staleness(timestamp, options);
  if (stale) return rejected('stale-timestamp', stale);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature))
    return rejected('malformed-signature', `${SENDGRID_SIGNATURE_HEADER} is not base64`);
  let ok: boolean;
  try {
    ok = verify(
      'sha256',
      Buffer.concat([Buffer.from(timestamp), request.rawBody]),
      publicKey,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    // Not a DER signature at all: as forged as a wrong one.
    ok = false;
  }
  return ok
    ? accepted
    : rejected('bad-signature', 'the ECDSA signature does not verify with the SendGrid key');
}
