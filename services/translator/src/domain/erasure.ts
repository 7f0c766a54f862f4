// CustomerErased (a right-to-erasure request, GDPR Art. 17): the replica keeps the customer's id and
// opt-outs and drops the address, the name, the locale and the time zone. Mails parked for the customer
// and every later mail for them are rejected with CUSTOMER_ERASED, so an order fact that arrives after
// the erasure (another partition, a replay) cannot bring the address back into a MailRequested.
import type { MailDecision } from './decisions';
import type { MailIntent } from './mail-rules';
import type { CustomerReplica } from './translator-state';

export const isErased = (c: CustomerReplica | undefined): boolean => c?.erasedAt !== undefined;

/** The mail `intent` is not requested: its customer was erased. */
export function rejectErased(intent: MailIntent, customer: CustomerReplica): MailDecision {
  return {
    type: 'reject',
    mailId: intent.mailId,
    kind: intent.kind,
    customerId: customer.customerId,
    code: 'CUSTOMER_ERASED',
    reason: `customer ${customer.customerId} was erased (CustomerErased): no mail is sent to them any more`,
    cause: intent.cause,
  };
}

/** The replica without personal data, and the rejection of every mail parked for the customer. */
export function eraseCustomer(
  customer: CustomerReplica,
  erasedAt: number,
): { customer: CustomerReplica; decisions: MailDecision[] } {
  const erased: CustomerReplica = {
    customerId: customer.customerId,
    transactionalOptOut: customer.transactionalOptOut,
    marketingOptOut: customer.marketingOptOut,
    currentAsOf: Math.max(customer.currentAsOf ?? 0, erasedAt),
    parked: [],
    erasedAt,
  };
  return { customer: erased, decisions: customer.parked.map((p) => rejectErased(p, erased)) };
}
