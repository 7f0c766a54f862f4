// Header values built from event data (subject, X- headers) are folded into one line of printable text:
// a CR or LF in a value would start a new header (header injection), other control characters make a
// header malformed. nodemailer encodes non-ASCII text itself (RFC 2047); this only removes what no
// encoding makes safe. Addresses never pass through here: they go to nodemailer as structured data.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** One line of header-safe text, at most `max` characters. */
export function headerText(value: string, max = 998): string {
  return value.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}

/**
 * An identifier (mail id, correlation id) as a plain token: letters, digits and `-._~:@/+=` stay, anything
 * else is percent-encoded (UTF-8), so the value reads back exactly and nodemailer never has to fold it
 * into RFC 2047 encoded words (which it splits inside characters outside the BMP).
 */
export function headerToken(value: string, max = 900): string {
  const token = value.replace(/[^A-Za-z0-9\-._~:@/+=]/gu, (c) =>
    [...new TextEncoder().encode(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
  // Never cut inside a %XX escape.
  return token.length <= max ? token : token.slice(0, max).replace(/%[0-9A-F]?$/, '');
}
