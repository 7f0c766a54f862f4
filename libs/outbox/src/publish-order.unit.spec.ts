import { Binary } from 'mongodb';
import { inKeyOrder, selectPublishable } from './publish-order';
import { keyCounterId, type OutboxRecord } from './outbox-schema';

const rec = (key: string, seq: number): OutboxRecord => ({
  _id: `${key}-${seq}`,
  topic: 't',
  key,
  eventType: 'OrderPlaced',
  shard: 0,
  seq,
  headers: {},
  value: new Binary(Buffer.alloc(0)),
  createdAt: new Date(0),
  pending: true,
  publishedAt: null,
});
const ids = (records: OutboxRecord[]) => records.map((r) => r._id);
const published = (entries: [string, number][]) =>
  new Map(entries.map(([k, s]) => [keyCounterId('t', k), s]));

describe('selectPublishable', () => {
  test('given records in sequence, all are published, keys interleaved oldest first', () => {
    expect(ids(selectPublishable([rec('a', 1), rec('b', 1), rec('a', 2)], published([])))).toEqual([
      'a-1',
      'b-1',
      'a-2',
    ]);
  });

  test('given records fetched out of sequence, each key is put back in sequence order', () => {
    expect(ids(selectPublishable([rec('a', 2), rec('b', 1), rec('a', 1)], published([])))).toEqual([
      'a-1',
      'b-1',
      'a-2',
    ]);
  });

  test('given a gap, the records after it wait for their predecessor', () => {
    expect(ids(selectPublishable([rec('a', 3), rec('a', 1), rec('b', 5)], published([['b', 3]])))).toEqual([
      'a-1',
    ]);
  });

  test('given records already published (a crash before marking), they are included to be re-marked', () => {
    expect(ids(selectPublishable([rec('a', 2), rec('a', 3)], published([['a', 2]])))).toEqual(['a-2', 'a-3']);
  });
});

describe('inKeyOrder (a catch-up page)', () => {
  test('given a key whose records were created out of sequence (writers with skewed clocks), it takes its positions in sequence order', () => {
    expect(ids(inKeyOrder([rec('a', 2), rec('b', 1), rec('a', 1), rec('c', 7)]))).toEqual([
      'a-1',
      'b-1',
      'a-2',
      'c-7',
    ]);
  });

  test('given a gap (the earlier records published before), nothing is held back', () => {
    expect(ids(inKeyOrder([rec('a', 5), rec('a', 3)]))).toEqual(['a-3', 'a-5']);
  });
});
