// The translator's handler: the records of one Kafka chunk in ONE transaction — inbox, replica, ledger
// and outbox of them all — deciding record after record on state that evolves in memory. Reads are one
// `$in` per collection and writes one bulk per collection, so a chunk costs about ten round trips
// whatever its size. When it throws, the consumer runner hands it the chunk's records one at a time (a
// chunk of one each), so a poison record is dead-lettered alone. Parked mails are decided by the sweep
// (parked-mail-sweep.ts). Records of mail.events bring the delivery feedback that fills the suppression
// list (@mailfleet/suppression); the translator's own outcomes there are skipped.
import type { ClientSession } from 'mongodb';
import type { BatchHandler, DecodedRecord, HandlerContext } from '@mailfleet/kafka';
import { addressFactsAmong } from '@mailfleet/suppression';
import type { MailDecision } from '../domain/decisions';
import { newlyParked, parkNotice } from '../domain/park-notice';
import { isErased } from '../domain/erasure';
import { onCustomerFact, onOrderFact, type CustomerFact, type OrderFact } from '../domain/translate';
import type { Cause, CustomerReplica, OrderReplica, ParkedMail } from '../domain/translator-state';
import type { InboxEntry } from '../adapters/translator-store';
import { parkedEventOf } from './mail-events';
import { countDigested } from './digest-collection';
import { newDecisions } from './new-decisions';
import { OUTCOME, type TranslatorDeps } from './translator-deps';

const ORDER_FACTS = new Set(['OrderPlaced', 'OrderShipped', 'OrderCancelled']);
const CUSTOMER_FACTS = new Set([
  'CustomerRegistered',
  'CustomerEmailChanged',
  'CustomerMailPreferencesChanged',
  'CustomerErased',
]);

type Fact =
  | { readonly kind: 'order'; readonly fact: OrderFact; readonly record: DecodedRecord }
  | { readonly kind: 'customer'; readonly fact: CustomerFact; readonly record: DecodedRecord };

function factOf(record: DecodedRecord): Fact {
  const { eventType, payload } = record.event;
  if (ORDER_FACTS.has(eventType))
    return { kind: 'order', fact: { type: eventType, payload } as OrderFact, record };
  if (CUSTOMER_FACTS.has(eventType))
    return { kind: 'customer', fact: { type: eventType, payload } as CustomerFact, record };
  throw new Error(`the translator has no rule for ${eventType}`);
}

