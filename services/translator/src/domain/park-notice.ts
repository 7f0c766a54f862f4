// What the translator tells the world about a mail it parks: the mail is due, waits for its customer,
// and is rejected at a known time if the customer stays unknown. Published as MailParked so the
// dashboard can show a waiting mail instead of nothing.
import type { EventPayloads } from '@mailfleet/contracts';
import type { TranslatorPolicy } from './decisions';
import type { CustomerReplica, ParkedMail } from './translator-state';

export type ParkNotice = EventPayloads['MailParked'];

/** The mails `after` parks that `before` did not. */
export function newlyParked(before: CustomerReplica | undefined, after: CustomerReplica): ParkedMail[] {
  const had = new Set((before?.parked ?? []).map((p) => p.mailId));
  return after.parked.filter((p) => !had.has(p.mailId));
}

export function parkNotice(
  parked: ParkedMail,
  customer: CustomerReplica,
  policy: TranslatorPolicy,
): ParkNotice {
  const known = customer.email !== undefined;
  return {
    mailId: parked.mailId,
    customerId: customer.customerId,
    orderId: parked.orderId,
    templateId: parked.kind,
    reason: known
      ? `waiting for the events of customer ${customer.customerId} up to the order (a change of address or preferences may still be on its way)`
      : `waiting for customer ${customer.customerId}: not known to the translator yet`,
    parkedAt: parked.parkedAt,
    parkedUntil: parked.parkedAt + policy.parkLimitMs,
  };
}
