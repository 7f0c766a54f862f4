// What a verifier says about one request. Never an exception for bad input: a forged or mangled request is
// the normal case a webhook receiver must answer (401/403), not a failure of the receiver.

export type RejectionReason =
  | 'missing-signature'
  | 'malformed-signature'
  | 'bad-signature'
  | 'stale-timestamp'
  | 'missing-credentials'
  | 'bad-credentials'
  | 'address-not-allowed';

export type Verdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: RejectionReason; readonly message: string };

export const accepted: Verdict = { ok: true };

export const rejected = (reason: RejectionReason, message: string): Verdict => ({
  ok: false,
  reason,
  message,
});

/** The HTTP status a receiver answers a rejection with (RFC 9110: 401 unauthenticated, 403 forbidden). */
export function statusFor(verdict: Verdict): 200 | 401 | 403 {
  if (verdict.ok) return 200;
  return verdict.reason === 'address-not-allowed' ? 403 : 401;
}
