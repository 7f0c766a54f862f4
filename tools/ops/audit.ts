// Every change an operator makes is written down: who, when, what, why, and what it did. The record goes
// to the `ops_audit` collection (kept with the fleet's data) and to the log (kept with the logs).
import { randomUUID } from 'node:crypto';
import type { OpsContext } from './ops-context';

export interface AuditEntry {
  readonly _id: string;
  readonly at: Date;
  readonly who: string;
  readonly command: string;
  readonly reason: string;
  readonly args: Readonly<Record<string, unknown>>;
  readonly result: unknown;
}

export async function audit(
  ctx: OpsContext,
  entry: Pick<AuditEntry, 'command' | 'reason' | 'args' | 'result'>,
): Promise<AuditEntry> {
  const record: AuditEntry = { _id: randomUUID(), at: new Date(), who: ctx.who, ...entry };
  await (await ctx.db(ctx.env.OPS_DB)).collection<AuditEntry>('ops_audit').insertOne(record);
  ctx.log.info({ audit: record }, 'ops change');
  return record;
}
