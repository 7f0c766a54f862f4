import { ChunkCoalescer, SharedChunkError } from './chunk-coalescer';

function recording(fail?: (chunks: readonly (readonly string[])[]) => unknown) {
  const calls: string[][][] = [];
  const coalescer = new ChunkCoalescer<string, number>({
    flush: async (chunks) => {
      calls.push(chunks.map((c) => [...c]));
      const err = fail?.(chunks);
      if (err) throw err;
      return chunks.map((c) => c.length);
    },
    lingerMs: 20,
    maxItems: 5,
  });
  return { calls, coalescer };
}

test('chunks submitted within the linger go into one call, in order, each getting its own result', async () => {
  const { calls, coalescer } = recording();
  const results = await Promise.all([coalescer.submit(['a1', 'a2']), coalescer.submit(['b1'])]);
  expect(calls).toEqual([[['a1', 'a2'], ['b1']]]);
  expect(results).toEqual([2, 1]);
});

test('a combined chunk never exceeds maxItems: the one that would overflow starts the next call', async () => {
  const { calls, coalescer } = recording();
  await Promise.all([
    coalescer.submit(['a1', 'a2', 'a3']),
    coalescer.submit(['b1', 'b2', 'b3']),
    coalescer.submit(['c1', 'c2']),
  ]);
  expect(calls).toEqual([
    [['a1', 'a2', 'a3']],
    [
      ['b1', 'b2', 'b3'],
      ['c1', 'c2'],
    ],
  ]);
});

test('a chunk submitted after the flush waits for the next call', async () => {
  const { calls, coalescer } = recording();
  await coalescer.submit(['a1']);
  await coalescer.submit(['b1']);
  expect(calls).toEqual([[['a1']], [['b1']]]);
});

test('a failed call: a lone contributor gets the error itself, several get a SharedChunkError wrapping it', async () => {
  const boom = new Error('boom');
  const { coalescer } = recording(() => boom);
  await expect(coalescer.submit(['a1'])).rejects.toBe(boom);
  const both = [coalescer.submit(['a1']), coalescer.submit(['b1'])];
  for (const p of both) {
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SharedChunkError);
    expect(err).toMatchObject({ contributors: 2, cause: boom });
  }
});
