// Compares what the committed facts call for with what the SMTP server received and what the fleet
// reported. Pure: the observations are read elsewhere (observations.ts).
import type { Expectation } from './expected-mails';

export interface DeliveredMail {
  readonly mailId: string;
  readonly messageId: string | undefined;
  readonly recipients: readonly string[];
  /** When the SMTP server accepted it (epoch ms). */
  readonly receivedAt: number;
}

export interface DeadLetter {
  readonly topic: string;
  readonly key: string;
  readonly group: string;
}

/** A digest the translator requested (mail.requested): the facts' mails it stands for, and its window. */
export interface DigestInfo {
  readonly customerId: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly members: readonly string[];
}

export interface Observations {
  /** Every message the SMTP server accepted during the run. */
  readonly delivered: readonly DeliveredMail[];
  /** Mails the sender reported as ambiguous (MailSendFailed, errorClass ambiguous): a resend is documented. */
  readonly ambiguous: ReadonlySet<string>;
  /** Mails the sender gave up on (MailDeadLettered). */
  readonly dead: ReadonlySet<string>;
  readonly deadLetters: readonly DeadLetter[];
  /** Outbox records still pending or quarantined, per database. */
  readonly outboxLeft: Readonly<Record<string, number>>;
  /** Differences between the live projection and a from-scratch rebuild (empty when equal). */
  readonly projectionDiffs: readonly string[];
  /** Digests by mail id: a delivered digest counts as one delivery of each of its members. */
  readonly digests?: ReadonlyMap<string, DigestInfo>;
}

export interface Verdict {
  readonly expected: { readonly send: number; readonly either: number; readonly never: number };
  readonly delivered: number;
  /** Digests delivered, and how many facts' mails they stood for. */
  readonly digests: { readonly delivered: number; readonly members: number };
  /** Must be sent, never arrived. */
  readonly lost: readonly string[];
  /** Arrived more than once without a documented ambiguous outcome. */
  readonly duplicated: readonly string[];
  /** Arrived more than once after an ambiguous outcome: the sender's documented resend. */
  readonly ambiguousResends: readonly string[];
  /** Arrived although it must not (rolled back, opted out, unknown customer, or not a mail of the run). */
  readonly unexpected: readonly string[];
  /** Arrived at an address the customer never had at or after the fact. */
  readonly misaddressed: readonly string[];
  readonly deadLetters: { readonly missing: readonly string[]; readonly extra: readonly string[] };
  readonly outboxLeft: Readonly<Record<string, number>>;
  readonly projectionDiffs: readonly string[];
  readonly ok: boolean;
}

const lower = (s: string) => s.trim().toLowerCase();

/**
 * `poison` lists the dead letters the run injected, as `topic|key` (one per consumer group that reads the
 * topic); a record dead-lettered twice by one group (a crash between the DLQ write and the commit) counts once.
 */
