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

test('one call at a time: chunks that arrive during a call wait for it and then go together at once', async () => {
  let running = 0;
  let most = 0;
  const calls: string[][][] = [];
  let release: () => void = () => undefined;
  const coalescer = new ChunkCoalescer<string, number>({
    flush: async (chunks) => {
      running++;
      most = Math.max(most, running);
      calls.push(chunks.map((c) => [...c]));
      if (calls.length === 1) await new Promise<void>((r) => (release = r));
      running--;
      return chunks.map((c) => c.length);
    },
    lingerMs: 5,
    maxItems: 2,
  });
  const first = coalescer.submit(['a1']);
  await new Promise((r) => setTimeout(r, 30));
  expect(calls).toEqual([[['a1']]]);
  // The first call is still in flight: these gather (and b1+b2 fill maxItems), nothing starts.
  const later = [coalescer.submit(['b1']), coalescer.submit(['b2']), coalescer.submit(['c1'])];
  await new Promise((r) => setTimeout(r, 30));
  expect(calls).toHaveLength(1);
  release();
  expect(await first).toBe(1);
  expect(await Promise.all(later)).toEqual([1, 1, 1]);
  expect(calls.slice(1)).toEqual([[['b1'], ['b2']], [['c1']]]);
  expect(most).toBe(1);
});

test('a chunk submitted alone is a call of its own, in turn after the call in flight', async () => {
  const order: string[] = [];
  let release: () => void = () => undefined;
  const coalescer = new ChunkCoalescer<string, number>({
    flush: async (chunks) => {
      order.push(chunks.map((c) => c.join('+')).join(' | '));
      if (order.length === 1) await new Promise<void>((r) => (release = r));
      return chunks.map((c) => c.length);
    },
    lingerMs: 5,
    maxItems: 10,
  });
  const first = coalescer.submit(['a1']);
  await new Promise((r) => setTimeout(r, 20));
  const alone = coalescer.submitAlone(['x1', 'x2']);
  const other = coalescer.submit(['b1']);
  await new Promise((r) => setTimeout(r, 20));
  expect(order).toEqual(['a1']);
  release();
  await Promise.all([first, alone, other]);
  expect(order).toEqual(['a1', 'x1+x2', 'b1']);
});

test('a lone chunk that fails gets the error itself', async () => {
  const boom = new Error('boom');
  const { coalescer } = recording(() => boom);
  await expect(coalescer.submitAlone(['a1'])).rejects.toBe(boom);
});
