// When the sweep over parked mails runs: every `busyMs` while this process has parked or decided a mail
// within `idleMs`, otherwise every `idleMs` (mails another instance parked before it stopped, customers
// who never come), so an idle translator costs MongoDB next to nothing. A mail parked during an idle wait
// cuts that wait short: its sweep comes `busyMs` later, not up to `idleMs` later (a customer who
// registers and orders after a quiet spell would otherwise wait half a minute for the confirmation).
// One sweep at a time: the next wait starts when a sweep ends.
import type { Logger } from '@mailfleet/logger';
import { pause } from '@mailfleet/retry';

export interface ParkedSweeps {
  /** Tells the loop a mail was parked: it is busy from now on. */
  readonly parked: () => void;
  /** Resolves once the loop has stopped (after `signal` aborted) and the sweep in hand has finished. */
  readonly done: Promise<void>;
}

/** Runs `sweep` (returns how many mails it decided) until `signal` aborts. */
export function runParkedSweeps(
  sweep: (options: { legacy: boolean }) => Promise<number>,
  timing: { busyMs: number; idleMs: number },
  signal: AbortSignal,
  logger: Logger,
): ParkedSweeps {
  // Busy from the start: the first sweep comes after busyMs (mails parked before a restart), and finding
  // work keeps the next ones fast.
  let lastActivity = 0;
  let first = true;
  let wakeIdle: AbortController | undefined;
  const parked = () => {
    lastActivity = Date.now();
    wakeIdle?.abort();
  };
  const loop = async () => {
    while (!signal.aborted) {
      const busy = first || Date.now() - lastActivity < timing.idleMs;
      if (busy) {
        if (!(await pause(timing.busyMs, signal))) return;
      } else {
        wakeIdle = new AbortController();
        const waited = await pause(timing.idleMs, AbortSignal.any([signal, wakeIdle.signal]));
        wakeIdle = undefined;
        if (signal.aborted) return;
        // Woken by a park: the loop is busy now, and waits busyMs before sweeping.
        if (!waited) continue;
      }
      // The first sweep after start also decides mails parked by a version that did not record factAt.
      const decided = await sweep({ legacy: first }).catch((err: unknown) => {
        logger.warn({ err }, 'parked-mail sweep failed; retrying next time');
        return 0;
      });
      first = false;
      if (decided > 0) lastActivity = Date.now();
    }
  };
  return { parked, done: loop() };
}
