// How a sent mail names itself, so feedback about it (a provider's webhook, a bounce report) finds it
// again without asking anyone: the sender derives the Message-ID from the mailId, and the feedback
// service derives the mailId back from it. Both sides use these functions.

/** The header the sender adds with the mailId, percent-encoded (RFC 3986 unreserved characters stay). */
export const MAIL_ID_HEADER = 'X-Mailfleet-Mail-Id';

/** FNV-1a, 64 bit: a stable short digest without I/O (not for security, only to keep ids unique). */
function fnv1a64(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash.toString(16).padStart(16, '0');
}

const MAX_LOCAL = 128;

/**
 * Message-ID from the mailId: the same mail always has the same Message-ID, so a resend is recognisable.
 * Characters outside `[A-Za-z0-9._-]` become their UTF-8 bytes as `=xx` (`=` itself included), so the
 * local part is a dot-atom and the mapping can be reversed. A very long id keeps its first 64
 * characters and a digest of the whole after `==` (which the escapes never produce), so the header stays
 * within RFC 5322's line length; that form cannot be reversed and is never mistaken for a short id.
 */
export function messageIdFor(mailId: string, domain: string): string {
  const local = [...mailId].map((c) => (/^[A-Za-z0-9._-]$/.test(c) ? c : utf8Escaped(c))).join('');
  return local.length <= MAX_LOCAL
    ? `<${local}@${domain}>`
    : `<${local.slice(0, 64)}==${fnv1a64(mailId)}@${domain}>`;
}

const utf8Escaped = (c: string): string =>
  [...Buffer.from(c, 'utf8')].map((b) => `=${b.toString(16).padStart(2, '0')}`).join('');

/**
 * The mailId a Message-ID of ours names, or null when it is not one of ours (another domain), is the
 * digest form of a long id, or is not well formed. Angle brackets are optional: providers strip them.
 */
export function mailIdFromMessageId(messageId: string, domain: string): string | null {
  const bare = messageId.trim().replace(/^<(.*)>$/s, '$1');
  const at = bare.lastIndexOf('@');
  if (at <= 0 || bare.slice(at + 1).toLowerCase() !== domain.toLowerCase()) return null;
  const local = bare.slice(0, at);
  if (!/^([A-Za-z0-9._-]|=[0-9a-f]{2})+$/.test(local)) return null;
  const bytes = [...local.matchAll(/=([0-9a-f]{2})|(.)/g)].map(([, hex, char]) =>
    hex === undefined ? (char as string).charCodeAt(0) : parseInt(hex, 16),
  );
  let mailId: string;
  try {
    mailId = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
  // Only an id that maps back to exactly this local part is ours (the digest form never does).
  return messageIdFor(mailId, domain) === `<${local}@${domain}>` ? mailId : null;
}

/** The local part of a VERP return path: `bounces+<escaped mailId>`. */
const VERP_PREFIX = 'bounces+';
/** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
const MAX_LOCAL_PART = 64;

/**
 * The envelope sender (RFC 5321 MAIL FROM) of a mail, unique per mail (VERP): a bounce report comes back
 * to it, so the address alone names the mail, even when the report quotes none of its headers. The mailId
 * is escaped as in the Message-ID; an id too long for the 64 octets of a local part gets a digest instead,
 * which names no mail (the report's quoted Message-ID or X-Mailfleet-Mail-Id must then do).
 */
export function verpAddressFor(mailId: string, bounceDomain: string): string {
  const escaped = messageIdFor(mailId, bounceDomain).slice(1, -(bounceDomain.length + 2));
  const local = `${VERP_PREFIX}${escaped}`;
  return local.length <= MAX_LOCAL_PART && !escaped.includes('==')
    ? `${local}@${bounceDomain}`
    : `${VERP_PREFIX}${fnv1a64(mailId)}==@${bounceDomain}`;
}

/** The mailId a VERP address of ours names, or null (another domain, not a VERP address, the digest form). */
export function mailIdFromVerp(address: string, bounceDomain: string): string | null {
  const bare = address.trim().replace(/^<(.*)>$/s, '$1');
  const at = bare.lastIndexOf('@');
  const local = bare.slice(0, at);
  if (at <= 0 || !local.toLowerCase().startsWith(VERP_PREFIX)) return null;
  return mailIdFromMessageId(`<${local.slice(VERP_PREFIX.length)}${bare.slice(at)}>`, bounceDomain);
}

/** The mailId in an `X-Mailfleet-Mail-Id` header value, or null when it cannot be decoded. */
export function mailIdFromHeader(value: string): string | null {
  try {
    const mailId = decodeURIComponent(value.trim());
    return mailId.length > 0 ? mailId : null;
  } catch {
    return null;
  }
}