export function judge(
  expected: ReadonlyMap<string, Expectation>,
  observed: Observations,
  poison: readonly string[],
): Verdict {
  const byMail = new Map<string, DeliveredMail[]>();
  for (const d of observed.delivered) byMail.set(d.mailId, [...(byMail.get(d.mailId) ?? []), d]);

  // A digest stands for its members' mails: each of its deliveries is one of each member's. One window
  // per customer at a time: two digests of a customer whose windows overlap are a duplicate.
  const digests = observed.digests ?? new Map<string, DigestInfo>();
  const viaDigest = new Map<string, { digestId: string; copy: DeliveredMail }[]>();
  const byCustomer = new Map<string, [string, DigestInfo][]>();
  let digestsDelivered = 0;
  let digestMembers = 0;
  for (const [digestId, info] of digests) {
    const copies = byMail.get(digestId) ?? [];
    if (copies.length === 0) continue;
    digestsDelivered++;
    digestMembers += info.members.length;
    for (const m of info.members)
      viaDigest.set(m, [...(viaDigest.get(m) ?? []), ...copies.map((copy) => ({ digestId, copy }))]);
    byCustomer.set(info.customerId, [...(byCustomer.get(info.customerId) ?? []), [digestId, info]]);
  }

  const lost: string[] = [];
  const duplicated: string[] = [];
  const ambiguousResends: string[] = [];
  const unexpected: string[] = [];
  const misaddressed: string[] = [];
  const counts = { send: 0, either: 0, never: 0 };
  for (const e of expected.values()) {
    counts[e.must]++;
    const own = byMail.get(e.mailId) ?? [];
    const digested = viaDigest.get(e.mailId) ?? [];
    const copies = [...own, ...digested.map((d) => d.copy)];
    const ambiguous =
      observed.ambiguous.has(e.mailId) || digested.some((d) => observed.ambiguous.has(d.digestId));
    if (e.must === 'never') {
      if (copies.length > 0) unexpected.push(`${e.mailId} (${e.why})`);
      continue;
    }
    if (copies.length === 0 && e.must === 'send')
      lost.push(observed.dead.has(e.mailId) ? `${e.mailId} (dead-lettered by the sender)` : e.mailId);
    // The sender resends an ambiguous mail at most once (SENDER_AMBIGUOUS_MAX_RESENDS=1): two copies at most.
    if (copies.length > 1)
      (ambiguous && copies.length <= 2 ? ambiguousResends : duplicated).push(
        `${e.mailId} ×${copies.length}${digested.length > 0 ? ` (in ${[...new Set(digested.map((d) => d.digestId))].join(', ')})` : ''}`,
      );
    const allowed = new Set(e.addresses.map(lower));
    // A digest goes to the address its latest fact was decided with: checked below against all of them.
    for (const c of own) {
      const wrong = c.recipients.filter((r) => !allowed.has(lower(r)));
      if (wrong.length > 0 || c.recipients.length !== 1)
        misaddressed.push(`${e.mailId} to ${c.recipients.join(', ')} (allowed: ${[...allowed].join(', ')})`);
    }
  }
  for (const mailId of byMail.keys())
    if (!expected.has(mailId) && !digests.has(mailId))
      unexpected.push(`${mailId} (no committed fact calls for it)`);
  for (const [digestId, info] of digests) {
    const copies = byMail.get(digestId) ?? [];
    if (copies.length === 0) continue;
    const members = info.members.map((m) => expected.get(m));
    const never = info.members.filter((_, i) => members[i]?.must !== 'send' && members[i]?.must !== 'either');
    if (never.length > 0) unexpected.push(`${digestId} lists ${never.join(', ')}, which must not be sent`);
    const allowed = new Set(members.flatMap((e) => (e && e.must !== 'never' ? e.addresses.map(lower) : [])));
    for (const c of copies) {
      const wrong = c.recipients.filter((r) => !allowed.has(lower(r)));
      if (wrong.length > 0 || c.recipients.length !== 1)
        misaddressed.push(`${digestId} to ${c.recipients.join(', ')} (allowed: ${[...allowed].join(', ')})`);
    }
  }
  for (const list of byCustomer.values()) {
    const sorted = [...list].sort((a, b) => a[1].windowStart - b[1].windowStart);
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i]![1].windowStart < sorted[i - 1]![1].windowEnd)
        duplicated.push(`digest windows overlap: ${sorted[i - 1]![0]} and ${sorted[i]![0]}`);
  }

  const seen = new Set(observed.deadLetters.map((d) => `${d.topic}|${d.key}|${d.group}`));
  const wanted = new Set(poison);
  const missing = [...wanted].filter((p) => !seen.has(p));
  const extra = [...seen].filter((s) => !wanted.has(s));

  const outboxLeft = Object.fromEntries(Object.entries(observed.outboxLeft).filter(([, n]) => n > 0));
  const ok =
    lost.length +
      duplicated.length +
      unexpected.length +
      misaddressed.length +
      missing.length +
      extra.length ===
      0 &&
    Object.keys(outboxLeft).length === 0 &&
    observed.projectionDiffs.length === 0;
  return {
    expected: counts,
    delivered: observed.delivered.length,
    digests: { delivered: digestsDelivered, members: digestMembers },
    lost,
    duplicated,
    ambiguousResends,
    unexpected,
    misaddressed,
    deadLetters: { missing, extra },
    outboxLeft,
    projectionDiffs: observed.projectionDiffs,
    ok,
  };
}
