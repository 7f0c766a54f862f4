// Deletes attachment blobs the sender no longer needs: those of mails finished longer than the grace
// period ago (sent, failed, dead, suppressed: no retry will load them), and orphans — blobs stored long
// ago that no mail needs (an upstream stored one and then rolled its fact back, or never published it).
// Every instance may sweep: deleting a blob twice is no error, and a blob in use is never deleted.
import type { AttachmentStore } from '@mailfleet/attachments';
import type { Logger } from '@mailfleet/logger';
import { pause } from '@mailfleet/retry';
import type { AttachmentReferences } from '../adapters/attachment-references';
import type { SenderMetrics } from './sender-metrics';

export interface JanitorOptions {
  readonly attachments: AttachmentStore;
  readonly references: AttachmentReferences;
  /** How long after a mail finished its blobs are kept (an operator's retry still has them). */
  readonly graceMs: number;
  /** A blob no mail needs is deleted once it is this old. */
  readonly orphanAfterMs: number;
  readonly sweepEveryMs: number;
  readonly metrics: Pick<SenderMetrics, 'blobsDeleted'>;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** Mails, and orphan candidates, looked at per round: a backlog is worked off over several rounds. */
const ROUND = 200;

export class AttachmentJanitor {
  private readonly shutdown = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: JanitorOptions) {}

  /**
   * One round: the blobs it deleted, by why, and whether a full round of work may have left more behind
   * (every finished mail it read is marked, every orphan it deleted is gone: the next round moves on).
   */
  async sweep(): Promise<{ finished: number; orphans: number; moreLeft: boolean }> {
    const now = this.o.now();
    const cutoff = new Date(now.getTime() - this.o.graceMs);
    const due = await this.o.references.finishedBefore(cutoff, ROUND);
    const ids = [...new Set(due.flatMap((d) => d.blobIds))];
    const needed = await this.o.references.inUse(ids, cutoff);
    const finished = await this.o.attachments.deleteMany(ids.filter((id) => !needed.has(id)));
    await this.o.references.markDeleted(
      due.map((d) => d.mailId),
      now,
    );
    const old = await this.o.attachments.storedBefore(new Date(now.getTime() - this.o.orphanAfterMs), ROUND);
    const stillNeeded = await this.o.references.inUse(old, cutoff);
    const orphans = await this.o.attachments.deleteMany(old.filter((id) => !stillNeeded.has(id)));
    if (finished > 0) this.o.metrics.blobsDeleted.inc({ reason: 'finished' }, finished);
    if (orphans > 0) this.o.metrics.blobsDeleted.inc({ reason: 'orphan' }, orphans);
    if (finished + orphans > 0)
      this.o.logger.info({ finished, orphans, mails: due.length }, 'attachment blobs deleted');
    return { finished, orphans, moreLeft: due.length === ROUND || orphans === ROUND };
  }

  start(): void {
    this.loop = (async () => {
      while (!this.shutdown.signal.aborted) {
        try {
          // A backlog (after an outage, or a first start with old blobs) is worked off at once.
          if ((await this.sweep()).moreLeft) continue;
        } catch (err) {
          this.o.logger.warn({ err }, 'attachment sweep failed; trying again next round');
        }
        await pause(this.o.sweepEveryMs, this.shutdown.signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.shutdown.abort();
    await this.loop;
  }
}
