// One validator for e-mail addresses, shared by every service that decides or sends mail, so the
// translator never requests a mail the sender would refuse (and the other way round).
//
// Deliberately stricter than RFC 5321's full grammar: a dot-atom local part of printable ASCII (no quoted
// strings, no backslashes, no control characters) and an ASCII domain of at least two labels (an IDN must
// arrive as punycode). Limits from RFC 5321 §4.5.3.1: local part 64 octets, a path 256 octets with its
// angle brackets, so an address is at most 254.

const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why `address` cannot be used as a recipient, or undefined when it can. */
export function mailAddressProblem(address: string): string | undefined {
  if (address.length === 0) return 'the address is empty';
  if (address.length > 254) return `the address is ${address.length} characters long (at most 254)`;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return 'the address needs a local part, an @ and a domain';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64) return `the local part is ${local.length} characters long (at most 64)`;
  if (!LOCAL_PART.test(local))
    return "the local part may only hold letters, digits, dots (not leading, trailing or doubled) and !#$%&'*+/=?^_`{|}~-";
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => DOMAIN_LABEL.test(l)))
    return 'the domain must be at least two dot-separated labels of letters, digits and inner hyphens (IDNs as punycode)';
  return undefined;
}

/** True when `address` is a usable recipient address (see mailAddressProblem for why not). */
export const isMailAddress = (address: string): boolean => mailAddressProblem(address) === undefined;
