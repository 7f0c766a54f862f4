// Where a replay moves a consumer group, partition by partition: pure, so the dry-run and the execute
// compute the same moves from the same positions.
import type { PartitionPosition } from './group-offsets';

export type ReplayTarget =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'time'; readonly at: number }
  | { readonly kind: 'offset'; readonly topic: string; readonly partition: number; readonly offset: bigint }
  | { readonly kind: 'shift'; readonly by: bigint };

export interface ReplayTargetOptions {
  readonly toEarliest?: boolean;
  readonly toTime?: string;
  readonly toOffset?: string;
  readonly shiftBy?: string;
}

/** The one target the options name, or the problem with them (a message for the person who typed them). */
export function parseReplayTarget(o: ReplayTargetOptions): ReplayTarget | string {
  const given = [o.toEarliest ? 'x' : undefined, o.toTime, o.toOffset, o.shiftBy].filter(
    (v) => v !== undefined,
  );
  if (given.length !== 1)
    return 'name exactly one target: --to-earliest, --to-time ISO, --to-offset topic:partition:offset or --shift-by N';
  if (o.toEarliest) return { kind: 'earliest' };
  if (o.toTime !== undefined) {
    const at = Date.parse(o.toTime);
    if (Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}/.test(o.toTime))
      return `--to-time "${o.toTime}" is not a time; use ISO 8601, e.g. 2026-11-23T08:00:00Z`;
    return { kind: 'time', at };
  }
  if (o.toOffset !== undefined) {
    const m = /^(.+):(\d+):(\d+)$/.exec(o.toOffset);
    if (!m) return `--to-offset "${o.toOffset}" must be topic:partition:offset, e.g. orders.events:2:1500`;
    return { kind: 'offset', topic: m[1]!, partition: Number(m[2]), offset: BigInt(m[3]!) };
  }
  if (!/^[+-]?\d+$/.test(o.shiftBy ?? ''))
    return `--shift-by "${o.shiftBy}" must be a whole number of records (negative to go back, e.g. -500)`;
  return { kind: 'shift', by: BigInt(o.shiftBy!) };
}

export interface ReplayMove {
  readonly topic: string;
  readonly partition: number;
  /** Where the group stands now (its next offset). */
  readonly from: bigint;
  /** Where it will stand. */
  readonly to: bigint;
  /** Records the group reads again (to < from) ... */
  readonly reread: bigint;
  /** ... or skips without reading them (to > from). */
  readonly skipped: bigint;
}

const clamp = (v: bigint, low: bigint, high: bigint) => (v < low ? low : v > high ? high : v);

/**
 * The moves for `target` from `positions`. `byTime` holds, for a time target, the first offset at or after
 * the time per "topic:partition" (the end of the partition when nothing is that new).
 */
export function planReplay(
  positions: readonly PartitionPosition[],
  target: ReplayTarget,
  byTime: ReadonlyMap<string, bigint> = new Map(),
): ReplayMove[] {
  const moves: ReplayMove[] = [];
  for (const p of positions) {
    const from = p.committed ?? p.low;
    let to: bigint;
    switch (target.kind) {
      case 'earliest':
        to = p.low;
        break;
      case 'time':
        to = byTime.get(`${p.topic}:${p.partition}`) ?? p.high;
        break;
      case 'offset':
        if (p.topic !== target.topic || p.partition !== target.partition) continue;
        to = target.offset;
        break;
      case 'shift':
        to = from + target.by;
        break;
      default: {
        const never: never = target;
        throw new Error(`unknown target ${JSON.stringify(never)}`);
      }
    }
    to = clamp(to, p.low, p.high);
    moves.push({
      topic: p.topic,
      partition: p.partition,
      from,
      to,
      reread: to < from ? from - to : 0n,
      skipped: to > from ? to - from : 0n,
    });
  }
  return moves;
}
