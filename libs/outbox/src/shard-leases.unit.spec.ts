import { OUTBOX_SHARDS } from './outbox-schema';
import { planLeases } from './shard-leases';

const now = new Date(1_000_000);
const lease = (owner: string | null, token: number, expiresAt = new Date(now.getTime() + 5_000)) => ({
  owner,
  token,
  expiresAt,
});

test('a first relay creates and takes every shard in one round', () => {
  const { writes } = planLeases('a', new Map(), new Map(), OUTBOX_SHARDS, now);
  expect(writes).toHaveLength(OUTBOX_SHARDS);
  expect(writes.every((w) => w.kind === 'take' && !w.exists && w.token === 0)).toBe(true);
  expect(new Set(writes.map((w) => w.shard)).size).toBe(OUTBOX_SHARDS);
});

test('renews what it holds, releases what is over the fair share, leaves live leases of others alone', () => {
  const current = new Map([
    [0, lease('a', 3)],
    [1, lease('a', 4)],
    [2, lease('a', 5)],
    [3, lease('b', 1)],
  ]);
  const owned = new Map([
    [0, { token: 3 }],
    [1, { token: 4 }],
    [2, { token: 5 }],
  ]);
  const { writes } = planLeases('a', owned, current, 2, now);
  expect(writes).toEqual([
    { kind: 'renew', shard: 0, token: 3, exists: true },
    { kind: 'renew', shard: 1, token: 4, exists: true },
    { kind: 'release', shard: 2, token: 5, exists: true },
  ]);
});

test('a lease taken over while we were away is neither renewed nor counted; free and expired ones are taken', () => {
  const current = new Map([
    [0, lease('b', 7)], // we held token 6; b took it over
    [1, lease(null, 2)],
    [2, lease('c', 9, new Date(now.getTime() - 1))], // c died
    ...Array.from({ length: OUTBOX_SHARDS - 3 }, (_, i) => [i + 3, lease('b', 1)] as const),
  ]);
  const { writes } = planLeases('a', new Map([[0, { token: 6 }]]), current, 8, now);
  expect(writes.filter((w) => w.kind === 'renew')).toEqual([]);
  expect(writes.filter((w) => w.kind === 'take').sort((x, y) => x.shard - y.shard)).toEqual([
    { kind: 'take', shard: 1, token: 2, exists: true },
    { kind: 'take', shard: 2, token: 9, exists: true },
  ]);
});
