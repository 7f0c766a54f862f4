// Status counts over time for the charts: the projector keeps counters per template and UTC day; this
// folds them into one row per day (every day in the window, zeros included, so charts have no gaps)
// and one total per template. Pure.
import type { TemplateDayCounter, TemplateDayView } from '@mailfleet/read-models';

const COUNTERS: readonly TemplateDayCounter[] = ['requested', 'sent', 'retries', 'failed', 'dead', 'bounced'];

export type Counts = Record<TemplateDayCounter, number>;

export interface DayRow extends Counts {
  readonly day: string;
  /** Mean requested → sent latency of the mails sent that day; null when none was sent. */
  readonly meanLatencyMs: number | null;
  readonly maxLatencyMs: number | null;
}

export interface Throughput {
  readonly days: readonly DayRow[];
  readonly templates: readonly ({ readonly templateId: string } & Counts)[];
}

const zero = (): Counts => ({ requested: 0, sent: 0, retries: 0, failed: 0, dead: 0, bounced: 0 });

/** The UTC days from `days - 1` days before `today` up to `today`, oldest first. */
export function dayWindow(today: Date, days: number): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--)
    out.push(new Date(today.getTime() - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

export function summarizeThroughput(docs: readonly TemplateDayView[], window: readonly string[]): Throughput {
  const byDay = new Map(
    window.map((d) => [d, { counts: zero(), latencySum: 0, latencyCount: 0, latencyMax: 0 }]),
  );
  const byTemplate = new Map<string, Counts>();
  for (const doc of docs) {
    const day = byDay.get(doc.day);
    if (!day) continue;
    const template = byTemplate.get(doc.templateId) ?? zero();
    for (const c of COUNTERS) {
      const n = doc.counts[c] ?? 0;
      day.counts[c] += n;
      template[c] += n;
    }
    byTemplate.set(doc.templateId, template);
    day.latencySum += doc.latencySumMs;
    day.latencyCount += doc.latencyCount;
    day.latencyMax = Math.max(day.latencyMax, doc.latencyMaxMs);
  }
  return {
    days: window.map((d) => {
      const v = byDay.get(d)!;
      return {
        day: d,
        ...v.counts,
        meanLatencyMs: v.latencyCount > 0 ? Math.round(v.latencySum / v.latencyCount) : null,
        maxLatencyMs: v.latencyCount > 0 ? v.latencyMax : null,
      };
    }),
    templates: [...byTemplate.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([templateId, counts]) => ({ templateId, ...counts })),
  };
}
