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
}

const OUTCOME = { request: 'requested', suppress: 'suppressed', reject: 'rejected' } as const;

export function createTranslatorHandlers(deps: TranslatorDeps): EventHandlers {
  const order = (type: OrderFact['type']) => async (event: DecodedEvent, ctx: HandlerContext) => {
    const fact = { type, payload: event.payload } as OrderFact;
    await handle(deps, ctx, async (session, cause, now) => {
      const state = {
        order: await deps.store.order(session, fact.payload.orderId),
        customer: await deps.store.customer(session, fact.payload.customerId),
      };
      return {
        before: state.customer,
        outcome: onOrderFact(fact, state, { cause, now, policy: deps.policy }),
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
        outcome: onCustomerFact(fact, { customer: current, orders }, { cause, now, policy: deps.policy }),
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

/** The periodic sweep: mails parked too long are rejected, each customer in its own transaction. */
export async function rejectExpiredParkedMails(deps: TranslatorDeps): Promise<number> {
  const cutoff = deps.now().getTime() - deps.policy.parkLimitMs;
  let rejected = 0;
  for (const customerId of await deps.store.customersParkedBefore(cutoff + 1, 100)) {
    let emitted: MailDecision[] = [];
    await deps.client.withSession((session) =>
      session.withTransaction(async () => {
        const now = deps.now();
        const customer = await deps.store.customer(session, customerId);
        if (!customer) return;
        const outcome = expireParked(customer, now.getTime(), deps.policy);
        await persist(deps, session, outcome);
        emitted = await emit(deps, session, outcome.decisions, now);
      }),
    );
    for (const d of emitted) {
      deps.metrics.decisions.inc({ outcome: OUTCOME[d.type], kind: d.kind });
      deps.logger.warn(
        { mailId: d.mailId, customerId, correlationId: d.cause.correlationId },
        'parked mail expired: customer unknown',
      );
    }
    rejected += emitted.length;
  }
  return rejected;
}
