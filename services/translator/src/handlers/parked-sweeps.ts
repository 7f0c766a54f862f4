// When the sweep over parked mails runs: every `busyMs` while this process has parked or decided a mail
// within `idleMs`, otherwise every `idleMs` (mails another instance parked before it stopped, customers
// who never come), so an idle translator costs MongoDB next to nothing. One sweep at a time: the next
// wait starts when a sweep ends.
import type { Logger } from '@mailfleet/logger';
import { pause } from '@mailfleet/retry';
import type { TranslatorDeps } from './translator-deps';
import { sweepParkedMails } from './translator-handlers';

/** Runs sweeps until `signal` aborts; resolves once the sweep in hand (if any) has finished. */
export async function runParkedSweeps(
  deps: TranslatorDeps,
  timing: { busyMs: number; idleMs: number },
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  // Busy from the start: the first sweep comes after busyMs (mails parked before a restart), and finding
  // work keeps the next ones fast.
  let lastActivity = 0;
  let first = true;
  deps.onParked = () => {
    lastActivity = Date.now();
  };
  while (!signal.aborted) {
    const busy = first || Date.now() - lastActivity < timing.idleMs;
    if (!(await pause(busy ? timing.busyMs : timing.idleMs, signal))) return;
    // The first sweep after start also decides mails parked by a version that did not record factAt.
    const decided = await sweepParkedMails(deps, { legacy: first }).catch((err: unknown) => {
      logger.warn({ err }, 'parked-mail sweep failed; retrying next time');
      return 0;
    });
    first = false;
    if (decided > 0) lastActivity = Date.now();
  }
}
