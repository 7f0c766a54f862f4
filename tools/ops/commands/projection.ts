// `ops projection status | rebuild | switch | drop`: the read models' versions. A rebuild writes a new
// version beside the one readers use; the projector switches readers when it has caught up (a rebuild
// from a point in time only with --partial, or by `switch`).
import type { Command } from 'commander';
import { collectionNames } from '@mailfleet/read-models';
import { ProjectionMetaStore } from '../../../services/projector/src/adapters/projection-meta';
import { projectionLag } from '../../../services/projector/src/adapters/projection-lag';
import { ProjectionStore } from '../../../services/projector/src/adapters/projection-store';
import { requestRebuild } from '../../../services/projector/src/adapters/rebuild-request';
import { audit } from '../audit';
import { confirm } from '../confirm';
import { action, table } from '../ops-command';
import type { OpsContext } from '../ops-context';
import { OpsRefusal, UsageError } from '../ops-errors';

const inputs = (ctx: OpsContext) =>
  [ctx.topics.orders, ctx.topics.mailRequested, ctx.topics.mailEvents].map((t) => t.name);

async function parts(ctx: OpsContext) {
  const db = await ctx.db(ctx.env.PROJECTIONS_DB);
  const store = (version: number) => new ProjectionStore(ctx.mongo!, db, version);
  return { db, meta: new ProjectionMetaStore(db), store, admin: await ctx.admin() };
}

/** Topics whose retention is shorter than the history a rebuild from `fromMs` needs. */
async function retentionWarnings(ctx: OpsContext, fromMs: number | 'earliest'): Promise<string[]> {
  const admin = await ctx.admin();
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: inputs(ctx).map((name) => ({ type: 2, name, configNames: ['retention.ms'] })),
  });
  const warnings: string[] = [];
  for (const r of resources) {
    const retention = Number(r.configEntries.find((e) => e.configName === 'retention.ms')?.configValue ?? -1);
    if (retention < 0) continue;
    if (fromMs === 'earliest' || fromMs < Date.now() - retention)
      warnings.push(
        `${r.resourceName} keeps records ${Math.round(retention / 86_400_000)} days: older ones are gone, so the rebuilt version lacks them`,
      );
  }
  return warnings;
}

