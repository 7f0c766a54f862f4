// `ops replay`: moves a stopped consumer group back (or forward) so it reads records again. The dry-run
// and the execute compute the same plan; the execute asks, moves the offsets and writes an audit record.
import type { Command } from 'commander';
import { audit } from '../audit';
import { confirm } from '../confirm';
import { runOperatorCommand, waitGroupEmpty } from '../group-control';
import { describeGroup, groupPositions } from '../group-offsets';
import { action, table } from '../ops-command';
import { OpsRefusal, UsageError } from '../ops-errors';
import { replayEffect } from '../replay-effects';
import { parseReplayTarget, planReplay, type ReplayTargetOptions } from '../replay-plan';

interface ReplayOptions extends ReplayTargetOptions {
  group: string;
  topic?: string[];
  dryRun?: boolean;
  execute?: boolean;
  reason?: string;
  yes?: boolean;
  stopWith?: string;
  startWith?: string;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('move a stopped consumer group to re-read (or skip) records; a dry-run unless --execute')
    .requiredOption('--group <name>', 'the consumer group (translator, sender, projector, ...)')
    .option('--to-earliest', 'to the start of the retained log')
    .option('--to-time <iso>', 'to the first record at or after this time (ISO 8601)')
    .option('--to-offset <topic:partition:offset>', 'one partition to one offset')
    .option('--shift-by <n>', 'by n records (negative goes back)')
    .option('--topic <name...>', 'only these topics (default: every topic the group has read)')
    .option('--dry-run', 'show what would happen (the default)')
    .option('--execute', 'move the offsets (asks first; needs --reason)')
    .option('--reason <text>', 'why: kept in the audit record')
    .option(
      '--stop-with <command>',
      "a shell command that stops the group's processes; the replay waits until the group is empty",
    )
    .option('--start-with <command>', 'a shell command that starts them again after the move')
    .option('-y, --yes', 'do not ask')
    .action(
      action<ReplayOptions>(async (ctx, opts, out) => {
        const target = parseReplayTarget(opts);
        if (typeof target === 'string') throw new UsageError(target);
        if (opts.dryRun && opts.execute) throw new UsageError('give --dry-run or --execute, not both');
        if (opts.execute && !opts.reason?.trim())
          throw new UsageError(
            '--execute needs --reason "..." (why the group is moved: kept in the audit record)',
          );

        if ((opts.stopWith || opts.startWith) && !opts.execute)
          throw new UsageError('--stop-with and --start-with go with --execute');
        const admin = await ctx.admin();
        const planFor = async () => {
          const group = await describeGroup(admin, opts.group);
          const positions = await groupPositions(admin, opts.group, opts.topic);
          if (positions.length === 0)
            throw new OpsRefusal(
              `group ${opts.group} has committed no offsets; name the topics it should read with --topic`,
            );
          const byTime = new Map<string, bigint>();
          if (target.kind === 'time')
            for (const topic of new Set(positions.map((p) => p.topic)))
              for (const o of await admin.fetchTopicOffsetsByTimestamp(topic, target.at))
                if (BigInt(o.offset) >= 0n) byTime.set(`${topic}:${o.partition}`, BigInt(o.offset));
          const moves = planReplay(positions, target, byTime);
          return {
            group: opts.group,
            executed: false,
            liveMembers: group.members,
            moves,
            recordsToReread: moves.reduce((s, m) => s + m.reread, 0n),
            recordsSkipped: moves.reduce((s, m) => s + m.skipped, 0n),
            effect: (await replayEffect(ctx, opts.group, moves)) ?? null,
          };
        };
        let plan = await planFor();

        if (opts.execute) {
          if (plan.liveMembers.length > 0 && !opts.stopWith)
            throw new OpsRefusal(
              `group ${opts.group} has ${plan.liveMembers.length} live member(s): ` +
                `${plan.liveMembers.map((m) => `${m.clientId}@${m.host}`).join(', ')}. Stop them first ` +
                '(stop the processes, or scale the deployment to 0), or say how with --stop-with "…"; ' +
                'Kafka moves a group only while it is empty.',
            );
          const ok = await confirm(
            `move ${opts.group}: re-read ${plan.recordsToReread}, skip ${plan.recordsSkipped} records` +
              (opts.stopWith ? ` (stopping it with: ${opts.stopWith})` : ''),
            opts.yes,
          );
          if (!ok) throw new OpsRefusal('not confirmed; nothing changed');
          if (opts.stopWith) {
            runOperatorCommand('the stop', opts.stopWith);
            await waitGroupEmpty(admin, opts.group, 120_000);
            // The members committed their last positions as they left: plan from there.
            plan = await planFor();
          }
          const moves = plan.moves;
          for (const topic of new Set(moves.map((m) => m.topic))) {
            const partitions = moves
              .filter((m) => m.topic === topic)
              .map((m) => ({ partition: m.partition, offset: String(m.to) }));
            await admin.setOffsets({ groupId: opts.group, topic, partitions });
          }
          plan.executed = true;
          if (opts.startWith) runOperatorCommand('the start', opts.startWith);
          await audit(ctx, {
            command: 'replay',
            reason: opts.reason!.trim(),
            args: {
              group: opts.group,
              target,
              topics: opts.topic ?? null,
              stopWith: opts.stopWith ?? null,
              startWith: opts.startWith ?? null,
            },
            result: JSON.parse(
              JSON.stringify(plan, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)),
            ),
          });
        }
        out.result(plan, (p) => replayText(p));
      }),
    );
}

function replayText(p: {
  group: string;
  executed: boolean;
  liveMembers: readonly { clientId: string; host: string }[];
  moves: readonly {
    topic: string;
    partition: number;
    from: bigint;
    to: bigint;
    reread: bigint;
    skipped: bigint;
  }[];
  recordsToReread: bigint;
  effect: {
    service: string;
    recordsRead: number;
    alreadyProcessed: number;
    wouldAct: number;
    feedbackRecords: number;
  } | null;
}): string {
  const lines = [
    table([
      ['topic', 'partition', 'from', 'to', 're-read', 'skipped'],
      ...p.moves.map((m) => [m.topic, m.partition, m.from, m.to, m.reread, m.skipped]),
    ]),
    `${p.recordsToReread} records to re-read`,
  ];
  if (p.effect)
    lines.push(
      p.effect.service === 'sender'
        ? `mails that would be sent: ${p.effect.wouldAct} (${p.effect.alreadyProcessed} of ${p.effect.recordsRead - p.effect.feedbackRecords} requests already recorded by the sender)`
        : `mails that would be requested: ${p.effect.wouldAct} (${p.effect.alreadyProcessed} of ${p.effect.recordsRead - p.effect.feedbackRecords} facts already in the translator's inbox; mails already decided are never decided again)`,
      p.effect.service === 'sender'
        ? `records of mail.events and customers.events: ${p.effect.feedbackRecords} (delivery feedback only refills the suppression list, erasures redact again: no mail)`
        : `records of mail.events: ${p.effect.feedbackRecords} (delivery feedback only refills the suppression list: no mail)`,
    );
  if (p.liveMembers.length > 0)
    lines.push(
      `live members: ${p.liveMembers.map((m) => m.clientId).join(', ')} (stop them before --execute)`,
    );
  lines.push(
    p.executed ? `moved ${p.group}` : 'dry-run: nothing changed (add --execute --reason "..." to move)',
  );
  return lines.join('\n');
}
