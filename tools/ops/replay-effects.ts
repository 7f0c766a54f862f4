// What re-reading records would do, from the services' own ledgers. The translator skips every event id
// in its inbox, and decides a mail only when its ledger has no decision for it; the sender skips every
// mail id it has recorded. So a replay sends only what the ledgers do not know: records that were
// dead-lettered, or lost to the bug a replay is meant to repair. Both also read mail.events for delivery
// feedback, which only refills their suppression lists, and the sender reads customers.events for
// erasures, which redact again what is redacted: re-reading either changes nothing.
import { mailIdOfOrderFact, type OrderFact } from '../../services/translator/src/domain/translate';
import type { OpsContext } from './ops-context';
import type { ReplayMove } from './replay-plan';
import { progressBar } from './progress';
import { readRanges, type ReadRecord } from './topic-reader';

export interface ReplayEffect {
  readonly service: 'translator' | 'sender';
  readonly recordsRead: number;
  /** Records the service has processed before: re-reading them does nothing. */
  readonly alreadyProcessed: number;
  /** Mails the replay would request (translator) or send (sender). */
  readonly wouldAct: number;
  /**
   * Records that change nothing when read again: feedback for the suppression list (idempotent), the
   * fleet's own events, and (for the sender) customers.events, where only erasures matter to it.
   */
  readonly feedbackRecords: number;
}

const ORDER_FACTS = new Set<string>(['OrderPlaced', 'OrderShipped', 'OrderCancelled']);
const CUSTOMER_FACTS = new Set<string>([
  'CustomerRegistered',
  'CustomerEmailChanged',
  'CustomerMailPreferencesChanged',
  'CustomerErased',
]);

async function unknownAmong(ctx: OpsContext, db: string, collection: string, ids: readonly string[]) {
  const col = (await ctx.db(db)).collection<{ _id: string }>(collection);
  const known = new Set<string>();
  for (let i = 0; i < ids.length; i += 1_000)
    for (const d of await col
      .find({ _id: { $in: ids.slice(i, i + 1_000) } }, { projection: { _id: 1 } })
      .toArray())
      known.add(d._id);
  return ids.filter((id) => !known.has(id));
}

/** The effect of `moves` for the translator or the sender group; undefined for any other group. */
export async function replayEffect(
  ctx: OpsContext,
  group: string,
  moves: readonly ReplayMove[],
): Promise<ReplayEffect | undefined> {
  const service =
    group === ctx.env.TRANSLATOR_GROUP ? 'translator' : group === ctx.env.SENDER_GROUP ? 'sender' : undefined;
  if (!service) return undefined;
  const records: { id: string; type: string; key: string }[] = [];
  const admin = await ctx.admin();
  for (const topic of new Set(moves.filter((m) => m.reread > 0n).map((m) => m.topic))) {
    const ranges = moves
      .filter((m) => m.topic === topic && m.reread > 0n)
      .map((m) => ({ partition: m.partition, from: m.to, to: m.from }));
    const bar = progressBar(`reading ${topic}`, ctx.json);
    const collect = ({ message }: ReadRecord) => {
      records.push({
        id: message.headers?.['event-id']?.toString() ?? '',
        type: message.headers?.['event-type']?.toString() ?? '',
        key: message.key?.toString() ?? '',
      });
    };
    await readRanges(ctx.kafka, admin, topic, ranges, collect, undefined, bar.update).finally(bar.stop);
  }
  const acting = records.filter((r) =>
    service === 'sender' ? r.type === 'MailRequested' : ORDER_FACTS.has(r.type) || CUSTOMER_FACTS.has(r.type),
  );
  const feedbackRecords = records.length - acting.length;
  if (service === 'sender') {
    // The sender deduplicates by mail id, the key of mail.requested.
    const unsent = await unknownAmong(
      ctx,
      ctx.env.SENDER_DB,
      'sender_mails',
      acting.map((r) => r.key),
    );
    return {
      service,
      recordsRead: records.length,
      alreadyProcessed: acting.length - unsent.length,
      wouldAct: unsent.length,
      feedbackRecords,
    };
  }
  const fresh = new Set(
    await unknownAmong(
      ctx,
      ctx.env.TRANSLATOR_DB,
      'translator_inbox',
      acting.map((r) => r.id),
    ),
  );
  const mailIds = acting
    .filter((r) => fresh.has(r.id) && ORDER_FACTS.has(r.type))
    .map((r) => mailIdOfOrderFact(r.type as OrderFact['type'], r.key));
  const undecided = await unknownAmong(ctx, ctx.env.TRANSLATOR_DB, 'translator_mails', [...new Set(mailIds)]);
  return {
    service,
    recordsRead: records.length,
    alreadyProcessed: acting.length - fresh.size,
    wouldAct: undecided.length,
    feedbackRecords,
  };
}
