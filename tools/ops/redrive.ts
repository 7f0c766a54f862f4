// Sends dead letters back to the topic they came from, byte for byte, once: the ledger `ops_redrives`
// (one document per dead letter) makes a second redrive of the same records do nothing. A record that
// several groups dead-lettered (the translator and the projector both read orders.events) goes back
// once: every group reads the source topic again anyway. A crash between
// the send and the ledger's "done" sends the record again next time, which the consumers' own
// deduplication (event ids, mail ids) absorbs.
import type { IHeaders } from 'kafkajs';
import { DLQ_HEADERS, orderedProducer } from '@mailfleet/kafka';
import type { DeadLetter } from './dead-letters';
import type { OpsContext } from './ops-context';

interface RedriveEntry {
  _id: string;
  state: 'sending' | 'done';
  sourceTopic: string;
  at: Date;
  by: string;
}

export interface RedrivePlan {
  readonly toSend: readonly DeadLetter[];
  /** Redriven before: skipped. */
  readonly already: readonly string[];
  /** No source topic header: cannot go back anywhere. */
  readonly unroutable: readonly string[];
}

const ledger = async (ctx: OpsContext) =>
  (await ctx.db(ctx.env.OPS_DB)).collection<RedriveEntry>('ops_redrives');

export async function planRedrive(ctx: OpsContext, letters: readonly DeadLetter[]): Promise<RedrivePlan> {
  const done = new Set(
    (await (await ledger(ctx)).find({ _id: { $in: letters.map((l) => l.id) }, state: 'done' }).toArray()).map(
      (d) => d._id,
    ),
  );
  return {
    toSend: letters.filter((l) => !done.has(l.id) && l.sourceTopic !== null),
    already: letters.filter((l) => done.has(l.id)).map((l) => l.id),
    unroutable: letters.filter((l) => !done.has(l.id) && l.sourceTopic === null).map((l) => l.id),
  };
}

/** The original headers, without the dead-letter ones except when it first failed (kept if it fails again). */
function redrivenHeaders(letter: DeadLetter): IHeaders {
  const drop = new Set<string>(Object.values(DLQ_HEADERS).filter((h) => h !== DLQ_HEADERS.firstFailedAt));
  const headers: IHeaders = {};
  for (const [k, v] of Object.entries(letter.message.headers ?? {}))
    if (!drop.has(k) && v !== undefined) headers[k] = v;
  headers['ops-redriven-from'] = letter.id;
  return headers;
}

/** Where a dead letter came from: several groups dead-letter the same record, which goes back once. */
const sourceOf = (l: DeadLetter): string => `${l.sourceTopic}:${l.sourcePartition}:${l.sourceOffset}`;

/** Sends each source record once and marks every dead letter of it; returns the dead letters redriven. */
export async function redrive(
  ctx: OpsContext,
  letters: readonly DeadLetter[],
): Promise<{ redriven: string[]; recordsSent: number }> {
  const entries = await ledger(ctx);
  const bySource = new Map<string, DeadLetter[]>();
  for (const l of letters) bySource.set(sourceOf(l), [...(bySource.get(sourceOf(l)) ?? []), l]);
  const producer = orderedProducer(ctx.kafka);
  await producer.connect();
  const redriven: string[] = [];
  try {
    for (const same of bySource.values()) {
      const letter = same[0]!;
      const ids = same.map((l) => l.id);
      const at = new Date();
      await entries.bulkWrite(
        ids.map((_id) => ({
          updateOne: {
            filter: { _id },
            update: {
              $set: { state: 'sending' as const, sourceTopic: letter.sourceTopic!, at, by: ctx.who },
            },
            upsert: true,
          },
        })),
      );
      await producer.send({
        topic: letter.sourceTopic!,
        acks: -1,
        messages: [
          { key: letter.message.key, value: letter.message.value, headers: redrivenHeaders(letter) },
        ],
      });
      await entries.updateMany({ _id: { $in: ids } }, { $set: { state: 'done' } });
      redriven.push(...ids);
    }
  } finally {
    await producer.disconnect();
  }
  return { redriven, recordsSent: bySource.size };
}
