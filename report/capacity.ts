// The capacity report as text: one row per probe (sessions/s and requests/s offered and achieved,
// latency, errors, 409s, the generator's health, the verdict), a chart of latency and errors
// against the offered rate, and the verdict. Pure: the k6 handleSummary renders it too.
import {
  rateText,
  type CapacityFile,
  type CapacityProbe,
  type CapacityReport,
  type CapacitySlo,
  type StopReason,
} from '../model/capacity.ts';
import type { CapacityCurve } from './data/format.ts';

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (part: number, whole: number): string => (whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(2)}%`);

export function sloText(slo: CapacitySlo): string {
  return `p95 < ${slo.p95Ms} ms, p99 < ${slo.p99Ms} ms, failed < ${+(100 * slo.errorRate).toFixed(4)}%`;
}

const STOPPED: Record<StopReason, string> = {
  tolerance: 'the bracket is within the tolerance',
  'max-probes': 'stopped at --max-probes before the bracket was within the tolerance',
  budget: 'stopped at --max-duration before the bracket was within the tolerance',
  'max-rate': 'stopped at --max-rate',
  'min-rate': 'stopped at --min-rate',
  generator:
    "stopped under the rate the load generator could not drive (the bracket is the generator's, not the target's)",
  interrupted: 'interrupted',
  staircase: 'a fixed staircase of steps',
};

function table(probes: readonly CapacityProbe[], report: CapacityReport): string[] {
  const lines = [
    '     #  offered sess/s   req/s  achieved sess/s   req/s     p50 ms    p95 ms    p99 ms   failed   409s  generator',
  ];
  const byN = new Map(report.verdicts.map((v) => [v.n, v]));
  for (const p of [...probes].sort((a, b) => a.rate - b.rate || a.n - b.n)) {
    const v = byN.get(p.n);
    const mark = v?.ok ? 'ok  ' : v?.limit === 'generator' ? 'GEN ' : 'MISS';
    const gen = p.generator.delivered && p.generator.measuring ? 'ok' : 'SHORT';
    lines.push(
      `  ${mark}${String(p.n).padStart(2)} ${rateText(p.offered.sessionsPerSec).padStart(14)} ${rateText(p.offered.requestsPerSec).padStart(7)} ${rateText(p.achieved.sessionsPerSec).padStart(16)} ${rateText(p.achieved.requestsPerSec).padStart(7)} ${ms(p.latency.p50).padStart(10)} ${ms(p.latency.p95).padStart(9)} ${ms(p.latency.p99).padStart(9)} ${pct(p.failed, p.requests).padStart(8)} ${String(p.conflicts409).padStart(6)}  ${gen}` +
        (v && !v.ok ? `  ${v.reasons.join('; ')}` : ''),
    );
  }
  return lines;
}

const BAR = 40;

/**
 * p95 against the offered rate, one row per probe, on a log scale so that the flat part and the
 * climb both show: `█` up to the SLO, `▓` beyond it, `·` at p50, `|` where the SLO's p95 sits.
 */
export function capacityChart(probes: readonly CapacityProbe[], slo: CapacitySlo): string[] {
  const rows = [...probes].filter((p) => p.latency.count > 0).sort((a, b) => a.rate - b.rate || a.n - b.n);
  if (rows.length === 0) return [];
  const lo = Math.max(0.1, Math.min(...rows.map((p) => p.latency.p50)) / 1.5);
  const hi = Math.max(slo.p95Ms * 1.2, ...rows.map((p) => p.latency.p95));
  const col = (v: number): number =>
    Math.max(0, Math.min(BAR, Math.round((BAR * Math.log(Math.max(v, lo) / lo)) / Math.log(hi / lo))));
  const sloCol = col(slo.p95Ms);
  const lines = [
    `  p95 latency (log scale, ${ms(lo)} to ${ms(hi)} ms) and failed requests by offered rate; | = SLO p95 ${slo.p95Ms} ms, · = p50`,
  ];
  for (const p of rows) {
    const cells: string[] = [];
    const end = col(p.latency.p95);
    const p50 = col(p.latency.p50);
    for (let i = 0; i < BAR; i++) cells.push(i < end ? (i < sloCol ? '█' : '▓') : ' ');
    if (p50 < BAR && p50 >= end) cells[p50] = '·';
    if (sloCol < BAR && cells[sloCol] === ' ') cells[sloCol] = '|';
    lines.push(
      `  ${rateText(p.rate).padStart(7)} /s ${rateText(p.offered.requestsPerSec).padStart(7)} req/s │${cells.join('')}│ ${ms(p.latency.p95).padStart(7)} ms ${pct(p.failed, p.requests).padStart(7)}`,
    );
  }
  return lines;
}

export interface CapacityTextInput {
  probes: readonly CapacityProbe[];
  report: CapacityReport;
  stoppedBy?: StopReason;
  /** The target's configured ceiling in req/s, when known (the local target's capacity knob). */
  knownCeiling?: number;
  /** Lines that say something about the whole run (e.g. what cannot be seen of k6). */
  notes?: readonly string[];
}

export function renderCapacityText(c: CapacityTextInput): string {
  const r = c.report;
  const lines = [
    `  capacity under the SLO ${sloText(r.slo)}`,
    ...table(c.probes, r),
    '',
    ...capacityChart(c.probes, r.slo),
    '',
  ];
  lines.push(`  capacity: ${r.verdict}`);
  if (c.stoppedBy)
    lines.push(`  search: ${c.probes.length} probe${c.probes.length === 1 ? '' : 's'}; ${STOPPED[c.stoppedBy]}`);
  if (c.knownCeiling !== undefined && r.sustainable) {
    lines.push(
      `  the target's configured ceiling is ${rateText(c.knownCeiling)} req/s: the sustainable rate is ${(r.sustainable.requestsPerSec / c.knownCeiling).toFixed(2)} of it`,
    );
  }
  for (const n of c.notes ?? []) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}

/** A capacity run as the results format's curve (results.json `capacity`), which the HTML report draws. */
export function capacityCurve(file: Pick<CapacityFile, 'probes' | 'report'>): CapacityCurve {
  const ok = new Map(file.report.verdicts.map((v) => [v.n, v.ok]));
  return {
    unit: 'sessions/s',
    points: [...file.probes]
      .filter((p) => p.latency.count > 0)
      .sort((a, b) => a.rate - b.rate || a.n - b.n)
      .map((p) => ({
        offered: p.rate,
        achieved: p.achieved.sessionsPerSec,
        requestsPerSecond: p.achieved.requestsPerSec,
        p50: p.latency.p50,
        p95: p.latency.p95,
        p99: p.latency.p99,
        errorRate: p.requests === 0 ? 0 : p.failed / p.requests,
        withinSlo: ok.get(p.n) === true,
      })),
    ...(file.report.sustainable ? { sustainable: file.report.sustainable.sessionsPerSec } : {}),
    ...(file.report.knee ? { knee: file.report.knee.sessionsPerSec } : {}),
    notes: [`capacity: ${file.report.verdict}`],
  };
}
