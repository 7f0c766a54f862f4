// Ledger first: of a transaction's decisions, only mails the ledger has not seen are emitted — a mail
// decided before (by any instance, in any earlier run, or earlier in the same list) never is again. New
// requests of a digest kind are collected into their window instead (digest-collection.ts). A request to
// an address on the suppression list becomes a suppression (@mailfleet/suppression).
import type { ClientSession } from 'mongodb';
import { suppressionReason } from '@mailfleet/suppression';
import type { MailDecision } from '../domain/decisions';
import type { LedgerEntry } from '../adapters/translator-store';
import type { DigestRule, RequestDecision } from '../domain/digests';
import { collectIntoDigests, digestRuleFor } from './digest-collection';
import { mailEventOf } from './mail-events';
import { OUTCOME, type TranslatorDeps } from './translator-deps';

export interface NewDecisions {
  /** Every mail id decided now or before: the ledger's answer plus the new ones. */
  readonly decided: Set<string>;
  readonly ledger: LedgerEntry[];
  readonly events: ReturnType<typeof mailEventOf>[];
  /** Mails sent out now (a digest closed by a late fact among them; not the ones collected). */
  readonly emitted: MailDecision[];
  /** Requests collected into a digest window (sent later, with the digest). */
  readonly digested: MailDecision[];
}

/**
 * One `$in` read of the ledger; the entries and events of the new decisions, for the caller to write
 * (the digest windows they join are written here, in the same session).
 */
export async function newDecisions(
  deps: TranslatorDeps,
  session: ClientSession,
  decisions: readonly MailDecision[],
  at: Date,
): Promise<NewDecisions> {
  const decided = await deps.store.decidedAmong(session, [...new Set(decisions.map((d) => d.mailId))]);
  const fresh: NewDecisions = { decided, ledger: [], events: [], emitted: [], digested: [] };
  const collected: { decision: RequestDecision; rule: DigestRule }[] = [];
  const checked = await withSuppressions(
    deps,
    session,
    decisions.filter((d) => !decided.has(d.mailId)),
    at,
  );
  for (const d of checked) {
    if (decided.has(d.mailId)) continue;
    decided.add(d.mailId);
    const rule = digestRuleFor(deps, d);
    if (rule) {
      collected.push({ decision: d as RequestDecision, rule });
      fresh.digested.push(d);
      continue;
    }
    const eventId = deps.newId();
    fresh.ledger.push({ _id: d.mailId, outcome: OUTCOME[d.type], eventId, decidedAt: at });
    fresh.events.push(mailEventOf(d, deps.topics, eventId, at));
    fresh.emitted.push(d);
  }
  const digests = await collectIntoDigests(deps, session, collected, at);
  fresh.ledger.push(...digests.ledger);
  fresh.events.push(...digests.events);
  fresh.emitted.push(...digests.emitted);
  return fresh;
}

/** The decisions with each request to a suppressed address turned into a suppression (one read for all). */
async function withSuppressions(
  deps: TranslatorDeps,
  session: ClientSession,
  decisions: readonly MailDecision[],
  at: Date,
): Promise<MailDecision[]> {
  const addressOf = (d: MailDecision) => (d.type === 'request' ? d.recipient.email.toLowerCase() : null);
  const addresses = decisions.map(addressOf).filter((a): a is string => a !== null);
  const listed = await deps.suppressions.byAddress(session, addresses);
  if (listed.size === 0) return [...decisions];
  return decisions.map((d): MailDecision => {
    const address = addressOf(d);
    const reason =
      d.type === 'request' && address !== null
        ? suppressionReason(listed.get(address), at.getTime(), deps.policy.softBounces, d.category ?? null)
        : null;
    return d.type === 'request' && reason !== null
      ? {
          type: 'suppress',
          mailId: d.mailId,
          kind: d.kind,
          customerId: d.recipient.customerId,
          reason,
          cause: d.cause,
        }
      : d;
  });
}