export function createTranslatorBatchHandler(deps: TranslatorDeps): BatchHandler {
  return async (allRecords) => {
    const feedbackTopic = deps.topics.events.name;
    const addressFacts = addressFactsAmong(
      allRecords
        .filter((r) => r.context.source.topic === feedbackTopic)
        .map((r) => ({ event: r.event, eventId: r.context.envelope.eventId })),
      (kind) => deps.metrics.addressFacts.inc({ kind }),
    );
    const records = allRecords.filter((r) => r.context.source.topic !== feedbackTopic);
    if (records.length === 0) {
      // Feedback only: adding a fact is idempotent, so it needs no transaction and no inbox.
      await deps.suppressions.add(undefined, addressFacts);
      return;
    }
    const facts = records.map(factOf);
    const nowMs = deps.now().getTime();
    // Read before the transaction: a look at Kafka must not hold it open. One watermark that has passed
    // every order fact of the chunk serves them all (it only ever moves forward).
    const orderTimes = facts
      .filter((f) => f.kind === 'order')
      .map((f) => occurredAtOf(f.record.context, nowMs));
    const readUntil =
      orderTimes.length > 0
        ? await customersReadUntil(deps, Math.max(...orderTimes))
        : deps.customersWatermark.current();

    let emitted: MailDecision[] = [];
    let digested: MailDecision[] = [];
    let duplicates = 0;
    let parkedDelta = 0;
    let erasedIds: string[] = [];
    await deps.client.withSession((session) =>
      session.withTransaction(async () => {
        emitted = [];
        digested = [];
        parkedDelta = 0;
        erasedIds = [];
        const at = deps.now();
        const now = at.getTime();
        // First, so a bounce and the next order to its address in one chunk see each other.
        await deps.suppressions.add(session, addressFacts);
        const eventIds = facts.map((f) => f.record.context.envelope.eventId);
        const seen = await deps.store.processedAmong(session, eventIds);
        // A redelivered record, or the same event twice in one chunk, is handled once.
        const fresh = facts.filter((f, i) => {
          const id = eventIds[i]!;
          if (seen.has(id)) return false;
          seen.add(id);
          return true;
        });
        duplicates = facts.length - fresh.length;
        if (fresh.length === 0) return;

        const customers = await deps.store.customersById(session, [
          ...new Set(fresh.map((f) => f.fact.payload.customerId)),
        ]);
        const orderIds = new Set<string>();
        for (const f of fresh) if (f.kind === 'order') orderIds.add(f.fact.payload.orderId);
        for (const c of customers.values()) for (const p of c.parked) orderIds.add(p.orderId);
        const orders: Map<string, OrderReplica> = await deps.store.ordersById(session, [...orderIds]);
        const dirtyCustomers = new Set<string>();
        const dirtyOrders = new Set<string>();
        const decisions: MailDecision[] = [];
        const parkings: { mail: ParkedMail; customer: CustomerReplica }[] = [];
        const inbox: InboxEntry[] = [];
        const erased: CustomerReplica[] = [];

        for (const f of fresh) {
          const { envelope, source } = f.record.context;
          const cause: Cause = {
            eventId: envelope.eventId,
            correlationId: envelope.correlationId,
            traceparent: envelope.traceparent,
          };
          const context = {
            cause,
            occurredAt: occurredAtOf(f.record.context, now),
            now,
            customersReadUntil: readUntil,
            policy: deps.policy,
          };
          const before: CustomerReplica | undefined = customers.get(f.fact.payload.customerId);
          const outcome =
            f.kind === 'order'
              ? onOrderFact(f.fact, { order: orders.get(f.fact.payload.orderId), customer: before }, context)
              : onCustomerFact(f.fact, { customer: before, orders: parkedOrders(before, orders) }, context);
          customers.set(outcome.customer.customerId, outcome.customer);
          // An order fact that decides its mail leaves the customer as it was (the same object): not
          // rewriting it keeps the orders of one customer, spread over partitions and instances, from
          // conflicting on the customer's document. Parking and customer facts do write it, and those
          // are the writes that must serialise (docs/translator.md, "Concurrency").
          if (outcome.customer !== before) dirtyCustomers.add(outcome.customer.customerId);
          if (!isErased(before) && isErased(outcome.customer)) erased.push(before ?? outcome.customer);
          if (outcome.order) {
            orders.set(outcome.order.orderId, outcome.order);
            dirtyOrders.add(outcome.order.orderId);
          }
          decisions.push(...outcome.decisions);
          for (const mail of newlyParked(before, outcome.customer))
            parkings.push({ mail, customer: outcome.customer });
          parkedDelta += Math.max(0, outcome.customer.parked.length - (before?.parked.length ?? 0));
          inbox.push({ _id: envelope.eventId, eventType: envelope.eventType, ...source, processedAt: at });
        }

        await deps.store.recordProcessed(session, inbox);
        await deps.store.saveAll(
          session,
          [...dirtyCustomers].map((id) => customers.get(id)!),
          [...dirtyOrders].map((id) => orders.get(id)!),
        );
        const {
          decided,
          ledger,
          events,
          emitted: decidedNow,
          digested: collectedNow,
        } = await newDecisions(deps, session, decisions, at);
        emitted.push(...decidedNow);
        digested = collectedNow;
        // A mail parked and decided in the same chunk, or decided before (a replay after the replica was
        // reset parks facts again), needs no notice: its decision says more.
        for (const { mail, customer } of parkings) {
          if (decided.has(mail.mailId)) continue;
          const notice = parkNotice(mail, customer, deps.policy);
          events.push(parkedEventOf(notice, mail.cause, deps.topics, deps.newId(), at));
        }
        await eraseAround(deps, session, erased);
        erasedIds = erased.map((c) => c.customerId);
        await deps.store.recordDecided(session, ledger);
        await deps.outbox.addMany(session, events);
      }),
    );
    if (duplicates > 0) deps.metrics.duplicates.inc(duplicates);
    if (erasedIds.length > 0) {
      deps.metrics.erasures.inc(erasedIds.length);
      deps.logger.info({ customers: erasedIds }, 'customers erased: personal data removed');
    }
    countDigested(deps, digested);
    if (parkedDelta > 0) {
      deps.onParked?.();
      deps.metrics.parked.inc(parkedDelta);
      deps.logger.info({ parked: parkedDelta }, 'mails parked until their customer is known');
    }
    for (const d of emitted) {
      deps.metrics.decisions.inc({ outcome: OUTCOME[d.type], kind: d.kind });
      deps.logger.info(
        { mailId: d.mailId, outcome: OUTCOME[d.type], correlationId: d.cause.correlationId },
        'mail decided',
      );
    }
  };
}

/**
 * What the translator holds of erased customers besides the replica: their open digest windows (the
 * requests collected there carry the address and the name) and the suppression entries of the address
 * they had. Their mails are not sent any more, so nothing needs either.
 */
async function eraseAround(
  deps: TranslatorDeps,
  session: ClientSession,
  erased: readonly CustomerReplica[],
): Promise<void> {
  if (erased.length === 0) return;
  await deps.digestWindows.removeForCustomers(
    session,
    erased.map((c) => c.customerId),
  );
  const addresses = erased.flatMap((c) => (c.email === undefined ? [] : [c.email.toLowerCase()]));
  await deps.suppressions.removeMany(session, addresses);
}

/** The orders a customer has mails parked for, as the one-by-one handler reads them. */
function parkedOrders(
  customer: CustomerReplica | undefined,
  orders: ReadonlyMap<string, OrderReplica>,
): Map<string, OrderReplica> {
  const out = new Map<string, OrderReplica>();
  for (const p of customer?.parked ?? []) {
    const o = orders.get(p.orderId);
    if (o) out.set(p.orderId, o);
  }
  return out;
}

/** The watermark for a fact at `factAt`: the known one when it has passed the fact, else a fresh look. */
async function customersReadUntil(deps: TranslatorDeps, factAt: number): Promise<number> {
  const known = deps.customersWatermark.current();
  return known >= factAt ? known : deps.customersWatermark.refresh();
}

/** The fact's own time; a producer clock we cannot read counts as "now" (it only shortens a wait). */
function occurredAtOf(ctx: HandlerContext, now: number): number {
  const at = Date.parse(ctx.envelope.occurredAt);
  return Number.isFinite(at) ? at : now;
}
