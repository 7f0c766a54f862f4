// A chaos report as the Markdown docs/reliability.md quotes: one row per fault kind, then the verdict.
import type { ChaosReport } from './chaos-run';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

export function reportMarkdown(report: ChaosReport): string {
  const v = report.verdict;
  const kinds = [...new Set(report.faults.map((f) => f.kind))];
  const rows = kinds.map((kind) => {
    const faults = report.faults.filter((f) => f.kind === kind);
    const injected = faults.filter((f) => f.outcome === 'injected');
    const recovered = injected.flatMap((f) => (f.recoveredAfterMs === null ? [] : [f.recoveredAfterMs]));
    const med = median(recovered);
    return `| ${kind} | ${injected.length} | ${faults.filter((f) => f.outcome !== 'injected').length} | ${
      med === undefined ? '–' : seconds(med)
    } | ${recovered.length === 0 ? '–' : seconds(Math.max(...recovered))} |`;
  });
  const o = report.options;
  return [
    `Run \`${report.runId}\` (${report.startedAt}): \`npm run chaos -- --orders ${o.orders} --seed ${o.seed} --faults ${o.faults.join(',')} --instances ${o.instances}\``,
    `on ${report.machine.cpus} × ${report.machine.cpuModel}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}.`,
    '',
    `Load ${seconds(report.durations.loadMs)}, drain ${seconds(report.durations.drainMs)}, whole run ${seconds(report.durations.totalMs)}; ` +
      `${report.load.committedFacts} committed facts, ${report.load.rolledBack} commands rolled back on purpose, ${report.load.refused} refused by the shop (a change to a customer whose registration had rolled back).`,
    '',
    '| fault | injected | skipped or failed | recovery, median | recovery, max |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    '| verdict | |',
    '| --- | ---: |',
    `| mails due (exactly once) | ${v.expected.send} |`,
    `| mails allowed either way (the customer changed their mind) | ${v.expected.either} |`,
    `| mails that must not be sent | ${v.expected.never} |`,
    `| messages the SMTP server accepted | ${v.delivered} |`,
    `| digests delivered (mails they stood for) | ${v.digests.delivered} (${v.digests.members}) |`,
    `| lost | ${v.lost.length} |`,
    `| duplicated | ${v.duplicated.length} |`,
    `| unexpected | ${v.unexpected.length} |`,
    `| misaddressed | ${v.misaddressed.length} |`,
    `| documented ambiguous resends | ${v.ambiguousResends.length} |`,
    `| dead letters missing / not injected | ${v.deadLetters.missing.length} / ${v.deadLetters.extra.length} |`,
    `| outbox records left | ${Object.values(v.outboxLeft).reduce((a, b) => a + b, 0)} |`,
    `| projection ≠ rebuild (documents) | ${v.projectionDiffs.length} |`,
    `| restarts after a crash (not the harness's kills) | ${Object.values(report.restartsAfterCrash).reduce((a, b) => a + b, 0)} |`,
    '',
  ].join('\n');
}
