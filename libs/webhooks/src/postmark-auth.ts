// Postmark does not sign its webhooks: it lets the receiver require HTTP basic auth in the webhook URL
// and publishes the addresses it sends from, so the receiver checks both (postmarkapp.com, "Webhooks
// overview"). Both are needed: the credentials travel with every request, so one leaked URL alone must not
// let anyone post bounces.
import { BlockList, isIP } from 'node:net';
import { constantTimeEqual } from './constant-time';
import { accepted, rejected, type Verdict } from './verdict';

export interface PostmarkAuth {
  readonly username: string;
  readonly password: string;
  /** Addresses and CIDR ranges (IPv4 or IPv6) allowed to post; empty allows none. */
  readonly allowedSources: BlockList;
}

/** A BlockList of the given addresses and CIDR ranges; a clear error naming the first that is neither. */
export function addressList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR range`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(address, type);
    else {
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128))
        throw new Error(`${JSON.stringify(entry)} has no valid prefix length`);
      list.addSubnet(address, bits, type);
    }
  }
  return list;
}

/** An IPv4 client seen through a dual-stack socket arrives as ::ffff:a.b.c.d. */
function normalise(address: string): { address: string; type: 'ipv4' | 'ipv6' } | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return { address: mapped[1] as string, type: 'ipv4' };
  const family = isIP(address);
  return family === 0 ? null : { address, type: family === 4 ? 'ipv4' : 'ipv6' };
}

export function verifyPostmarkWebhook(
  request: { readonly remoteAddress: string | undefined; readonly authorization: string | undefined },
  auth: PostmarkAuth,
): Verdict {
  const source = request.remoteAddress ? normalise(request.remoteAddress) : null;
  if (!source || !auth.allowedSources.check(source.address, source.type))
    return rejected(
      'address-not-allowed',
      `${request.remoteAddress ?? 'an unknown address'} is not among Postmark's allowed sources`,
    );
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})$/i.exec(request.authorization?.trim() ?? '');
  if (!match) return rejected('missing-credentials', 'basic credentials are required');
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = Buffer.from(colon < 0 ? decoded : decoded.slice(0, colon));
  const pass = Buffer.from(colon < 0 ? '' : decoded.slice(colon + 1));
  // Both compared, always: which one was wrong must not show in the timing.
  const userOk = constantTimeEqual(user, Buffer.from(auth.username));
  const passOk = constantTimeEqual(pass, Buffer.from(auth.password));
  return userOk && passOk ? accepted : rejected('bad-credentials', 'the basic credentials are wrong');
}
