// Digests: the mails of one kind for one recipient within a window become one mail listing them. Pure:
// the windows are values, the clock and the zone come in. The translator keeps one open window per
// (kind, customer) — a document that is also the point where two instances serialise — and closes it when
// its time has come (digest-closer.ts) or when a fact arrives after that (it then opens the next one).
import { DateTime } from 'luxon';
import type { MailDecision, TranslatorPolicy } from './decisions';
import { notBeforeIn } from './mail-rules';
import type { MailKind } from './translator-state';

export type RequestDecision = Extract<MailDecision, { type: 'request' }>;

/** How long a window stays open: a fixed time after its first fact, or until a local time of day. */
export type WindowSpec =
  { readonly type: 'sliding'; readonly ms: number } | { readonly type: 'daily'; readonly minute: number };

export interface DigestRule {
  /** The kind whose mails are collected (e.g. shipping-notice). */
  readonly kind: MailKind;
  /** The kind of the digest mail itself (its template). */
  readonly digestKind: MailKind;
  readonly window: WindowSpec;
  /** A window with one fact sends that fact's own mail rather than a digest of one. */
  readonly singleAsItself: boolean;
}

/** The kinds that can be collected, and the digest each one becomes (a template must exist for it). */
export const DIGEST_KINDS: Partial<Record<MailKind, MailKind>> = { 'shipping-notice': 'shipping-digest' };

/** An open window: the facts collected so far, each as the request it would have been on its own. */
export interface DigestWindow {
  /** `<kind>:<customerId>`: one open window per kind and customer. */
  readonly _id: string;
  readonly customerId: string;
  readonly kind: MailKind;
  readonly openedAt: number;
  readonly closesAt: number;
  /** The recipient's time zone when the window opened (a daily window's end, quiet hours at close). */
  readonly zone: string;
  readonly members: readonly RequestDecision[];
}

export const windowIdOf = (kind: MailKind, customerId: string): string => `${kind}:${customerId}`;

/** The digest's mail id: from recipient, kind and window, so the same window always gives the same id. */
export const digestMailIdOf = (w: DigestWindow, rule: DigestRule): string =>
  `${rule.digestKind}:${w.customerId}:${w.openedAt}`;

const DURATION = /^(\d+)(s|m|h)$/;
const DAILY = /^daily@([01]\d|2[0-3]):([0-5]\d)$/;

/** `10m`, `90s`, `2h` (sliding) or `daily@08:00` (until that local time); throws with what is expected. */
export function parseWindowSpec(text: string): WindowSpec {
  const d = DURATION.exec(text.trim());
  if (d) {
    const ms = Number(d[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[d[2] as 's' | 'm' | 'h'];
    if (ms >= 1_000 && ms <= 7 * 24 * 3_600_000) return { type: 'sliding', ms };
  }
  const daily = DAILY.exec(text.trim());
  if (daily) return { type: 'daily', minute: Number(daily[1]) * 60 + Number(daily[2]) };
  throw new Error(
    `a digest window is a duration between 1s and 7 days (90s, 10m, 2h) or daily@HH:MM, got ${JSON.stringify(text)}`,
  );
}

/** When a window opened at `now` closes: `ms` later, or at the next local `minute` of the day in `zone`. */
export function closingTime(now: number, zone: string, spec: WindowSpec): number {
  if (spec.type === 'sliding') return now + spec.ms;
  const local = DateTime.fromMillis(now, { zone });
  const today = local.set({
    hour: Math.floor(spec.minute / 60),
    minute: spec.minute % 60,
    second: 0,
    millisecond: 0,
  });
  return (today.toMillis() > now ? today : today.plus({ days: 1 })).toMillis();
}

/**
 * A fact's mail joins its customer's open window, or opens one. A window whose time has come takes
 * nothing more, even if it has not been closed yet: it is handed back as `closed` (to be sent now) and
 * the fact opens the next window — a late fact never joins a digest that is (or is about to be) sent.
 */
export function collect(
  open: DigestWindow | undefined,
  member: RequestDecision,
  rule: DigestRule,
  zone: string,
  now: number,
): { readonly open: DigestWindow; readonly closed?: DigestWindow } {
  if (open && now < open.closesAt) return { open: { ...open, members: [...open.members, member] } };
  const customerId = member.recipient.customerId;
  const next: DigestWindow = {
    _id: windowIdOf(rule.kind, customerId),
    customerId,
    kind: rule.kind,
    openedAt: now,
    closesAt: closingTime(now, zone, rule.window),
    zone,
    members: [member],
  };
  return open ? { open: next, closed: open } : { open: next };
}

/**
 * The mail a closed window becomes: its only fact's own mail (when the rule says so), or one digest
 * listing every fact, to the address of the latest one, caused by the first. Quiet hours apply at the
 * moment it closes.
 */
export function digestOf(
  w: DigestWindow,
  rule: DigestRule,
  policy: TranslatorPolicy,
  now: number,
): RequestDecision {
  const first = w.members[0];
  const last = w.members[w.members.length - 1];
  if (!first || !last) throw new Error(`digest window ${w._id} has no members`);
  if (w.members.length === 1 && rule.singleAsItself)
    return { ...first, notBefore: notBeforeIn(first.kind, w.zone, policy, now) };
  return {
    type: 'request',
    mailId: digestMailIdOf(w, rule),
    kind: rule.digestKind,
    templateVersion: policy.templateVersions[rule.digestKind],
    recipient: last.recipient,
    locale: last.locale,
    templateData: {
      customerName: last.recipient.name,
      windowStart: w.openedAt,
      windowEnd: w.closesAt,
      items: w.members.map((m) => {
        const { customerName: _name, ...item } = m.templateData as Record<string, unknown>;
        return item;
      }),
    },
    priority: policy.delivery[rule.digestKind].priority,
    notBefore: notBeforeIn(rule.digestKind, w.zone, policy, now),
    category: policy.delivery[rule.digestKind].category ?? null,
    digest: { windowStart: w.openedAt, windowEnd: w.closesAt, members: w.members.map((m) => m.mailId) },
    cause: first.cause,
  };
}
