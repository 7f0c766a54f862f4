// Erased customers (CustomerErased) in the projections: a mail of theirs keeps its ids, status and times
// but not the address, and no timeline reason quotes the address any more (a bounce's diagnostic often
// does: `550 5.1.1 <ada@example.com>: …`); their recipient documents go. The set of erased customers is
// kept outside the versioned collections, so a rebuild — whose topics still hold the address — redacts
// the same mails again as it applies them.
import { scrubbed } from '@mailfleet/contracts';
import type { MailView } from '@mailfleet/read-models';

export const ERASURES_COLLECTION = 'projector_erasures';

/** The mail without the address; `alsoQuoted` are more values to scrub from its reasons (any case). */
export function redactedMail(mail: MailView, alsoQuoted: readonly string[] = []): MailView {
  const personal = [mail.email ?? '', ...alsoQuoted];
  const scrub = (text: string | null): string | null => (text === null ? text : scrubbed(text, personal));
  return {
    ...mail,
    email: null,
    lastError: scrub(mail.lastError),
    timeline: mail.timeline.map((t) => ({ ...t, reason: scrub(t.reason) })),
  };
}

/** The customer a record names in its payload, if any (the mail document may name it instead). */
export function customerIdIn(payload: unknown): string | null {
  const p = payload as { customerId?: unknown; recipient?: { customerId?: unknown } };
  if (typeof p.customerId === 'string') return p.customerId;
  if (p.recipient && typeof p.recipient === 'object' && typeof p.recipient.customerId === 'string')
    return p.recipient.customerId;
  return null;
}

/** The addresses a record names (a request's recipient, a bounce's or an unsubscribe's recipient). */
export function addressesIn(payload: unknown): string[] {
  const p = payload as { recipient?: unknown };
  if (typeof p.recipient === 'string') return [p.recipient];
  if (p.recipient && typeof p.recipient === 'object') {
    const r = p.recipient as { email?: unknown; name?: unknown };
    return [r.email, r.name].filter((v): v is string => typeof v === 'string');
  }
  return [];
}
