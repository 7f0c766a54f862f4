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
