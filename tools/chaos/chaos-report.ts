// What a chaos run is asked for, what it tells while it runs, and what it reports.
import type { FaultRecord } from './fault-injector';
import type { FaultKind } from './fault-plan';
import type { Verdict } from './oracle/verdict';

export interface ChaosOptions {
  readonly orders: number;
  readonly seed: number;
  readonly faults: readonly FaultKind[];
  readonly instances: number;
  /** How long the load (and the faults) run; at least what the faults asked for need. */
  readonly windowMs?: number;
  /** How long to wait, after the load, for every mail that is due. */
  readonly drainTimeoutMs: number;
  readonly keep?: boolean;
}

export interface ChaosProgress {
  readonly phase: 'starting' | 'load' | 'draining' | 'checking' | 'done';
  readonly done: number;
  readonly total: number;
  readonly note?: string;
}

export interface FaultOutcome extends FaultRecord {
  /** From the fault's end to the next mail the SMTP server accepted: the fleet making progress again. */
  readonly recoveredAfterMs: number | null;
}

export interface ChaosReport {
  readonly runId: string;
  readonly options: ChaosOptions;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string;
    readonly memoryGiB: number;
    readonly node: string;
  };
  readonly startedAt: string;
  readonly durations: { readonly loadMs: number; readonly drainMs: number; readonly totalMs: number };
  readonly load: {
    readonly commands: number;
    readonly committedFacts: number;
    readonly rolledBack: number;
    readonly refused: number;
  };
  readonly faults: readonly FaultOutcome[];
  readonly restartsAfterCrash: Readonly<Record<string, number>>;
  readonly verdict: Verdict;
  /** The verdict holds and every fault was injected (or skipped for a reason). */
  readonly ok: boolean;
  readonly logs: string;
}
