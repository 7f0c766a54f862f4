// The oracle's own statement of which mails the committed facts call for. Written from the rules in
// docs/translator.md, not from the translator's code, so that a bug there cannot hide itself here.
//
//  - every placed order → an order confirmation; every shipment → a shipping notice; every cancellation →
//    a cancellation notice; to the customer's address, unless the customer opted out of transactional mail;
//  - the decision uses the customer as the translator knows it: every customer fact that was on Kafka by
//    the order fact's time (the translator waits until it has read customers.events that far), and maybe
//    later ones. So a mail whose customer changed address or preference after the fact — or before it,
//    but published after it (the upstream's relay was behind) — may go to either address, or be sent or not;
//  - a customer who is never registered gets no mail (the mail is parked, then expires);
//  - nothing for a rolled-back command (it is not among the committed facts at all).

export interface CommittedFact {
  readonly type: string;
  /** The Kafka key: the customer id for customer facts, the order id for order facts. */
  readonly key: string;
  /** Position among the facts of its key, in commit order (the outbox's per-key sequence). */
  readonly seq: number;
  /** When the fact happened (the payload's own time, epoch ms). */
  readonly at: number;
  readonly payload: Readonly<Record<string, unknown>>;
  /**
   * When the upstream's relay marked it published (epoch ms; after Kafka acknowledged it, so never
   * earlier than the record was on Kafka). Infinity while unpublished.
   */
  readonly publishedAt: number;
}

export type Expectation =
  /** Sent exactly once, to one of `addresses`. */
  | { readonly mailId: string; readonly must: 'send'; readonly addresses: readonly string[] }
  /** Sent at most once, to one of `addresses` (the customer changed their mind after the fact). */
  | { readonly mailId: string; readonly must: 'either'; readonly addresses: readonly string[] }
  /** Never sent. */
  | { readonly mailId: string; readonly must: 'never'; readonly why: string };

interface CustomerState {
  readonly publishedAt: number;
  readonly email: string | undefined;
  readonly optedOut: boolean;
}

const MAIL_OF: Readonly<Record<string, string>> = {
  OrderPlaced: 'order-confirmation',
  OrderShipped: 'shipping-notice',
  OrderCancelled: 'cancellation-notice',
};

const CUSTOMER_FACTS = ['CustomerRegistered', 'CustomerEmailChanged', 'CustomerMailPreferencesChanged'];

/** A plain address check: one @, something on both sides, no spaces or angle brackets. */
const usable = (email: string | undefined): email is string =>
  email !== undefined && /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(email.trim());

/** Every state a customer went through, oldest first (only registered states). */
function timelines(facts: readonly CommittedFact[]): Map<string, CustomerState[]> {
  const byCustomer = new Map<string, CommittedFact[]>();
  for (const f of facts) {
    if (!CUSTOMER_FACTS.includes(f.type)) continue;
    byCustomer.set(f.key, [...(byCustomer.get(f.key) ?? []), f]);
  }
  const result = new Map<string, CustomerState[]>();
  for (const [customerId, list] of byCustomer) {
    let email: string | undefined;
    let optedOut = false;
    let registered = false;
    const states: CustomerState[] = [];
    for (const f of [...list].sort((a, b) => a.seq - b.seq)) {
      if (f.type === 'CustomerRegistered') {
        registered = true;
        email = String(f.payload['email']);
      } else if (f.type === 'CustomerEmailChanged') email = String(f.payload['email']);
      else optedOut = f.payload['transactionalOptOut'] === true;
      if (registered) states.push({ publishedAt: f.publishedAt, email, optedOut });
    }
    result.set(customerId, states);
  }
  return result;
}

export function expectedMails(facts: readonly CommittedFact[]): Map<string, Expectation> {
  const customers = timelines(facts);
  const expected = new Map<string, Expectation>();
  for (const f of facts) {
    const kind = MAIL_OF[f.type];
    if (kind === undefined) continue;
    const mailId = `${kind}:${f.key}`;
    const states = customers.get(String(f.payload['customerId'])) ?? [];
    // The state in force on Kafka at the fact's time, and every later one (all of them when the customer
    // was not on Kafka yet: the mail waits for the customer).
    let inForce = 0;
    states.forEach((s, i) => {
      if (s.publishedAt <= f.at) inForce = i;
    });
    const candidates = states.slice(inForce);
    if (candidates.length === 0) {
      expected.set(mailId, { mailId, must: 'never', why: 'the customer was never registered' });
      continue;
    }
    const sends = candidates.filter((s) => !s.optedOut && usable(s.email));
    const addresses = [...new Set(sends.map((s) => s.email!.trim()))];
    if (sends.length === candidates.length) expected.set(mailId, { mailId, must: 'send', addresses });
    else if (sends.length === 0)
      expected.set(mailId, {
        mailId,
        must: 'never',
        why: 'the customer opted out (or has no usable address)',
      });
    else expected.set(mailId, { mailId, must: 'either', addresses });
  }
  return expected;
}
