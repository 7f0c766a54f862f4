// `ops topics apply | describe`: the fleet's topics (and their dead-letter topics) from the definitions in
// libs/contracts, and what the cluster actually has.
import type { Command } from 'commander';
import { dlqTopicOf } from '@mailfleet/contracts';
import { applyTopics } from '@mailfleet/kafka';
import { action, table } from '../ops-command';

const SHOWN_CONFIGS = ['retention.ms', 'cleanup.policy', 'min.insync.replicas', 'max.message.bytes'];

export function registerTopics(program: Command): void {
  const topics = program.command('topics').description("the fleet's topics: apply, describe");

  topics
    .command('apply')
    .description(
      'create missing topics and DLQs, grow partitions, update configs, register schemas; idempotent',
    )
    .action(
      action(async (ctx, _o, out) => {
        const changes = await applyTopics(await ctx.admin(), ctx.topicList, ctx.env.TOPIC_PROFILE);
        await ctx.codec.register();
        out.result({ profile: ctx.env.TOPIC_PROFILE, changes, schemasRegistered: true }, (d) =>
          [
            ...d.changes.map((c) => `${c.topic.padEnd(28)} ${c.change}${c.detail ? ` (${c.detail})` : ''}`),
            'schemas registered',
          ].join('\n'),
        );
      }),
    );

  topics
    .command('describe')
    .description('partitions, records, and the settings that matter, per fleet topic and DLQ')
    .action(
      action(async (ctx, _o, out) => {
        const admin = await ctx.admin();
        const names = ctx.topicList.flatMap((t) => [t.name, dlqTopicOf(t.name)]);
        const existing = new Set(await admin.listTopics());
        const present = names.filter((n) => existing.has(n));
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: present.map((name) => ({ type: 2, name, configNames: SHOWN_CONFIGS })),
        });
        const configs = new Map(
          resources.map((r) => [
            r.resourceName,
            Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue])),
          ]),
        );
        const rows = [];
        for (const name of names) {
          if (!existing.has(name)) {
            rows.push({ topic: name, exists: false, partitions: 0, records: 0, configs: {} });
            continue;
          }
          const offsets = await admin.fetchTopicOffsets(name);
          rows.push({
            topic: name,
            exists: true,
            partitions: offsets.length,
            records: offsets.reduce((s, o) => s + Number(BigInt(o.high) - BigInt(o.low)), 0),
            configs: configs.get(name) ?? {},
          });
        }
        out.result({ topics: rows }, (d) =>
          table([
            ['topic', 'partitions', 'records', ...SHOWN_CONFIGS],
            ...d.topics.map((t) =>
              t.exists
                ? [
                    t.topic,
                    t.partitions,
                    t.records,
                    ...SHOWN_CONFIGS.map((c) => (t.configs as Record<string, string>)[c]),
                  ]
                : [t.topic, 'missing: run ops topics apply'],
            ),
          ]),
        );
      }),
    );
}
