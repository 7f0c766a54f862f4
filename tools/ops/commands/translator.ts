// `ops translator reset-replica`: the first step of rebuilding the translator's replica from the topics
// (docs/operations.md). It empties the replica and the inbox and keeps the ledger of decided mails, so the
// replay that follows re-applies every fact and decides no mail twice.
import type { Command } from 'commander';
import { audit } from '../audit';
import { confirm } from '../confirm';
import { describeGroup } from '../group-offsets';
import { action } from '../ops-command';
import { OpsRefusal, UsageError } from '../ops-errors';

const EMPTIED = ['translator_customers', 'translator_orders', 'translator_inbox'];

export function registerTranslator(program: Command): void {
  const translator = program.command('translator').description("the translator's replica");

  translator
    .command('reset-replica')
    .description(
      'empty the replica and the inbox, keep the decided-mail ledger; then replay the group --to-earliest',
    )
    .option('--reason <text>', 'why: kept in the audit record')
    .option('-y, --yes', 'do not ask')
    .action(
      action<{ reason?: string; yes?: boolean }>(async (ctx, opts, out) => {
        if (!opts.reason?.trim())
          throw new UsageError('reset-replica needs --reason "..." (kept in the audit record)');
        const group = await describeGroup(await ctx.admin(), ctx.env.TRANSLATOR_GROUP);
        if (group.members.length > 0)
          throw new OpsRefusal(
            `group ${ctx.env.TRANSLATOR_GROUP} has live members (${group.members.map((m) => m.clientId).join(', ')}); stop the translator first`,
          );
        if (!(await confirm(`empty ${EMPTIED.join(', ')} in ${ctx.env.TRANSLATOR_DB}`, opts.yes)))
          throw new OpsRefusal('not confirmed; nothing changed');
        const db = await ctx.db(ctx.env.TRANSLATOR_DB);
        const removed: Record<string, number> = {};
        for (const name of EMPTIED) removed[name] = (await db.collection(name).deleteMany({})).deletedCount;
        const kept = await db.collection('translator_mails').estimatedDocumentCount();
        await audit(ctx, {
          command: 'translator reset-replica',
          reason: opts.reason.trim(),
          args: {},
          result: { removed, ledgerKept: kept },
        });
        out.result({ removed, ledgerKept: kept }, (r) =>
          [
            ...Object.entries(r.removed).map(([name, n]) => `${name}: ${n} documents removed`),
            `translator_mails: ${r.ledgerKept} decisions kept`,
            `next: mailfleet replay --group ${ctx.env.TRANSLATOR_GROUP} --to-earliest --execute --reason "..." and start the translator`,
          ].join('\n'),
        );
      }),
    );
}
