import type { PartitionPosition } from './group-offsets';
import { parseReplayTarget, planReplay } from './replay-plan';

const pos = (partition: number, committed: bigint | null, low = 0n, high = 100n): PartitionPosition => ({
  topic: 'orders.events',
  partition,
  committed,
  low,
  high,
  lag: high - (committed ?? low),
});

describe('parseReplayTarget', () => {
  test.each([
    [{}, /exactly one target/],
    [{ toEarliest: true, shiftBy: '-5' }, /exactly one target/],
    [{ toTime: 'yesterday' }, /not a time/],
    [{ toOffset: 'orders.events:2' }, /topic:partition:offset/],
    [{ shiftBy: 'ten' }, /whole number/],
  ])('rejects %j with a message that says what to type', (options, message) => {
    expect(parseReplayTarget(options)).toMatch(message);
  });

  test('reads each kind of target', () => {
    expect(parseReplayTarget({ toEarliest: true })).toEqual({ kind: 'earliest' });
    expect(parseReplayTarget({ toTime: '2026-11-23T08:00:00Z' })).toEqual({
      kind: 'time',
      at: Date.UTC(2026, 10, 23, 8),
    });
    expect(parseReplayTarget({ toOffset: 'orders.events.x:2:1500' })).toEqual({
      kind: 'offset',
      topic: 'orders.events.x',
      partition: 2,
      offset: 1500n,
    });
    expect(parseReplayTarget({ shiftBy: '-500' })).toEqual({ kind: 'shift', by: -500n });
  });
});

describe('planReplay', () => {
  test('to earliest re-reads everything retained, from the log start', () => {
    expect(planReplay([pos(0, 80n, 10n), pos(1, null, 5n)], { kind: 'earliest' })).toEqual([
      { topic: 'orders.events', partition: 0, from: 80n, to: 10n, reread: 70n, skipped: 0n },
      { topic: 'orders.events', partition: 1, from: 5n, to: 5n, reread: 0n, skipped: 0n },
    ]);
  });

  test('a shift stays inside the retained log', () => {
    const moves = planReplay([pos(0, 30n, 10n), pos(1, 95n)], { kind: 'shift', by: 20n });
    expect(moves.map((m) => [m.to, m.reread, m.skipped])).toEqual([
      [50n, 0n, 20n],
      [100n, 0n, 5n],
    ]);
    expect(planReplay([pos(0, 30n, 10n)], { kind: 'shift', by: -50n })[0]?.to).toBe(10n);
  });

  test('an offset target moves only its partition; a time target uses the offsets found for the time', () => {
    const target = { kind: 'offset', topic: 'orders.events', partition: 1, offset: 40n } as const;
    expect(planReplay([pos(0, 80n), pos(1, 80n)], target)).toEqual([
      { topic: 'orders.events', partition: 1, from: 80n, to: 40n, reread: 40n, skipped: 0n },
    ]);
    const byTime = new Map([['orders.events:0', 60n]]);
    const moves = planReplay([pos(0, 80n), pos(1, 80n)], { kind: 'time', at: 0 }, byTime);
    expect(moves.map((m) => m.to)).toEqual([60n, 100n]);
  });
});
