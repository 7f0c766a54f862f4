// Ledger first: of a transaction's decisions, only mails the ledger has not seen are emitted — a mail
// decided before (by any instance, in any earlier run, or earlier in the same list) never is again.
import type { ClientSession } from 'mongodb';
import type { MailDecision } from '../domain/decisions';
import type { LedgerEntry } from '../adapters/translator-store';
import { mailEventOf } from './mail-events';
import { OUTCOME, type TranslatorDeps } from './translator-deps';

export interface NewDecisions {
  /** Every mail id decided now or before: the ledger's answer plus the new ones. */
  readonly decided: Set<string>;
  readonly ledger: LedgerEntry[];
  readonly events: ReturnType<typeof mailEventOf>[];
  readonly emitted: MailDecision[];
}

/** One `$in` read of the ledger; the entries and events of the new decisions, for the caller to write. */
export async function newDecisions(
  deps: TranslatorDeps,
  session: ClientSession,
  decisions: readonly MailDecision[],
  at: Date,
): Promise<NewDecisions> {
  const decided = await deps.store.decidedAmong(session, [...new Set(decisions.map((d) => d.mailId))]);
  const fresh: NewDecisions = { decided, ledger: [], events: [], emitted: [] };
  for (const d of decisions) {
    if (decided.has(d.mailId)) continue;
    decided.add(d.mailId);
    const eventId = deps.newId();
    fresh.ledger.push({ _id: d.mailId, outcome: OUTCOME[d.type], eventId, decidedAt: at });
    fresh.events.push(mailEventOf(d, deps.topics, eventId, at));
    fresh.emitted.push(d);
  }
  return fresh;
}
