// Writes an attempt's outcome and its events (through the outbox) in one transaction, only if the attempt
// still owns the mail. An outcome is known only in this process's memory until it is written, so a
// MongoDB outage is waited out (backpressure: the SMTP slot stays taken) rather than the outcome dropped.
import type { ClientSession, MongoClient } from 'mongodb';
import type { TopicDefinition } from '@mailfleet/contracts';
import { classifyError } from '@mailfleet/errors';
import type { Logger } from '@mailfleet/logger';
import { backoffDelay, pause } from '@mailfleet/retry';
import type { Outbox } from '@mailfleet/outbox';
import type { SendResult } from '../adapters/smtp-transport';
import { redactedMail } from '../domain/erasure';
import type { SenderStore } from '../adapters/sender-store';
import type { AttemptRecord, MailState } from '../domain/mail-state';
import type { NextStep } from '../domain/send-policy';
import { mailDeadLettered, mailSendFailed, mailSent, mailSuppressed } from './sender-events';

export interface OutcomeRecorderDeps {
  readonly client: MongoClient;
  readonly store: SenderStore;
  readonly outbox: Outbox;
  readonly mailEvents: TopicDefinition;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly newId: () => string;
}

interface Accepted {
  readonly before: MailState;
  readonly owner: number;
  readonly result: SendResult;
  readonly at: Date;
  readonly resolve: (owned: boolean) => void;
  readonly reject: (err: unknown) => void;
}

/** A group of accepted mails of which one no longer owns its claim: the group is written one by one. */
class GroupNotOwned extends Error {
  /** Not worth retrying as a group (classifyError): write() gives it straight back. */
  readonly retriable = false;
}

const MAX_GROUP = 100;
/** How long the first accepted outcome waits for others to share its transaction. */
const GROUP_LINGER_MS = 20;

export class OutcomeRecorder {
  /** Set when stopping: an outage is then waited out only this long more, then the claim is left to expire. */
  private giveUpAt = Infinity;

  constructor(private readonly d: OutcomeRecorderDeps) {}

  stopping(graceMs: number): void {
    this.giveUpAt = this.d.now().getTime() + graceMs;
  }

  /**
   * The SMTP server accepted attempt `owner`. Accepted mails are group-committed: those that arrive while
   * a commit is running are written together by the next one (one transaction, a bulk update and one
   * outbox write for all), so under load a mail's bookkeeping costs a fraction of a transaction.
   */
  sent(before: MailState, owner: number, result: SendResult): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.accepted.push({ before, owner, result, at: this.d.now(), resolve, reject });
      this.flushAccepted();
    });
  }

  private readonly accepted: Accepted[] = [];
  private flushing = false;

  private lingering = false;

  /**
   * Writes the accepted outcomes waiting, after a short linger (unless a full group waits): a group of
   * several mails costs the round trips of one. The linger is short because each waiting attempt still
   * holds its SMTP slot (see Dispatcher.inFlight).
   */
  private flushAccepted(): void {
    if (this.flushing || this.lingering || this.accepted.length === 0) return;
    if (this.accepted.length < MAX_GROUP) {
      this.lingering = true;
      setTimeout(() => {
        this.lingering = false;
        this.flushNow();
      }, GROUP_LINGER_MS);
      return;
    }
    this.flushNow();
  }

  private flushNow(): void {
    if (this.flushing || this.accepted.length === 0) return;
    this.flushing = true;
    const group = this.accepted.splice(0, MAX_GROUP);
    this.writeAccepted(group)
      .then(
        (owned) => group.forEach((g, i) => g.resolve(owned[i] ?? false)),
        (err: unknown) => group.forEach((g) => g.reject(err)),
      )
      .finally(() => {
        this.flushing = false;
        this.flushAccepted();
      });
  }

  private async writeAccepted(group: readonly Accepted[]): Promise<boolean[]> {
    const setOf = (g: Accepted) => ({ status: 'sent' as const, sentAt: g.at.getTime(), sendingSince: null });
    const eventOf = (g: Accepted) =>
      mailSent(this.d.mailEvents, g.before, g.owner, g.result, this.d.newId(), g.at);
    if (group.length > 1) {
      try {
        let owned: boolean[] = [];
        await this.write(async (session) => {
          owned = [];
          if (
            !(await this.d.store.finishAll(
              session,
              group.map((g) => ({ mailId: g.before.mailId, attempt: g.owner, set: setOf(g) })),
            ))
          )
            throw new GroupNotOwned();
          await this.d.outbox.addMany(session, group.map(eventOf));
          owned = group.map(() => true);
          return true;
        });
        return owned;
      } catch (err) {
        // One of them lost its claim meanwhile (rare): nothing was written; record them one by one.
        if (!(err instanceof GroupNotOwned)) throw err;
      }
    }
    const owned: boolean[] = [];
    for (const g of group)
      owned.push(
        await this.write(async (session) => {
          const ok = await this.d.store.finish(session, g.before.mailId, g.owner, setOf(g), true);
          if (ok) await this.d.outbox.add(session, eventOf(g));
          return ok;
        }),
      );
    return owned;
  }

  /** Claimed as `owner` but its address is suppressed: final, with MailSuppressed, and nothing sent. */
  /** `erased`: its customer was erased (customer-erasure.ts), so the mail is redacted as it finishes. */
  async suppressed(before: MailState, owner: number, reason: string, erased = false): Promise<boolean> {
    const now = this.d.now();
    return this.write(async (session) =>
      this.withEvents(
        session,
        await this.d.store.finish(session, before.mailId, owner, {
          status: 'suppressed',
          sendingSince: null,
          ...(erased ? { ...redactedMail(before), erasedAt: now } : {}),
        }),
        [mailSuppressed(this.d.mailEvents, before, reason, this.d.newId(), now)],
      ),
    );
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
        if (classifyError(err) === 'permanent' || this.d.now().getTime() >= this.giveUpAt) throw err;
        const delayMs = backoffDelay(attempt, { initialMs: 250, maxMs: 5_000 });
        this.d.logger.warn(
          { err, attempt: attempt + 1, delayMs },
          'recording the outcome failed; trying again',
        );
        await pause(delayMs);
      }
    }
  }
}
