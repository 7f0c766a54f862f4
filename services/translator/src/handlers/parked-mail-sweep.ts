// The periodic sweep over parked mails (the events themselves are handled in chunks, translator-batch.ts):
// the customers whose parked mails may be decided now, all in ONE MongoDB transaction — the replicas read
// with one `$in`, saved with one bulk, the ledger and the outbox written once — like a chunk of events.
import type { MailDecision } from '../domain/decisions';
import { expireParked, releaseSettled } from '../domain/translate';
import type { CustomerReplica } from '../domain/translator-state';
import { countDigested } from './digest-collection';
import { newDecisions } from './new-decisions';
import { OUTCOME, type TranslatorDeps } from './translator-deps';

/**
 * The periodic sweep over parked mails: mails of customers known for longer than the settle time are
 * decided; mails whose customer is still unknown after the park limit are rejected (CUSTOMER_UNKNOWN),
 * so nothing waits silently forever. Returns how many mails were decided.
 */
export async function sweepParkedMails(
  deps: TranslatorDeps,
  options: { legacy?: boolean } = {},
): Promise<number> {
  const now = deps.now().getTime();
  const readUntil = await deps.customersWatermark.refresh();
  const settledBefore = now - deps.policy.settleMs;
  const customerIds = [
    ...new Set([
      ...(await deps.store.customersSettledWithParked(settledBefore, readUntil, 100)),
      ...(options.legacy
        ? await deps.store.customersSettledWithParked(settledBefore, readUntil, 100, true)
        : []),
      ...(await deps.store.customersParkedBefore(now - deps.policy.parkLimitMs + 1, 100)),
    ]),
  ];
  if (customerIds.length === 0) return 0;
  try {
    return await sweepCustomers(deps, customerIds, readUntil);
  } catch (err) {
    if (customerIds.length === 1) return failed(deps, err, customerIds[0] as string);
    // One customer whose mails cannot be decided must not hold back every other customer's: each
    // goes alone, and only the one at fault is left for the next sweep.
    deps.logger.warn(
      { err, customers: customerIds.length },
      'parked-mail sweep failed; customer by customer',
    );
  }
  let decided = 0;
  for (const customerId of customerIds) {
    try {
      decided += await sweepCustomers(deps, [customerId], readUntil);
    } catch (err) {
      failed(deps, err, customerId);
    }
  }
  return decided;
}

function failed(deps: TranslatorDeps, err: unknown, customerId: string): number {
  deps.metrics.sweepFailures.inc();
  deps.logger.error(
    { err, customerId },
    'parked mails of a customer could not be decided; next sweep tries again',
  );
  return 0;
}

/** The customers' parked mails, in one transaction; how many were decided. */
async function sweepCustomers(
  deps: TranslatorDeps,
  customerIds: readonly string[],
  readUntil: number,
): Promise<number> {
  let emitted: MailDecision[] = [];
  let digested: MailDecision[] = [];
  await deps.client.withSession((session) =>
    session.withTransaction(async () => {
      emitted = [];
      digested = [];
      const at = deps.now();
      const customers = [...(await deps.store.customersById(session, customerIds)).values()];
      const orders = await deps.store.ordersById(
        session,
        customers.flatMap((c) => c.parked.map((p) => p.orderId)),
      );
      const changed: CustomerReplica[] = [];
      const decisions: MailDecision[] = [];
      for (const customer of customers) {
        const released = releaseSettled(customer, orders, at.getTime(), deps.policy, readUntil);
        const expired = expireParked(released.customer, at.getTime(), deps.policy);
        if (released.decisions.length === 0 && expired.decisions.length === 0) continue;
        changed.push(expired.customer);
        decisions.push(...released.decisions, ...expired.decisions);
      }
      // Nothing to decide yet: no write, so the sweep never competes with the handlers for nothing.
      if (decisions.length === 0) return;
      await deps.store.saveAll(session, changed, []);
      const fresh = await newDecisions(deps, session, decisions, at);
      await deps.store.recordDecided(session, fresh.ledger);
      await deps.outbox.addMany(session, fresh.events);
      emitted = fresh.emitted;
      digested = fresh.digested;
    }),
  );
  countDigested(deps, digested);
  for (const d of emitted) {
    deps.metrics.decisions.inc({ outcome: OUTCOME[d.type], kind: d.kind });
    const fields = { mailId: d.mailId, outcome: OUTCOME[d.type], correlationId: d.cause.correlationId };
    if (d.type === 'reject' && d.code === 'CUSTOMER_UNKNOWN')
      deps.logger.warn({ ...fields, customerId: d.customerId }, 'parked mail expired: customer unknown');
    else deps.logger.info(fields, 'parked mail decided');
  }
  return emitted.length;
}