export function registerProjection(program: Command): void {
  const projection = program
    .command('projection')
    .description('read-model versions: status, rebuild, switch, drop');

  projection
    .command('status')
    .description('the version readers use, a rebuild in progress with its lag, retired versions')
    .action(
      action(async (ctx, _o, out) => {
        const { db, meta, store, admin } = await parts(ctx);
        const m = await meta.get();
        const versions = [m.active, ...(m.building ? [m.building.version] : []), ...m.retired];
        const rows = [];
        for (const version of versions) {
          rows.push({
            version,
            role: version === m.active ? 'active' : version === m.building?.version ? 'building' : 'retired',
            lag: await projectionLag(admin, store(version), inputs(ctx)),
            mails: await db.collection(collectionNames(version).mails).estimatedDocumentCount(),
          });
        }
        out.result({ active: m.active, building: m.building, retired: m.retired, versions: rows }, (d) =>
          [
            table([
              ['version', 'role', 'lag (records)', 'mails'],
              ...d.versions.map((v) => [v.version, v.role, v.lag, v.mails]),
            ]),
            ...(d.building
              ? [
                  `rebuild from ${d.building.from === 'earliest' ? 'the earliest offsets' : new Date(d.building.from).toISOString()}; ` +
                    (d.building.autoSwitch === false
                      ? 'partial: readers stay on the active version until `ops projection switch --partial`'
                      : 'readers switch when it has caught up'),
                ]
              : []),
          ].join('\n'),
        );
      }),
    );

  projection
    .command('rebuild')
    .description('rebuild the projections into a new version while the current one keeps serving')
    .option('--from <iso>', 'start at this time instead of the earliest offsets (a partial history)')
    .option('--partial', 'with --from: let readers switch to the partial version once it has caught up')
    .option('--reason <text>', 'why: kept in the audit record')
    .action(
      action<{ from?: string; partial?: boolean; reason?: string }>(async (ctx, opts, out) => {
        const from = opts.from === undefined ? 'earliest' : Date.parse(opts.from);
        if (from !== 'earliest' && Number.isNaN(from))
          throw new UsageError(
            `--from "${opts.from}" is not a time; use ISO 8601, e.g. 2026-11-23T08:00:00Z`,
          );
        if (opts.partial && from === 'earliest') throw new UsageError('--partial only goes with --from');
        const { db, meta, admin } = await parts(ctx);
        const warnings = await retentionWarnings(ctx, from);
        const request = await requestRebuild({
          client: ctx.mongo!,
          db,
          admin,
          meta,
          topics: inputs(ctx),
          from,
          now: Date.now(),
          partial: opts.partial === true,
        }).catch((err: Error) => {
          throw new OpsRefusal(err.message);
        });
        await audit(ctx, {
          command: 'projection rebuild',
          reason: opts.reason?.trim() || '(none given)',
          args: { from: opts.from ?? 'earliest', partial: opts.partial === true },
          result: request,
        });
        for (const w of warnings) out.note(`warning: ${w}`);
        out.result(
          { ...request, warnings },
          (r) =>
            `rebuild into version ${r.version} requested (from ${opts.from ?? 'the earliest offset'}); ` +
            (r.autoSwitch === false
              ? 'a partial version: readers stay where they are until `ops projection switch --partial`'
              : 'the projector switches readers over when it has caught up (projector_rebuild_lag_records)'),
        );
      }),
    );

  projection
    .command('switch')
    .description('switch readers to the version being rebuilt (it must have caught up)')
    .option('--partial', 'accept a version rebuilt from a point in time')
    .option('--reason <text>', 'why: kept in the audit record')
    .option('-y, --yes', 'do not ask')
    .action(
      action<{ partial?: boolean; reason?: string; yes?: boolean }>(async (ctx, opts, out) => {
        const { meta, store, admin } = await parts(ctx);
        const m = await meta.get();
        if (!m.building) throw new OpsRefusal(`no rebuild in progress; readers use version ${m.active}`);
        if (m.building.from !== 'earliest' && !opts.partial)
          throw new OpsRefusal(
            `version ${m.building.version} was rebuilt from ${new Date(m.building.from).toISOString()} and lacks older history; add --partial to switch anyway`,
          );
        const lag = await projectionLag(admin, store(m.building.version), inputs(ctx));
        if (lag > 0)
          throw new OpsRefusal(
            `version ${m.building.version} is ${lag} records behind; switch when it has caught up (ops projection status)`,
          );
        if (!(await confirm(`switch readers from version ${m.active} to ${m.building.version}`, opts.yes)))
          throw new OpsRefusal('not confirmed; nothing changed');
        if (!(await meta.switchTo(m.active, m.building.version, Date.now())))
          throw new OpsRefusal('the projections changed meanwhile; look again (ops projection status)');
        await audit(ctx, {
          command: 'projection switch',
          reason: opts.reason?.trim() || '(none given)',
          args: { partial: opts.partial === true },
          result: { from: m.active, to: m.building.version },
        });
        out.result(
          { from: m.active, to: m.building.version },
          (r) => `readers switched from version ${r.from} to ${r.to}`,
        );
      }),
    );

  projection
    .command('drop')
    .argument('<version>', 'a retired version, or the one being rebuilt (abandons the rebuild)')
    .description('drop a projection version that readers do not use')
    .option('--reason <text>', 'why: kept in the audit record')
    .option('-y, --yes', 'do not ask')
    .action(
      action<{ reason?: string; yes?: boolean }>(async (ctx, opts, out, args) => {
        const version = Number(args[0]);
        if (!Number.isInteger(version) || version < 1)
          throw new UsageError(`"${args[0]}" is not a version number`);
        const { meta, store } = await parts(ctx);
        const m = await meta.get();
        if (version === m.active)
          throw new OpsRefusal(`version ${version} is the one readers use; rebuild and switch first`);
        const building = m.building?.version === version;
        if (!building && !m.retired.includes(version))
          throw new OpsRefusal(`there is no version ${version} to drop`);
        if (
          !(await confirm(
            `drop projection version ${version}${building ? ' (abandons the rebuild)' : ''}`,
            opts.yes,
          ))
        )
          throw new OpsRefusal('not confirmed; nothing changed');
        if (building && !(await meta.abandonRebuild(version)))
          throw new OpsRefusal('the projections changed meanwhile; look again (ops projection status)');
        await store(version).drop();
        await meta.dropped(version);
        await audit(ctx, {
          command: 'projection drop',
          reason: opts.reason?.trim() || '(none given)',
          args: { version },
          result: { abandonedRebuild: building },
        });
        out.result({ dropped: version, abandonedRebuild: building }, (r) => `version ${r.dropped} dropped`);
      }),
    );
}
