// What re-reading records would do, from the services' own ledgers: the translator skips every event id
// in its inbox, the sender every mail id it has recorded. Records the ledgers do not know are the ones a
// replay acts on (e.g. records that were dead-lettered, or lost to a bug being replayed away).
import type { OpsContext } from './ops-context';
import type { ReplayMove } from './replay-plan';
import { readRanges } from './topic-reader';

export interface ReplayEffect {
  /** Which ledger was asked. */
  readonly ledger: 'translator_inbox' | 'sender_mails';
  readonly recordsRead: number;
  /** Records the service has processed before: re-reading them does nothing. */
  readonly alreadyProcessed: number;
  /**
   * Translator: unprocessed facts, each of which may request mails. Sender: mails that would be sent.
   */
  readonly wouldAct: number;
}

/** The effect of `moves` for the translator or the sender group; undefined for any other group. */
export async function replayEffect(
  ctx: OpsContext,
  group: string,
  moves: readonly ReplayMove[],
): Promise<ReplayEffect | undefined> {
  const kind =
    group === ctx.env.TRANSLATOR_GROUP ? 'translator' : group === ctx.env.SENDER_GROUP ? 'sender' : undefined;
  if (!kind) return undefined;
  const ids: string[] = [];
  const admin = await ctx.admin();
  const byTopic = new Map<string, ReplayMove[]>();
  for (const m of moves.filter((m) => m.reread > 0n))
    byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
  for (const [topic, ms] of byTopic) {
    const ranges = ms.map((m) => ({ partition: m.partition, from: m.to, to: m.from }));
    await readRanges(ctx.kafka, admin, topic, ranges, ({ message }) => {
      // The translator dedupes by event id, the sender by mail id (the record key of mail.requested).
      const id = kind === 'translator' ? message.headers?.['event-id']?.toString() : message.key?.toString();
      ids.push(id ?? '');
    });
  }
  const db = await ctx.db(kind === 'translator' ? ctx.env.TRANSLATOR_DB : ctx.env.SENDER_DB);
  const ledger = kind === 'translator' ? 'translator_inbox' : 'sender_mails';
  let known = 0;
  for (let i = 0; i < ids.length; i += 1_000) {
    const chunk = ids.slice(i, i + 1_000);
    known += await db.collection<{ _id: string }>(ledger).countDocuments({ _id: { $in: chunk } });
  }
  return { ledger, recordsRead: ids.length, alreadyProcessed: known, wouldAct: ids.length - known };
}
