// `ops groups`: every consumer group with its members and its lag per topic and partition.
import type { Command } from 'commander';
import { action, table } from '../ops-command';
import { describeGroup, groupPositions } from '../group-offsets';

export function registerGroups(program: Command): void {
  program
    .command('groups')
    .description('consumer groups, their members, and lag per topic and partition')
    .option('--group <name>', 'only this group')
    .action(
      action<{ group?: string }>(async (ctx, opts, out) => {
        const admin = await ctx.admin();
        const names = opts.group
          ? [opts.group]
          : (await admin.listGroups()).groups
              .map((g) => g.groupId)
              .filter((g) => !g.startsWith('mailfleet-ops-'))
              .sort();
        const groups = [];
        for (const name of names) {
          const state = await describeGroup(admin, name);
          const positions = await groupPositions(admin, name);
          groups.push({
            ...state,
            lag: positions.reduce((sum, p) => sum + p.lag, 0n),
            partitions: positions,
          });
        }
        out.result(
          { groups },
          (d) =>
            d.groups
              .map(
                (g) =>
                  `${g.group}  ${g.state}  members: ${g.members.map((m) => `${m.clientId}@${m.host}`).join(', ') || 'none'}  lag ${g.lag}\n` +
                  table([
                    ['  topic', 'partition', 'committed', 'end', 'lag'],
                    ...g.partitions.map((p) => [`  ${p.topic}`, p.partition, p.committed, p.high, p.lag]),
                  ]),
              )
              .join('\n\n') || 'no consumer groups',
        );
      }),
    );
}
