// Closes digest windows on time, also when no further fact arrives: the windows are documents with their
// closing time, so the timer survives restarts — whichever instance looks first after that time closes
// a window, in one transaction with its ledger entry and its MailRequested (digest-collection.ts).
import type { Logger } from '@mailfleet/logger';
import { pause } from '@mailfleet/retry';
import { closingsOf } from './digest-collection';
import { OUTCOME, type TranslatorDeps } from './translator-deps';

/** Closes the windows whose time has come (up to 100 a call); returns how many it closed. */
export async function closeDueDigests(deps: TranslatorDeps): Promise<number> {
  const ids = await deps.digestWindows.dueIds(deps.now().getTime(), 100);
  if (ids.length === 0) return 0;
  let closed: ReturnType<typeof closingsOf> = { ledger: [], events: [], emitted: [] };
  await deps.client.withSession((session) =>
    session.withTransaction(async () => {
      const at = deps.now();
      // Read again in the transaction: another instance (or a late fact) may have closed some meanwhile.
      const due = [...(await deps.digestWindows.byId(session, ids)).values()].filter(
        (w) => w.closesAt <= at.getTime(),
      );
      closed = closingsOf(deps, due, at);
      await deps.digestWindows.save(session, [], due);
      await deps.store.recordDecided(session, closed.ledger);
      await deps.outbox.addMany(session, closed.events);
      if (deps.crashClosingDigest && due.length > 0) process.kill(process.pid, 'SIGKILL');
    }),
  );
  for (const d of closed.emitted) {
    deps.metrics.decisions.inc({ outcome: OUTCOME[d.type], kind: d.kind });
    deps.logger.info(
      {
        mailId: d.mailId,
        correlationId: d.cause.correlationId,
        members: d.type === 'request' ? (d.digest?.members.length ?? 1) : 0,
      },
      'digest window closed',
    );
  }
  return closed.emitted.length;
}

export interface DigestCloser {
  /** A window closing at `closesAt` was opened here: the closer wakes for it if that is sooner. */
  readonly opened: (closesAt: number) => void;
  readonly done: Promise<void>;
}

/**
 * Sleeps until the next window closes (one indexed look at the earliest), at most `idleMs` (windows
 * another instance opened), closes what is due, and again — until `signal` aborts. An idle translator
 * costs one query per `idleMs`.
 */
export function runDigestCloser(
  deps: TranslatorDeps,
  idleMs: number,
  signal: AbortSignal,
  logger: Logger,
): DigestCloser {
  let target = Infinity;
  // A window opened while the loop was not waiting (looking, closing): taken into the next wait.
  let hint = Infinity;
  let wake: AbortController | undefined;
  const opened = (closesAt: number) => {
    hint = Math.min(hint, closesAt);
    if (closesAt < target) wake?.abort();
  };
  const loop = async () => {
    while (!signal.aborted) {
      const next = await deps.digestWindows.nextClosing().catch((err: unknown) => {
        logger.warn({ err }, 'could not look for digest windows; looking again later');
        return undefined;
      });
      const now = deps.now().getTime();
      target = Math.min(next ?? Infinity, hint, now + idleMs);
      hint = Infinity;
      wake = new AbortController();
      const slept = await pause(Math.max(0, target - now), AbortSignal.any([signal, wake.signal]));
      wake = undefined;
      target = Infinity;
      if (signal.aborted) return;
      // Woken by a window that closes sooner: look again (the loop's first step) before closing.
      if (!slept) continue;
      const failed = await closeDueDigests(deps).then(
        () => false,
        (err: unknown) => {
          logger.warn({ err }, 'closing digest windows failed; retrying in a second');
          return true;
        },
      );
      if (failed && !(await pause(1_000, signal))) return;
    }
  };
  return { opened, done: loop() };
}
