// The capacity report: for each step of a capacity run (tag `stage` = the step's rate), the rate
// achieved, p95/p99, failed requests and checks, and the highest rate that met the SLO with every
// lower step meeting it too. Read from handleSummary's data. Pure: no k6 imports.
import type { Slo } from './config.ts';
import type { K6SummaryData } from './k6-summary.ts';
import type { CapacityStep } from './load.ts';
import { durationMs } from '../../model/duration.ts';

export interface CapacityRow {
  rate: number;
  /** Sessions of the step that finished, per second of its hold (k6's `iterations{stage}`). */
  achieved: number;
  p95: number;
  p99: number;
  /** Share of failed requests. */
  failed: number;
  checks: number;
  requests: number;
  ok: boolean;
  /** Why the step missed the SLO. */
  why: string[];
}

export interface CapacityReport {
  rows: CapacityRow[];
  /** The highest sustained rate, or undefined when even the first step missed the SLO. */
  sustainable?: number;
  /** The first rate that missed the SLO. */
  breaking?: number;
}

/**
 * When k6 dropped iterations (no free VU), a step whose finished sessions fall below this share of
 * its rate counts as not sustained: the load generator, not the target, was the limit.
 */
export const ACHIEVED_SHARE = 0.95;

export function capacityReport(data: K6SummaryData, steps: readonly CapacityStep[], slo: Slo): CapacityReport {
  const rows: CapacityRow[] = [];
  // Without dropped iterations, k6 started every session each step asked for.
  const dropped = data.metrics.dropped_iterations?.values.count ?? 0;
  for (const s of steps) {
    const d = data.metrics[`http_req_duration{stage:${s.rate}}`]?.values ?? {};
    const f = data.metrics[`http_req_failed{stage:${s.rate}}`]?.values ?? {};
    const c = data.metrics[`checks{stage:${s.rate}}`]?.values ?? {};
    const started = data.metrics[`iterations{stage:${s.rate}}`]?.values.count ?? 0;
    const requests = d.count ?? (f.passes ?? 0) + (f.fails ?? 0);
    if (requests === 0 && started === 0) break; // the run ended before this step
    const row: CapacityRow = {
      rate: s.rate,
      achieved: started / (durationMs(s.hold) / 1000),
      p95: d['p(95)'] ?? 0,
      p99: d['p(99)'] ?? 0,
      failed: f.rate ?? 0,
      checks: c.rate ?? 1,
      requests,
      ok: true,
      why: [],
    };
    if (row.p95 >= slo.p95Ms) row.why.push(`p95 ${row.p95.toFixed(0)} ms ≥ ${slo.p95Ms}`);
    if (row.p99 >= slo.p99Ms) row.why.push(`p99 ${row.p99.toFixed(0)} ms ≥ ${slo.p99Ms}`);
    if (row.failed >= slo.errorRate) row.why.push(`failed ${(100 * row.failed).toFixed(2)}% ≥ ${100 * slo.errorRate}%`);
    if (dropped > 0 && row.achieved < ACHIEVED_SHARE * s.rate) row.why.push(`only ${row.achieved.toFixed(2)}/s finished and k6 dropped sessions (VUs short: raise MAX_VUS)`);
    row.ok = row.why.length === 0;
    rows.push(row);
  }
  const firstBad = rows.findIndex((r) => !r.ok);
  const good = firstBad === -1 ? rows : rows.slice(0, firstBad);
  const report: CapacityReport = { rows };
  if (good.length > 0) report.sustainable = (good[good.length - 1] as CapacityRow).rate;
  if (firstBad !== -1) report.breaking = (rows[firstBad] as CapacityRow).rate;
  return report;
}

/** What capacity.json holds: enough to recompute the report from k6-summary.json with another SLO. */
export interface CapacityFile {
  steps: CapacityStep[];
  slo: Slo;
  report: CapacityReport;
}

/** The capacity scenario's addition to handleSummary: the table, the verdict, and capacity.json. */
export function capacitySummary(data: K6SummaryData, steps: CapacityStep[], slo: Slo): { text: string; notes: string[]; files: Record<string, string> } {
  const report = capacityReport(data, steps, slo);
  const file: CapacityFile = { steps, slo, report };
  return { ...renderCapacity(report), files: { 'capacity.json': `${JSON.stringify(file, null, 2)}\n` } };
}

export function renderCapacity(report: CapacityReport): { text: string; notes: string[] } {
  const lines = ['  capacity   rate/s finished/s     p95 ms     p99 ms   failed  checks'];
  for (const r of report.rows) {
    lines.push(
      `    ${r.ok ? 'ok  ' : 'MISS'} ${String(r.rate).padStart(8)} ${r.achieved.toFixed(2).padStart(10)} ${r.p95.toFixed(1).padStart(10)} ${r.p99.toFixed(1).padStart(10)} ${`${(100 * r.failed).toFixed(2)}%`.padStart(8)} ${`${(100 * r.checks).toFixed(1)}%`.padStart(7)}${r.ok ? '' : `  ${r.why.join('; ')}`}`,
    );
  }
  const verdict =
    report.rows.length === 0
      ? 'the run ended before the first step held its rate: nothing to report'
      : report.sustainable === undefined
      ? 'no step met the SLO'
      : `highest sustainable rate ${report.sustainable} sessions/s${report.breaking !== undefined ? `; the SLO broke at ${report.breaking}/s` : '; the SLO held at every step (raise RATE/STEPS to find the limit)'}`;
  lines.push(`  capacity: ${verdict}`);
  return { text: `${lines.join('\n')}\n`, notes: [`capacity: ${verdict}`] };
}
