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
}

export interface Verdict {
  readonly expected: { readonly send: number; readonly either: number; readonly never: number };
  readonly delivered: number;
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

  const lost: string[] = [];
  const duplicated: string[] = [];
  const ambiguousResends: string[] = [];
  const unexpected: string[] = [];
  const misaddressed: string[] = [];
  const counts = { send: 0, either: 0, never: 0 };
  for (const e of expected.values()) {
    counts[e.must]++;
    const copies = byMail.get(e.mailId) ?? [];
    if (e.must === 'never') {
      if (copies.length > 0) unexpected.push(`${e.mailId} (${e.why})`);
      continue;
    }
    if (copies.length === 0 && e.must === 'send')
      lost.push(observed.dead.has(e.mailId) ? `${e.mailId} (dead-lettered by the sender)` : e.mailId);
    // The sender resends an ambiguous mail at most once (SENDER_AMBIGUOUS_MAX_RESENDS=1): two copies at most.
    if (copies.length > 1)
      (observed.ambiguous.has(e.mailId) && copies.length <= 2 ? ambiguousResends : duplicated).push(
        `${e.mailId} ×${copies.length}`,
      );
    const allowed = new Set(e.addresses.map(lower));
    for (const c of copies) {
      const wrong = c.recipients.filter((r) => !allowed.has(lower(r)));
      if (wrong.length > 0 || c.recipients.length !== 1)
        misaddressed.push(`${e.mailId} to ${c.recipients.join(', ')} (allowed: ${[...allowed].join(', ')})`);
    }
  }
  for (const mailId of byMail.keys())
    if (!expected.has(mailId)) unexpected.push(`${mailId} (no committed fact calls for it)`);

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
