// npm run chaos -- --orders N --seed S --faults all|<list> --instances 2 [--json report.json]
// Runs the whole fleet on a private stack under seeded faults and checks the outcome with an independent
// oracle (docs/reliability.md). Exits 1 when any mail was lost, duplicated or unexpected.
import { writeFileSync } from 'node:fs';
import { MultiBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { runChaos, type ChaosProgress, type ChaosReport } from './chaos-run';
import { FAULT_KINDS, parseFaultKinds, type FaultKind } from './fault-plan';
import { reportMarkdown } from './report-markdown';

const whole = (name: string, min: number, max: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}.`);
  return n;
};
const kinds = (value: string): FaultKind[] => {
  try {
    return parseFaultKinds(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

function summary(report: ChaosReport): string {
  const v = report.verdict;
  const list = (label: string, items: readonly string[]) =>
    items.length === 0 ? [] : [`  ${label}: ${items.length}`, ...items.slice(0, 10).map((i) => `    ${i}`)];
  return [
    '',
    `chaos run ${report.runId}: ${report.ok ? 'PASSED' : 'FAILED'} in ${Math.round(report.durations.totalMs / 1000)} s`,
    `  committed facts ${report.load.committedFacts}, rolled back ${report.load.rolledBack}; mails due ${v.expected.send} (+${v.expected.either} either way), must not ${v.expected.never}; delivered ${v.delivered}, ${v.digests.delivered} of them digests standing for ${v.digests.members}`,
    `  faults: ${report.faults.filter((f) => f.outcome === 'injected').length} injected (${[...new Set(report.faults.map((f) => f.kind))].join(', ') || 'none'})`,
    `  lost ${v.lost.length} · duplicated ${v.duplicated.length} · unexpected ${v.unexpected.length} · misaddressed ${v.misaddressed.length} · ambiguous resends ${v.ambiguousResends.length}`,
    ...list(
      'faults that failed',
      report.faults.filter((f) => f.outcome === 'failed').map((f) => `${f.kind}: ${f.detail}`),
    ),
    ...list('lost', v.lost),
    ...list('duplicated', v.duplicated),
    ...list('unexpected', v.unexpected),
    ...list('misaddressed', v.misaddressed),
    ...list('dead letters missing', v.deadLetters.missing),
    ...list('dead letters not injected', v.deadLetters.extra),
    ...list(
      'outboxes not drained',
      Object.entries(v.outboxLeft).map(([db, n]) => `${db}: ${n}`),
    ),
    ...list('projection ≠ rebuild', v.projectionDiffs),
    `  logs: ${report.logs}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const options = new Command('chaos')
    .description('Run the fleet under seeded faults and check every mail with an independent oracle.')
    .option('-n, --orders <count>', 'orders the example shop places', whole('--orders', 1, 1_000_000), 300)
    .option(
      '-s, --seed <number>',
      'seed of the load and of the fault schedule',
      whole('--seed', 1, 2 ** 31),
      1,
    )
    .option('-f, --faults <kinds>', `all, none, or a list of ${FAULT_KINDS.join(',')}`, kinds, [
      ...FAULT_KINDS,
    ])
    .option('-i, --instances <count>', 'instances of every service', whole('--instances', 1, 4), 2)
    .option(
      '-w, --window <seconds>',
      'how long the load and the faults run (at least what the faults need)',
      whole('--window', 10, 86_400),
    )
    .option(
      '-d, --drain <seconds>',
      'how long to wait after the load for every due mail',
      whole('--drain', 10, 86_400),
      600,
    )
    .option('--json <file>', 'write the full report as JSON')
    .option('--markdown <file>', 'write the fault table and the verdict as Markdown (docs/reliability.md)')
    .option('--keep', 'leave the private stack running afterwards (to look around)')
    .parse()
    .opts<{
      orders: number;
      seed: number;
      faults: FaultKind[];
      instances: number;
      window?: number;
      drain: number;
      json?: string;
      markdown?: string;
      keep?: boolean;
    }>();

  const bars = new MultiBar(
    { format: '{phase} |{bar}| {value}/{total} {note}', hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  const bar = bars.create(1, 0, { phase: 'starting'.padEnd(8), note: '' });
  const onProgress = (p: ChaosProgress) => {
    bar.setTotal(Math.max(1, p.total));
    bar.update(p.done, { phase: p.phase.padEnd(8), note: p.note ?? '' });
  };
  const report = await runChaos(
    {
      orders: options.orders,
      seed: options.seed,
      faults: options.faults,
      instances: options.instances,
      ...(options.window ? { windowMs: options.window * 1000 } : {}),
      drainTimeoutMs: options.drain * 1000,
      keep: options.keep ?? false,
    },
    onProgress,
  ).finally(() => bars.stop());
  if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
  if (options.markdown) writeFileSync(options.markdown, reportMarkdown(report));
  console.log(summary(report));
  process.exitCode = report.ok ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error('chaos:', err instanceof Error ? err.message : err);
  process.exit(2);
});
