// The seeded fault schedule of a chaos run. Pure: the same seed, kinds and window give the same plan, so a
// failing run can be repeated fault for fault.
import { seeded } from '@mailfleet/example-orders';

export const FAULT_KINDS = [
  'kill',
  'pause',
  'broker',
  'mongo',
  'registry',
  'smtp',
  'poison',
  'oversized',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The SMTP behaviours of real servers the sink can play (dev/smtp-sink/README.md). */
export const SMTP_FAULTS = ['slow', '4xx-burst', '421-refuse', 'drop-after-dot', '535-auth'] as const;
export type SmtpFault = (typeof SMTP_FAULTS)[number];

export const POISON_KINDS = ['undecodable', 'unknown-schema-id', 'missing-headers'] as const;
export type PoisonKind = (typeof POISON_KINDS)[number];

export type PlannedFault =
  | { readonly kind: 'kill'; readonly atMs: number; readonly target: string; readonly pauseMs: number }
  | { readonly kind: 'pause'; readonly atMs: number; readonly target: string; readonly durationMs: number }
  | { readonly kind: 'broker'; readonly atMs: number; readonly durationMs: number }
  | { readonly kind: 'mongo'; readonly atMs: number; readonly durationMs: number }
  | { readonly kind: 'registry'; readonly atMs: number; readonly durationMs: number }
  | { readonly kind: 'smtp'; readonly atMs: number; readonly fault: SmtpFault; readonly durationMs: number }
  | {
      readonly kind: 'poison';
      readonly atMs: number;
      readonly poison: PoisonKind;
      readonly topic: 'orders' | 'customers';
    }
  | { readonly kind: 'oversized'; readonly atMs: number };

export interface PlanOptions {
  readonly seed: number;
  readonly kinds: readonly FaultKind[];
  /** The time the load runs; every fault starts inside it. */
  readonly windowMs: number;
  /** The fleet's instances that may be killed or paused ("translator#1", …). */
  readonly targets: readonly string[];
  /** kafkajs' consumer session timeout: a pause must outlast it to cost the instance its partitions. */
  readonly sessionTimeoutMs: number;
}

/** Infrastructure outages never overlap each other, so each one's recovery time is its own. */
const OUTAGES: readonly FaultKind[] = ['broker', 'mongo', 'registry'];

/**
 * How long each outage lasts (the figures: MongoDB stopped 20–70 s, registry down 30 s; the broker
 * is restarted after a few seconds, as a supervisor would).
 */
function outageMs(kind: FaultKind, random: () => number): number {
  if (kind === 'mongo') return 20_000 + Math.floor(random() * 50_000);
  if (kind === 'registry') return 30_000;
  return 3_000 + Math.floor(random() * 7_000);
}

/** The minimum window that fits one of every outage asked for, back to back with room to recover. */
export function minimumWindowMs(kinds: readonly FaultKind[]): number {
  const outages = kinds.filter((k) => OUTAGES.includes(k)).length;
  return Math.max(60_000, outages * 100_000);
}

export function planFaults(options: PlanOptions): PlannedFault[] {
  const random = seeded(options.seed ^ 0x5eed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const plan: PlannedFault[] = [];
  // Faults start in the first 80% of the window so that the load still runs while they end.
  const span = options.windowMs * 0.8;
  const at = () => Math.floor(random() * span);

  // Outages: one slot each, in a seeded order, each starting at a random point of its slot.
  const outages = options.kinds.filter((k) => OUTAGES.includes(k));
  const order = [...outages].sort(() => random() - 0.5);
  const slot = outages.length > 0 ? span / outages.length : 0;
  order.forEach((kind, i) => {
    const durationMs = outageMs(kind, random);
    const latestStart = Math.max(0, slot - durationMs - 20_000);
    const atMs = Math.floor(i * slot + random() * latestStart);
    plan.push({ kind: kind as 'broker' | 'mongo' | 'registry', atMs, durationMs });
  });

  // Every other kind at least once; process faults and SMTP faults once per minute of window as well.
  const perMinute = Math.max(1, Math.floor(options.windowMs / 60_000));
  for (const kind of options.kinds) {
    if (kind === 'kill' && options.targets.length > 0) {
      for (let i = 0; i < perMinute; i++)
        plan.push({
          kind,
          atMs: at(),
          target: pick(options.targets),
          pauseMs: 1_000 + Math.floor(random() * 4_000),
        });
    } else if (kind === 'pause' && options.targets.length > 0) {
      for (let i = 0; i < Math.max(1, Math.floor(perMinute / 2)); i++)
        plan.push({
          kind,
          atMs: at(),
          target: pick(options.targets),
          durationMs: options.sessionTimeoutMs + 5_000 + Math.floor(random() * 10_000),
        });
    } else if (kind === 'smtp') {
      // Every SMTP behaviour once, then random ones.
      const faults = [...SMTP_FAULTS, ...Array.from({ length: perMinute - 1 }, () => pick(SMTP_FAULTS))];
      for (const fault of faults)
        plan.push({ kind, atMs: at(), fault, durationMs: 10_000 + Math.floor(random() * 20_000) });
    } else if (kind === 'poison') {
      for (const poison of POISON_KINDS)
        for (const topic of ['orders', 'customers'] as const) plan.push({ kind, atMs: at(), poison, topic });
    } else if (kind === 'oversized') {
      plan.push({ kind, atMs: at() });
    }
  }
  return plan.sort((a, b) => a.atMs - b.atMs);
}

/** Parses `all` or a comma-separated list of kinds, with a message that names the valid ones. */
export function parseFaultKinds(text: string): FaultKind[] {
  if (text.trim() === 'all') return [...FAULT_KINDS];
  if (text.trim() === 'none') return [];
  const kinds = text
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !(FAULT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0 || kinds.length === 0)
    throw new Error(
      `unknown fault kind${unknown.length === 1 ? '' : 's'} ${unknown.join(', ') || '(empty)'}; use all, none or a list of ${FAULT_KINDS.join(', ')}`,
    );
  return [...new Set(kinds)] as FaultKind[];
}
