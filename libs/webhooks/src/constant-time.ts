import { timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets or MACs without leaking, through timing, how much of a guess was right. Lengths
 * may differ (a forged header): that is answered at once, since the length of a MAC is no secret.
 */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The bytes of a hex string of even length (either case), or null: a header value that cannot be a hex MAC. */
export function hexBytes(value: string): Buffer | null {
  return /^(?:[0-9a-f]{2})+$/i.test(value) ? Buffer.from(value, 'hex') : null;
}
