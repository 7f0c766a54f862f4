// Digest windows inside the caller's transaction: requests of a digest kind join their customer's open
// window instead of going out (collect), and windows whose time has come become their mail (close). Both
// write the window documents, the ledger entries and the outbox events for the caller to write in the same
// transaction — exactly one mail per window, whoever closes it (the closer, or a fact arriving late).
import type { ClientSession } from 'mongodb';
import type { OutboxEvent } from '@mailfleet/outbox';
import type { LedgerEntry } from '../adapters/translator-store';
import type { MailDecision } from '../domain/decisions';
import {
  DIGEST_KINDS,
  collect,
  digestMailIdOf,
  digestOf,
  windowIdOf,
  type DigestRule,
  type DigestWindow,
  type RequestDecision,
} from '../domain/digests';
import { recipientZone } from '../domain/quiet-hours';
import { mailEventOf } from './mail-events';
import type { TranslatorDeps } from './translator-deps';

export interface DigestWrites {
  readonly ledger: LedgerEntry[];
  readonly events: OutboxEvent[];
  readonly emitted: MailDecision[];
}

/** The rule collecting `d`'s mails, when it is a request of a digest kind (never a HIGH-priority one). */
export function digestRuleFor(deps: TranslatorDeps, d: MailDecision): DigestRule | undefined {
  if (d.type !== 'request' || d.priority === 'HIGH') return undefined;
  return deps.policy.digests?.find((r) => r.kind === d.kind);
}

/**
 * The rule a window was opened under; when the configuration no longer collects its kind (digests turned
 * off while windows were open), the window still goes out, as its facts' own mails if it has one.
 */
function ruleOf(deps: TranslatorDeps, w: DigestWindow): DigestRule {
  return (
    deps.policy.digests?.find((r) => r.kind === w.kind) ?? {
      kind: w.kind,
      digestKind: DIGEST_KINDS[w.kind] ?? w.kind,
      window: { type: 'sliding', ms: 0 },
      singleAsItself: true,
    }
  );
}

/**
 * Collects new (not yet decided) requests of digest kinds into their windows, closing any window whose
 * time had come before the request arrived. Returns what to write; the windows are written here.
 */
export async function collectIntoDigests(
  deps: TranslatorDeps,
  session: ClientSession,
  members: readonly { readonly decision: RequestDecision; readonly rule: DigestRule }[],
  at: Date,
): Promise<DigestWrites> {
  const writes: DigestWrites = { ledger: [], events: [], emitted: [] };
  if (members.length === 0) return writes;
  const now = at.getTime();
  const ids = [
    ...new Set(members.map(({ decision, rule }) => windowIdOf(rule.kind, decision.recipient.customerId))),
  ];
  const open = await deps.digestWindows.byId(session, ids);
  const closed: DigestWindow[] = [];
  const opened: DigestWindow[] = [];
  for (const { decision, rule } of members) {
    const id = windowIdOf(rule.kind, decision.recipient.customerId);
    const zone = decision.zone ?? recipientZone(undefined, deps.policy.defaultTimeZone);
    const result = collect(open.get(id), decision, rule, zone, now);
    if (result.closed) closed.push(result.closed);
    if (result.open.openedAt === now && result.open.members.length === 1) opened.push(result.open);
    open.set(id, result.open);
    writes.ledger.push({
      _id: decision.mailId,
      outcome: 'digested',
      eventId: null,
      decidedAt: at,
      digest: digestMailIdOf(result.open, rule),
    });
  }
  const touched = ids.map((id) => open.get(id)).filter((w): w is DigestWindow => w !== undefined);
  await deps.digestWindows.save(session, touched, closed);
  const closings = closingsOf(deps, closed, at);
  writes.ledger.push(...closings.ledger);
  writes.events.push(...closings.events);
  writes.emitted.push(...closings.emitted);
  for (const w of opened) deps.onDigestOpened?.(w.closesAt);
  return writes;
}

/**
 * The mails closed windows become, with their events and ledger entries: a digest gets an entry of its
 * own; a window of one sent as that fact's own mail already has its entry (written when it was collected),
 * and is sent under its own id. The window's removal, in the same transaction, is what makes it once.
 */
export function closingsOf(deps: TranslatorDeps, windows: readonly DigestWindow[], at: Date): DigestWrites {
  const writes: DigestWrites = { ledger: [], events: [], emitted: [] };
  for (const w of windows) {
    const decision = digestOf(w, ruleOf(deps, w), deps.policy, at.getTime());
    const eventId = deps.newId();
    if (decision.digest)
      writes.ledger.push({ _id: decision.mailId, outcome: 'requested', eventId, decidedAt: at });
    writes.events.push(mailEventOf(decision, deps.topics, eventId, at));
    writes.emitted.push(decision);
  }
  return writes;
}

/** After commit: metrics and a log line for the requests collected into digest windows. */
export function countDigested(deps: TranslatorDeps, digested: readonly MailDecision[]): void {
  for (const d of digested) {
    deps.metrics.decisions.inc({ outcome: 'digested', kind: d.kind });
    deps.logger.info(
      { mailId: d.mailId, outcome: 'digested', correlationId: d.cause.correlationId },
      'mail collected into a digest window',
    );
  }
}
