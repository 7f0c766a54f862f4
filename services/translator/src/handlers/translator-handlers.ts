// Glue: decode -> domain -> persist. Each event is handled in ONE MongoDB transaction that claims its
// event id in the inbox, updates the replica, records each mail in the ledger and adds the mail events
// to the outbox. The consumer commits the offset only after that transaction (docs/translator.md).
import type { ClientSession, MongoClient } from 'mongodb';
import type { DecodedEvent } from '@mailfleet/contracts';
import type { EventHandlers, HandlerContext } from '@mailfleet/kafka';
import type { Logger } from '@mailfleet/logger';
import type { Outbox } from '@mailfleet/outbox';
import type { MailDecision, TranslatorPolicy } from '../domain/decisions';
import {
  expireParked,
  onCustomerFact,
  onOrderFact,
  releaseSettled,
  type CustomerFact,
  type OrderFact,
  type Outcome,
} from '../domain/translate';
import type { Cause, CustomerReplica } from '../domain/translator-state';
import type { TranslatorStore } from '../adapters/translator-store';
import { mailEventOf, type MailTopics } from './mail-events';
import type { TranslatorMetrics } from './translator-metrics';

export interface TranslatorDeps {
  readonly client: MongoClient;
  readonly store: TranslatorStore;
  readonly outbox: Outbox;
  readonly policy: TranslatorPolicy;
  readonly topics: MailTopics;
  readonly metrics: TranslatorMetrics;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly newId: () => string;
  /** How far customers.events has been read (adapters/customers-watermark). */
  readonly customersWatermark: { current(): number; refresh(): Promise<number> };
  /** Told whenever a mail is parked, so the sweep looks again soon (it is slow while nothing is parked here). */
  onParked?: () => void;
}

/** The watermark for a fact at `factAt`: the known one when it has passed the fact, else a fresh look. */
export async function customersReadUntil(deps: TranslatorDeps, factAt: number): Promise<number> {
  const known = deps.customersWatermark.current();
  return known >= factAt ? known : deps.customersWatermark.refresh();
}

export const OUTCOME = { request: 'requested', suppress: 'suppressed', reject: 'rejected' } as const;

export function createTranslatorHandlers(deps: TranslatorDeps): EventHandlers {
  const order = (type: OrderFact['type']) => async (event: DecodedEvent, ctx: HandlerContext) => {
    const fact = { type, payload: event.payload } as OrderFact;
    // Read before the transaction: a look at Kafka must not hold it open.
    const readUntil = await customersReadUntil(deps, occurredAtOf(ctx, deps.now().getTime()));
    await handle(deps, ctx, async (session, cause, now) => {
      const state = {
        order: await deps.store.order(session, fact.payload.orderId),
        customer: await deps.store.customer(session, fact.payload.customerId),
      };
      return {
        before: state.customer,
        outcome: onOrderFact(fact, state, {
          cause,
          occurredAt: occurredAtOf(ctx, now),
          now,
          customersReadUntil: readUntil,
          policy: deps.policy,
        }),
      };
    });
  };
  const customer = (type: CustomerFact['type']) => async (event: DecodedEvent, ctx: HandlerContext) => {
    const fact = { type, payload: event.payload } as CustomerFact;
    await handle(deps, ctx, async (session, cause, now) => {
      const current = await deps.store.customer(session, fact.payload.customerId);
      const orders = await deps.store.ordersById(
        session,
        (current?.parked ?? []).map((p) => p.orderId),
      );
      return {
        before: current,
        outcome: onCustomerFact(
          fact,
          { customer: current, orders },
          {
            cause,
            occurredAt: occurredAtOf(ctx, now),
            now,
            customersReadUntil: deps.customersWatermark.current(),
            policy: deps.policy,
          },
        ),
      };
    });
  };
  return {
    OrderPlaced: order('OrderPlaced'),
    OrderShipped: order('OrderShipped'),
    OrderCancelled: order('OrderCancelled'),
    CustomerRegistered: customer('CustomerRegistered'),
    CustomerEmailChanged: customer('CustomerEmailChanged'),
    CustomerMailPreferencesChanged: customer('CustomerMailPreferencesChanged'),
  };
}

/** The fact's own time; a producer clock we cannot read counts as "now" (it only shortens a wait). */
export function occurredAtOf(ctx: HandlerContext, now: number): number {
  const at = Date.parse(ctx.envelope.occurredAt);
  return Number.isFinite(at) ? at : now;
}

async function handle(
  deps: TranslatorDeps,
  ctx: HandlerContext,
  decide: (
    session: ClientSession,
    cause: Cause,
    now: number,
  ) => Promise<{ before: CustomerReplica | undefined; outcome: Outcome }>,
): Promise<void> {
  const cause: Cause = {
    eventId: ctx.envelope.eventId,
    correlationId: ctx.envelope.correlationId,
    traceparent: ctx.envelope.traceparent,
  };
  let emitted: MailDecision[] = [];
  let duplicate = false;
  let parkedDelta = 0;
  await deps.client.withSession((session) =>
    session.withTransaction(async () => {
      emitted = [];
      parkedDelta = 0;
      const now = deps.now();
      duplicate = !(await deps.store.claim(session, {
        _id: ctx.envelope.eventId,
        eventType: ctx.envelope.eventType,
        ...ctx.source,
        processedAt: now,
      }));
      if (duplicate) return;
      const { before, outcome } = await decide(session, cause, now.getTime());
      await persist(deps, session, outcome);
      emitted = await emit(deps, session, outcome.decisions, now);
      parkedDelta = outcome.customer.parked.length - (before?.parked.length ?? 0);
    }),
  );
  if (duplicate) {
    deps.metrics.duplicates.inc();
    ctx.logger.debug('event already processed; skipped');
    return;
  }
  if (parkedDelta > 0) {
    deps.onParked?.();
    deps.metrics.parked.inc(parkedDelta);
    ctx.logger.info('mail parked until the customer is known');
  }
  for (const d of emitted) {
    deps.metrics.decisions.inc({ outcome: OUTCOME[d.type], kind: d.kind });
    ctx.logger.info({ mailId: d.mailId, outcome: OUTCOME[d.type] }, 'mail decided');
  }
}

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
