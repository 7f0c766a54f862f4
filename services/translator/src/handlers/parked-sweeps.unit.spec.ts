import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@mailfleet/logger';
import { runParkedSweeps } from './parked-sweeps';

const logger = createLogger('test', 'silent');

async function until(what: string, done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('an idle loop sweeps once at start, then waits; a park during that wait brings the next sweep at once', async () => {
  const calls: boolean[] = [];
  const stop = new AbortController();
  const sweeps = runParkedSweeps(
    async ({ legacy }) => {
      calls.push(legacy);
      return 0;
    },
    // An idle wait far longer than the test: only the park can bring the second sweep in time.
    { busyMs: 10, idleMs: 60_000 },
    stop.signal,
    logger,
  );
  await until('the first sweep', () => calls.length === 1);
  await sleep(200);
  expect(calls).toEqual([true]);
  sweeps.parked();
  await until('the sweep after the park', () => calls.length === 2);
  // Busy now (a park within idleMs): sweeps keep coming every busyMs.
  await until('a busy sweep', () => calls.length >= 4);
  expect(calls.slice(1).every((legacy) => !legacy)).toBe(true);
  stop.abort();
  await sweeps.done;
  const after = calls.length;
  await sleep(50);
  expect(calls.length).toBe(after);
});

test('stopping during an idle wait ends the loop without another sweep', async () => {
  let count = 0;
  const stop = new AbortController();
  const sweeps = runParkedSweeps(
    async () => {
      count++;
      return 0;
    },
    { busyMs: 10, idleMs: 60_000 },
    stop.signal,
    logger,
  );
  await until('the first sweep', () => count === 1);
  await sleep(50);
  stop.abort();
  await sweeps.done;
  expect(count).toBe(1);
});

test('a failing sweep is logged and the loop goes on', async () => {
  let count = 0;
  const stop = new AbortController();
  const sweeps = runParkedSweeps(
    async () => {
      count++;
      if (count === 1) throw new Error('MongoDB away');
      return 1;
    },
    { busyMs: 10, idleMs: 60_000 },
    stop.signal,
    logger,
  );
  try {
    await until('the first sweep', () => count === 1);
    // The failure did not end the loop: a park brings the next sweep, whose decided mails keep it busy.
    sweeps.parked();
    await until('the sweeps after a failure', () => count >= 3);
  } finally {
    stop.abort();
    await sweeps.done;
  }
});
