// The token in a mail's one-click unsubscribe link (RFC 8058): who unsubscribes from what, sealed with
// AES-256-GCM. Sealed rather than only signed because a URL travels through proxies, logs and browser
// histories, and the recipient's address is in it; the GCM tag authenticates it, so a token cannot be
// forged or altered, and no lookup is needed to honour it. The newest key seals; every key opens, so a key
// can be rotated while links sent with the old one still work.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { checkRotatingKeys } from '@mailfleet/config';

/** What an unsubscribe link says: this recipient of this mail wants no more mail of this category. */
export interface UnsubscribeClaim {
  readonly mailId: string;
  readonly customerId: string;
  /** Lower-cased. */
  readonly recipient: string;
  readonly category: string;
}

const VERSION = 'u1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Throws with a message a person can act on when the keys cannot seal tokens safely. */
export function checkUnsubscribeKeys(keys: readonly string[]): void {
  checkRotatingKeys(keys, 'unsubscribe key');
}

// A key of its own for this purpose, whatever else the secret is used for; derived once per secret, not
// per mail (a process has one or two).
const derivedKeys = new Map<string, Buffer>();
function derived(secret: string): Buffer {
  let key = derivedKeys.get(secret);
  if (key === undefined) {
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'mailfleet one-click unsubscribe v1', 32));
    derivedKeys.set(secret, key);
  }
  return key;
}

/** The token for a claim, sealed with the first (newest) key. URL-safe. */
export function sealUnsubscribeToken(claim: UnsubscribeClaim, keys: readonly string[]): string {
  checkUnsubscribeKeys(keys);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', derived(keys[0] as string), iv);
  cipher.setAAD(Buffer.from(VERSION));
  const plain = Buffer.from(
    JSON.stringify([claim.mailId, claim.customerId, claim.recipient.toLowerCase(), claim.category]),
  );
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

/** The claim a token carries, or null when no key opens it (forged, altered, truncated, or another key's). */
export function openUnsubscribeToken(token: string, keys: readonly string[]): UnsubscribeClaim | null {
  const [version, body, ...rest] = token.split('.');
  if (version !== VERSION || body === undefined || rest.length > 0 || !/^[A-Za-z0-9_-]+$/.test(body))
    return null;
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) return null;
  const iv = bytes.subarray(0, IV_BYTES);
  const tag = bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const sealed = bytes.subarray(IV_BYTES + TAG_BYTES);
  for (const key of keys) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', derived(key), iv);
      decipher.setAAD(Buffer.from(VERSION));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(sealed), decipher.final()]).toString('utf8');
      return claimOf(JSON.parse(plain) as unknown);
    } catch {
      // Not this key (or not a token at all): try the next.
    }
  }
  return null;
}

function claimOf(value: unknown): UnsubscribeClaim | null {
  if (!Array.isArray(value) || value.length !== 4 || !value.every((v) => typeof v === 'string' && v !== ''))
    return null;
  const [mailId, customerId, recipient, category] = value as string[];
  return { mailId: mailId!, customerId: customerId!, recipient: recipient!, category: category! };
}
