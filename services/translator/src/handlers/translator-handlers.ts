// Glue: decode -> domain -> persist. Each event (or chunk of events, translator-batch.ts) is handled in
// ONE MongoDB transaction that claims its event id in the inbox, updates the replica, records each mail
// in the ledger and adds the mail events to the outbox. The consumer commits the offset only after that
// transaction (docs/translator.md). The periodic sweep over parked mails lives here too.
import type { ClientSession } from 'mongodb';
import type { MailDecision } from '../domain/decisions';
import { expireParked, releaseSettled, type Outcome } from '../domain/translate';
import { mailEventOf } from './mail-events';
import { OUTCOME, type TranslatorDeps } from './translator-deps';

async function persist(deps: TranslatorDeps, session: ClientSession, outcome: Outcome): Promise<void> {
  await deps.store.saveCustomer(session, outcome.customer);
  if (outcome.order) await deps.store.saveOrder(session, outcome.order);
}

/** Ledger first: a mail decided before (by any instance, in any earlier run) is never emitted again. */
async function emit(
  deps: TranslatorDeps,
  session: ClientSession,
  decisions: readonly MailDecision[],
  now: Date,
): Promise<MailDecision[]> {
  const emitted: MailDecision[] = [];
  for (const d of decisions) {
    const eventId = deps.newId();
    if (
      !(await deps.store.decide(session, {
        _id: d.mailId,
        outcome: OUTCOME[d.type],
        eventId,
        decidedAt: now,
      }))
    )
      continue;
    await deps.outbox.add(session, mailEventOf(d, deps.topics, eventId, now));
    emitted.push(d);
  }
  return emitted;
}

/**
 * The periodic sweep over parked mails, each customer in its own transaction: mails of customers known for
 * longer than the settle time are decided; mails whose customer is still unknown after the park limit are
 * rejected (CUSTOMER_UNKNOWN), so nothing waits silently forever.
 */
export async function sweepParkedMails(
  deps: TranslatorDeps,
  options: { legacy?: boolean } = {},
): Promise<number> {
  const now = deps.now().getTime();
  const readUntil = await deps.customersWatermark.refresh();
  const settledBefore = now - deps.policy.settleMs;
  const customerIds = new Set([
    ...(await deps.store.customersSettledWithParked(settledBefore, readUntil, 100)),
    ...(options.legacy
      ? await deps.store.customersSettledWithParked(settledBefore, readUntil, 100, true)
      : []),
    ...(await deps.store.customersParkedBefore(now - deps.policy.parkLimitMs + 1, 100)),
  ]);
  let decided = 0;
  for (const customerId of customerIds) {
    try {
      decided += await sweepCustomer(deps, customerId, readUntil);
    } catch (err) {
      // One customer whose mails cannot be decided must not hold back every other customer's.
      deps.metrics.sweepFailures.inc();
      deps.logger.error(
        { err, customerId },
        'parked mails of a customer could not be decided; next sweep tries again',
      );
    }
  }
  return decided;
}

/** One customer's parked mails, in one transaction; how many were decided. */
async function sweepCustomer(deps: TranslatorDeps, customerId: string, readUntil: number): Promise<number> {
  let emitted: MailDecision[] = [];
  await deps.client.withSession((session) =>
    session.withTransaction(async () => {
      const at = deps.now();
      const customer = await deps.store.customer(session, customerId);
      if (!customer) return;
      const orders = await deps.store.ordersById(
        session,
        customer.parked.map((p) => p.orderId),
      );
      const released = releaseSettled(customer, orders, at.getTime(), deps.policy, readUntil);
      const expired = expireParked(released.customer, at.getTime(), deps.policy);
      // Nothing to decide yet: no write, so the sweep never competes with the handlers for nothing.
      if (released.decisions.length === 0 && expired.decisions.length === 0) return;
      await persist(deps, session, expired);
      emitted = await emit(deps, session, [...released.decisions, ...expired.decisions], at);
    }),
  );
  for (const d of emitted) {
    deps.metrics.decisions.inc({ outcome: OUTCOME[d.type], kind: d.kind });
    const fields = { mailId: d.mailId, outcome: OUTCOME[d.type], correlationId: d.cause.correlationId };
    if (d.type === 'reject' && d.code === 'CUSTOMER_UNKNOWN')
      deps.logger.warn({ ...fields, customerId }, 'parked mail expired: customer unknown');
    else deps.logger.info(fields, 'parked mail decided');
  }
  return emitted.length;
}
