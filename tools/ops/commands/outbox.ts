// `ops outbox status | retry`: what waits in each outbox, who relays it, and a quarantined record put
// back in line once its cause is fixed.
import type { Command } from 'commander';
import { collectionsFor, listQuarantined, requeueQuarantined, unpublishedSummary } from '@mailfleet/outbox';
import { audit } from '../audit';
import { action, table } from '../ops-command';
import { OpsRefusal, UsageError } from '../ops-errors';
import type { OpsContext } from '../ops-context';

async function outboxStatus(ctx: OpsContext, database: string) {
  const db = await ctx.db(database);
  const names = collectionsFor();
  const now = Date.now();
  const [{ count: pending, oldestCreatedAt }, quarantined, leaseDocs] = await Promise.all([
    unpublishedSummary(db),
    listQuarantined(db),
    db
      .collection<{ _id: number | string; owner?: string | null; expiresAt?: Date; seenAt?: Date }>(
        names.leases,
      )
      .find()
      .toArray(),
  ]);
  const leases = leaseDocs.filter((d) => typeof d._id === 'number');
  const owners = new Map<string, number>();
  for (const l of leases)
    if (l.owner && (l.expiresAt?.getTime() ?? 0) > now) owners.set(l.owner, (owners.get(l.owner) ?? 0) + 1);
  return {
    database,
    pending,
    oldestPendingAgeMs: oldestCreatedAt ? now - oldestCreatedAt.getTime() : null,
    quarantined: quarantined.map((q) => ({
      eventId: q._id,
      topic: q.topic,
      key: q.key,
      eventType: q.eventType,
      ...q.quarantined,
    })),
    relays: leaseDocs
      .filter((d): d is { _id: string; seenAt: Date } => typeof d._id === 'string' && d.seenAt !== undefined)
      .map((d) => ({
        instance: d._id.replace(/^relay:/, ''),
        seenAgoMs: now - d.seenAt.getTime(),
        shards: owners.get(d._id.replace(/^relay:/, '')) ?? 0,
      })),
    unownedShards: leases.filter((l) => !l.owner || (l.expiresAt?.getTime() ?? 0) <= now).length,
  };
}

export function registerOutbox(program: Command): void {
  const outbox = program.command('outbox').description('transactional outboxes: status, retry');

  outbox
    .command('status')
    .description(
      "per database: pending records, the oldest one's age, quarantined records, relays and leases",
    )
    .option('--db <name...>', 'these databases (default: OUTBOX_DBS)')
    .action(
      action<{ db?: string[] }>(async (ctx, opts, out) => {
        const statuses = [];
        for (const database of opts.db ?? ctx.env.OUTBOX_DBS)
          statuses.push(await outboxStatus(ctx, database));
        out.result(
          { outboxes: statuses },
          (d) =>
            table([
              ['database', 'pending', 'oldest', 'quarantined', 'relays (shards owned)', 'unowned shards'],
              ...d.outboxes.map((o) => [
                o.database,
                o.pending,
                o.oldestPendingAgeMs === null ? '-' : `${(o.oldestPendingAgeMs / 1000).toFixed(1)} s`,
                o.quarantined.length,
                o.relays.map((r) => `${r.instance} (${r.shards})`).join(', ') || 'none',
                o.unownedShards,
              ]),
            ]) +
            d.outboxes
              .flatMap((o) =>
                o.quarantined.map(
                  (q) => `\nquarantined in ${o.database}: ${q.eventId} ${q.topic} key ${q.key}: ${q.reason}`,
                ),
              )
              .join(''),
        );
      }),
    );

  outbox
    .command('retry')
    .argument('<eventId>', 'a quarantined record (see outbox status)')
    .description("put a quarantined record back in line; its key's later records follow it in order")
    .option('--db <name>', 'the database whose outbox holds it (default: looked up in OUTBOX_DBS)')
    .option('--reason <text>', 'why: kept in the audit record')
    .action(
      action<{ db?: string; reason?: string }>(async (ctx, opts, out, args) => {
        if (!opts.reason?.trim())
          throw new UsageError('outbox retry needs --reason "..." (kept in the audit record)');
        for (const database of opts.db ? [opts.db] : ctx.env.OUTBOX_DBS) {
          if (await requeueQuarantined(await ctx.db(database), args[0]!)) {
            const record = await audit(ctx, {
              command: 'outbox retry',
              reason: opts.reason.trim(),
              args: { eventId: args[0], database },
              result: 'requeued',
            });
            out.result(
              { eventId: args[0], database, requeued: true, auditId: record._id },
              (r) => `${r.eventId} in ${r.database} is pending again`,
            );
            return;
          }
        }
        throw new OpsRefusal(
          `no quarantined record ${args[0]} in ${(opts.db ? [opts.db] : ctx.env.OUTBOX_DBS).join(', ')}`,
        );
      }),
    );
}
