// Renders a run summary as the short human-readable text that runs print and write to summary.txt.
// Pure: the k6 handleSummary bundles it too.
import { sendingDurationMs, type LatencyStats, type RunSummary, type ThresholdResult } from '../model/summary.ts';

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const pct = (part: number, whole: number): string => (whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(2)}%`);
/** The engine as people name it; the machine name is 'node' ('replay' in older summaries). */
const ENGINE_NAMES: Record<string, string> = {
  k6: 'k6',
  node: 'Node engine',
  replay: 'Node engine',
  harness: 'k6 harness',
};
/** A threshold's measured value beside its limit: a rate as a fraction (like the limit), else ms. */
const measured = (t: ThresholdResult, v: number): string =>
  t.expression.startsWith('rate') ? String(Number(v.toPrecision(3))) : `${ms(v)} ms`;
const lat = (l: LatencyStats): string => `p50 ${ms(l.p50)}  p95 ${ms(l.p95)}  p99 ${ms(l.p99)}  max ${ms(l.max)} ms`;

export function renderSummaryText(s: RunSummary): string {
  const r = s.requests;
  // The rate is over the sending phase: a replay's reading and ordering before it is shown apart.
  const seconds = sendingDurationMs(s) / 1000;
  const before = (s.durationMs - sendingDurationMs(s)) / 1000;
  const lines: string[] = [];
  lines.push(
    `cartload run ${s.runId} (${ENGINE_NAMES[s.engine] ?? s.engine}): ${s.scenario} against ${s.target}${s.interrupted ? '  (INTERRUPTED)' : ''}`,
  );
  lines.push(
    `  requests   ${r.total} in ${seconds.toFixed(1)} s (${seconds > 0 ? (r.total / seconds).toFixed(1) : '0'}/s), ` +
      `failed ${r.failed} (${pct(r.failed, r.total)}), 409s ${r.conflicts409}`,
  );
  if (before >= 0.1)
    lines.push(`  reading    ${before.toFixed(1)} s before the first request (reading and ordering the input)`);
  lines.push(`  latency    ${lat(r.latency)}`);
  if (r.latencyFromIntended) lines.push(`  from intended send ${lat(r.latencyFromIntended)}`);
  for (const [step, st] of Object.entries(r.byStep).sort()) {
    const statuses = Object.entries(st.statuses)
      .map(([code, n]) => `${code}×${n}`)
      .join(' ');
    lines.push(`    ${step.padEnd(8)} ${String(st.count).padStart(7)}  ${lat(st.latency)}  [${statuses}]`);
  }
  const ss = s.sessions;
  lines.push(
    `  sessions   started ${ss.started}, completed ${ss.completed}, failed ${ss.failed}, skipped steps ${ss.skippedSteps}`,
  );
  if (s.lag) lines.push(`  lag        ${lat(s.lag)}; waiting for predecessor ${lat(s.lag.waitingForPredecessor)}`);
  if (s.checks) lines.push(`  checks     ${s.checks.passes} passed, ${s.checks.fails} failed`);
  if (s.rejectedCoupons !== undefined) lines.push(`  coupons    ${s.rejectedCoupons} rejected`);
  if (s.skippedRows && Object.keys(s.skippedRows).length > 0) {
    lines.push(
      `  skipped rows ${Object.entries(s.skippedRows)
        .map(([why, n]) => `${why}: ${n}`)
        .join(', ')}`,
    );
  }
  if (s.filteredSteps && Object.keys(s.filteredSteps).length > 0) {
    lines.push(
      `  filtered steps ${Object.entries(s.filteredSteps)
        .map(([why, n]) => `${why}: ${n}`)
        .join(', ')}`,
    );
  }
  for (const t of s.thresholds ?? [])
    lines.push(
      `  ${t.ok ? 'ok  ' : 'FAIL'} threshold ${t.metric}: ${t.expression}${t.value === undefined ? '' : ` (measured ${measured(t, t.value)})`}`,
    );
  for (const n of s.notes ?? []) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}
