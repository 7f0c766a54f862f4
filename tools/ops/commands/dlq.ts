// `ops dlq list | show | redrive`: read the dead letters and send fixed ones back where they came from.
import type { Command } from 'commander';
import { audit } from '../audit';
import { confirm } from '../confirm';
import { listDeadLetters, readDeadLetter, type DeadLetter, type DeadLetterFilter } from '../dead-letters';
import { action, table } from '../ops-command';
import type { OpsContext } from '../ops-context';
import { OpsRefusal } from '../ops-errors';
import { planRedrive, redrive } from '../redrive';

const summary = ({ message: _m, ...rest }: DeadLetter) => rest;

function filterOptions(cmd: Command): Command {
  return cmd
    .option('--topic <name>', 'a source topic (or its .dlq)')
    .option('--error-code <code>', 'only this error code (e.g. undecodable-record.unknown-schema-id)')
    .option('--since <iso>', 'only records dead-lettered at or after this time');
}

async function decoded(ctx: OpsContext, d: DeadLetter): Promise<unknown> {
  if (d.sourceTopic === null) return null;
  try {
    const event = await ctx.codec.decode(
      { topic: d.sourceTopic, partition: d.sourcePartition ?? 0, offset: d.sourceOffset ?? '0' },
      d.message.value,
    );
    return { eventType: event.eventType, schemaId: event.schemaId, payload: event.payload };
  } catch (err) {
    return { undecodable: (err as Error).message };
  }
}

export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('dead letters: list, show, redrive');

  filterOptions(dlq.command('list').description('dead letters, oldest first per topic')).action(
    action<DeadLetterFilter>(async (ctx, opts, out) => {
      const letters = (await listDeadLetters(ctx, opts)).map(summary);
      out.result({ count: letters.length, deadLetters: letters }, (d) =>
        d.count === 0
          ? 'no dead letters'
          : table([
              ['id', 'group', 'error code', 'event', 'dead-lettered'],
              ...d.deadLetters.map((l) => [l.id, l.group, l.errorCode, l.eventType, l.deadLetteredAt]),
            ]),
      );
    }),
  );

  dlq
    .command('show')
    .argument('<id>', 'dlq-topic:partition:offset')
    .description('one dead letter: headers, the decoded value (or its bytes in hex), the error')
    .action(
      action(async (ctx, _opts, out, args) => {
        const letter = await readDeadLetter(ctx, args[0]!);
        const headers = Object.fromEntries(
          Object.entries(letter.message.headers ?? {}).map(([k, v]) => [k, v?.toString()]),
        );
        const shown = {
          ...summary(letter),
          key: letter.message.key?.toString() ?? null,
          headers,
          value: await decoded(ctx, letter),
          valueHex: letter.message.value?.toString('hex') ?? null,
        };
        out.result(shown, (s) =>
          [
            `${s.id}  from ${s.sourceTopic}[${s.sourcePartition}]@${s.sourceOffset} in group ${s.group}`,
            `error: ${s.errorCode}: ${s.reason}`,
            `key: ${s.key}`,
            'headers:',
            ...Object.entries(s.headers).map(([k, v]) => `  ${k}: ${v}`),
            `value: ${JSON.stringify(s.value, null, 2)}`,
            `bytes: ${s.valueHex}`,
          ].join('\n'),
        );
      }),
    );

  filterOptions(
    dlq
      .command('redrive')
      .description('send dead letters back to their source topic, original bytes and headers, each once')
      .option('--record <id...>', 'only these dead letters (dlq-topic:partition:offset)')
      .option('--dry-run', 'show what would be sent')
      .option('--reason <text>', 'why: kept in the audit record')
      .option('-y, --yes', 'do not ask'),
  ).action(
    action<DeadLetterFilter & { record?: string[]; dryRun?: boolean; reason?: string; yes?: boolean }>(
      async (ctx, opts, out) => {
        let letters = await listDeadLetters(ctx, opts);
        if (opts.record) letters = letters.filter((l) => opts.record!.includes(l.id));
        const plan = await planRedrive(ctx, letters);
        const result = {
          dryRun: opts.dryRun === true,
          toRedrive: plan.toSend.map((l) => l.id),
          alreadyRedriven: plan.already,
          unroutable: plan.unroutable,
          redriven: [] as string[],
          recordsSent: 0,
        };
        if (!opts.dryRun && plan.toSend.length > 0) {
          if (!(await confirm(`send ${plan.toSend.length} dead letters back to their topics`, opts.yes)))
            throw new OpsRefusal('not confirmed; nothing sent');
          Object.assign(result, await redrive(ctx, plan.toSend));
          await audit(ctx, {
            command: 'dlq redrive',
            reason: opts.reason?.trim() || '(none given)',
            args: { topic: opts.topic ?? null, errorCode: opts.errorCode ?? null, since: opts.since ?? null },
            result: { redriven: result.redriven, recordsSent: result.recordsSent },
          });
        }
        out.result(result, (r) =>
          [
            `${r.dryRun ? 'would redrive' : 'redriven'}: ${r.dryRun ? r.toRedrive.length : r.redriven.length} dead letters` +
              (r.dryRun ? '' : ` (${r.recordsSent} records sent back: one per original record)`),
            ...(r.dryRun ? r.toRedrive : r.redriven).map((id) => `  ${id}`),
            `already redriven before (skipped): ${r.alreadyRedriven.length}`,
            ...(r.unroutable.length > 0
              ? [`without a source topic header (skipped): ${r.unroutable.join(', ')}`]
              : []),
          ].join('\n'),
        );
      },
    ),
  );
}
