// Writes an attempt's outcome and its events (through the outbox) in one transaction, only if the attempt
// still owns the mail. An outcome is known only in this process's memory until it is written, so a
// MongoDB outage is waited out (backpressure: the SMTP slot stays taken) rather than the outcome dropped.
import type { ClientSession, MongoClient } from 'mongodb';
import type { TopicDefinition } from '@mailfleet/contracts';
import { classifyError } from '@mailfleet/errors';
import { backoffDelay, sleep } from '@mailfleet/kafka';
import type { Logger } from '@mailfleet/logger';
import type { Outbox } from '@mailfleet/outbox';
import type { SendResult } from '../adapters/smtp-transport';
import type { SenderStore } from '../adapters/sender-store';
import type { AttemptRecord, MailState } from '../domain/mail-state';
import type { NextStep } from '../domain/send-policy';
import { mailDeadLettered, mailSendFailed, mailSent } from './sender-events';

export interface OutcomeRecorderDeps {
  readonly client: MongoClient;
  readonly store: SenderStore;
  readonly outbox: Outbox;
  readonly mailEvents: TopicDefinition;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly newId: () => string;
}

export class OutcomeRecorder {
  /** Set when stopping: an outage is then waited out only this long more, then the claim is left to expire. */
  private giveUpAt = Infinity;

  constructor(private readonly d: OutcomeRecorderDeps) {}

  stopping(graceMs: number): void {
    this.giveUpAt = Date.now() + graceMs;
  }

  /** The SMTP server accepted attempt `owner`. */
  async sent(before: MailState, owner: number, result: SendResult): Promise<boolean> {
    const now = this.d.now();
    return this.write(async (session) => {
      const set = { status: 'sent' as const, sentAt: now.getTime(), sendingSince: null };
      const owned = await this.d.store.finish(session, before.mailId, owner, set, true);
      if (owned)
        await this.d.outbox.add(
          session,
          mailSent(this.d.mailEvents, before, owner, result, this.d.newId(), now),
        );
      return owned;
    });
  }

  /** Attempt `owner` ended before the final dot without a verdict (shutdown, claim taken): give it back. */
  async aborted(before: MailState, owner: number): Promise<boolean> {
    const now = this.d.now().getTime();
    return this.write((session) =>
      this.d.store.finish(session, before.mailId, owner, {
        status: 'retrying',
        attempt: owner - 1,
        nextAttemptAt: now,
        sendingSince: null,
      }),
    );
  }

  /** Attempt `failed` (claimed as `owner`; the same but for a recovered claim) failed; `step` says what next. */
  async failed(before: MailState, owner: number, record: AttemptRecord, step: NextStep): Promise<boolean> {
    const now = this.d.now();
    const history = [...before.history, record];
    const event = (nextAttemptAt: number | null) =>
      mailSendFailed(this.d.mailEvents, before, record, nextAttemptAt, this.d.newId(), now);
    return this.write(async (session) => {
      const finish = (set: Partial<MailState>) =>
        this.d.store.finish(session, before.mailId, owner, { sendingSince: null, ...set });
      switch (step.type) {
        case 'defer':
          // The path is broken, not the mail: the attempt is given back and no event is written.
          return finish({ status: 'retrying', attempt: owner - 1, nextAttemptAt: step.at });
        case 'retry':
          return this.withEvents(
            session,
            await finish({ status: 'retrying', nextAttemptAt: step.at, history }),
            [event(step.at)],
          );
        case 'resend-later':
          return this.withEvents(
            session,
            await finish({
              status: 'retrying',
              attempt: record.attempt,
              nextAttemptAt: step.at,
              ambiguousResends: before.ambiguousResends + 1,
              history,
            }),
            [event(step.at)],
          );
        case 'ambiguous':
          return this.withEvents(
            session,
            await finish({ status: 'ambiguous', attempt: record.attempt, history }),
            [event(null)],
          );
        case 'fail':
          return this.withEvents(session, await finish({ status: 'failed', history }), [event(null)]);
        case 'dead':
          return this.withEvents(session, await finish({ status: 'dead', history }), [
            event(null),
            mailDeadLettered(this.d.mailEvents, before, history, this.d.newId(), now),
          ]);
        default: {
          const unreachable: never = step;
          throw new Error(`unknown step ${JSON.stringify(unreachable)}`);
        }
      }
    });
  }

  private async withEvents(
    session: ClientSession,
    owned: boolean,
    events: Parameters<Outbox['add']>[1][],
  ): Promise<boolean> {
    if (owned) for (const e of events) await this.d.outbox.add(session, e);
    return owned;
  }

  private async write(work: (session: ClientSession) => Promise<boolean>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        let owned = false;
        await this.d.client.withSession((session) =>
          session.withTransaction(async () => {
            owned = await work(session);
          }),
        );
        return owned;
      } catch (err) {
        if (classifyError(err) === 'permanent' || Date.now() >= this.giveUpAt) throw err;
        const delayMs = backoffDelay(attempt, { initialMs: 250, maxMs: 5_000 });
        this.d.logger.warn(
          { err, attempt: attempt + 1, delayMs },
          'recording the outcome failed; trying again',
        );
        await sleep(delayMs);
      }
    }
  }
}
