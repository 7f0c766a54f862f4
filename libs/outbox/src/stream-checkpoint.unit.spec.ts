import { Timestamp } from 'mongodb';
import { checkpointAfter, compareTimestamps, coveredBy, earliest, isCheckpoint } from './stream-checkpoint';
import { unpublishedFilter } from './unpublished';

const ts = (t: number, i: number) => new Timestamp({ t, i });
const wall = new Date('2026-12-07T10:00:00Z');
const event = (t: number, i: number, id: string) => ({ at: ts(t, i), id, wall });

describe('stream checkpoints', () => {
  test('timestamps compare by seconds, then by increment', () => {
    expect(compareTimestamps(ts(5, 9), ts(6, 1))).toBeLessThan(0);
    expect(compareTimestamps(ts(6, 2), ts(6, 1))).toBeGreaterThan(0);
    expect(compareTimestamps(ts(6, 1), ts(6, 1))).toBe(0);
  });

  test('given a round that ends inside a transaction (events sharing a cluster time), the checkpoint names the ones published', () => {
    const checkpoint = checkpointAfter([event(5, 1, 'a'), event(6, 1, 'b'), event(6, 1, 'c')]);
    expect(checkpoint.at).toEqual(ts(6, 1));
    expect(checkpoint.ids).toEqual(['b', 'c']);
    // Resuming at 6:1 (inclusive) skips b and c but not the transaction's remaining event d.
    expect(coveredBy(checkpoint, ts(6, 1), 'b')).toBe(true);
    expect(coveredBy(checkpoint, ts(6, 1), 'd')).toBe(false);
    expect(coveredBy(checkpoint, ts(5, 1), 'a')).toBe(true);
    expect(coveredBy(checkpoint, ts(6, 2), 'e')).toBe(false);
  });

  test("a checkpoint from the stream carries the last event's resume token; one from events without tokens has none", () => {
    const token = { _data: 'last' };
    expect(
      checkpointAfter([
        { ...event(5, 1, 'a'), token: { _data: 'first' } },
        { ...event(6, 1, 'b'), token },
      ]).token,
    ).toBe(token);
    expect('token' in checkpointAfter([event(5, 1, 'a')])).toBe(false);
  });

  test('given no checkpoint (a shard never relayed from the stream), nothing is covered', () => {
    expect(coveredBy(undefined, ts(1, 1), 'a')).toBe(false);
  });

  test('the stream for several shards starts at the earliest checkpoint', () => {
    const a = { at: ts(9, 1), ids: [], wall };
    const b = { at: ts(7, 3), ids: [], wall };
    expect(earliest([a, b])).toBe(b);
    expect(earliest([])).toBeUndefined();
  });

  test('a stored checkpoint is recognised only with its three fields typed as BSON gives them back', () => {
    expect(isCheckpoint({ at: ts(1, 1), ids: [], wall })).toBe(true);
    expect(isCheckpoint({ at: 'x', ids: [], wall })).toBe(false);
    expect(isCheckpoint(undefined)).toBe(false);
  });
});

describe('unpublishedFilter', () => {
  test('given no checkpoints (a polling relay), the pending records', () => {
    expect(unpublishedFilter(new Map())).toEqual({ pending: true });
  });

  test("given checkpoints, a shard's records count after its checkpoint's time; a shard without one counts all its pending records", () => {
    expect(unpublishedFilter(new Map([[3, { at: ts(1, 1), ids: [], wall }]]))).toEqual({
      pending: true,
      $or: [{ shard: { $nin: [3] } }, { shard: 3, createdAt: { $gt: wall } }],
    });
  });
});
