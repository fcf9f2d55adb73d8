// Turns the data object k6 hands to handleSummary into cartload's RunSummary (summary.json) and the
// JUnit input. Written against the object a real k6 v2.2 run hands over (test/fixtures/scenarios/k6-handleSummary-data.sample.json). Pure: no k6
// imports, so Node tests feed it recorded k6 data.
import { ENDPOINTS, LIFECYCLE_KINDS, STEP_NAMES } from '../../model/plan.ts';
import {
  EMPTY_LATENCY,
  SUMMARY_SCHEMA_VERSION,
  type LatencyStats,
  type RunSummary,
  type StepStats,
  type ThresholdResult,
} from '../../model/summary.ts';
import type { JUnitCheck, JUnitThreshold } from '../../report/junit.ts';
import { METRICS } from './metric-names.ts';
import { COUNTED_STATUSES, OBSERVER_EXPRESSIONS } from './thresholds.ts';

export interface K6Metric {
  type: 'counter' | 'gauge' | 'rate' | 'trend';
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface K6Check {
  name: string;
  path: string;
  passes: number;
  fails: number;
}

export interface K6Group {
  name: string;
  path: string;
  groups: K6Group[];
  checks: K6Check[];
}

/** The part of k6's handleSummary `data` that cartload reads. */
export interface K6SummaryData {
  metrics: Record<string, K6Metric>;
  root_group: K6Group;
  state: { testRunDurationMs: number; isStdOutTTY?: boolean };
  options?: Record<string, unknown>;
}

export interface SummaryContext {
  scenario: string;
  runId: string;
  target: string;
  /** The run's configuration, already without secrets. */
  options: Record<string, unknown>;
  /** When handleSummary ran (the end of the run). */
  endedAt: Date;
  notes?: string[];
}

/** What k6's summary data cannot say, written into every k6 summary.json as notes. */
export const K6_SUMMARY_LIMITS = [
  'lag is absent: k6 does not send late, it drops iterations it cannot start on time (see dropped_iterations)',
  'byStep statuses count "200" (answered as expected) and "failed"; byStatus counts only the statuses cartload tracks',
];

function latency(m: K6Metric | undefined): LatencyStats {
  if (!m || m.type !== 'trend') return { ...EMPTY_LATENCY };
  const v = m.values;
  const n = (k: string): number => (typeof v[k] === 'number' && Number.isFinite(v[k]) ? (v[k] as number) : 0);
  return {
    count: n('count'),
    min: n('min'),
    mean: n('avg'),
    p50: n('med'),
    p90: n('p(90)'),
    p95: n('p(95)'),
    p99: n('p(99)'),
    max: n('max'),
  };
}

const count = (m: K6Metric | undefined): number => m?.values.count ?? 0;
/** A rate metric's `passes` are its true samples: for http_req_failed, the failed requests. */
const trues = (m: K6Metric | undefined): number => m?.values.passes ?? 0;

function stepStats(data: K6SummaryData, selector: string): StepStats | undefined {
  const duration = data.metrics[`http_req_duration{${selector}}`];
  const failed = trues(data.metrics[`http_req_failed{${selector}}`]);
  const lat = latency(duration);
  const total = Math.max(lat.count, failed + (data.metrics[`http_req_failed{${selector}}`]?.values.fails ?? 0));
  // Without the `count` trend stat (a custom summaryTrendStats) the latency is still worth keeping.
  if (total === 0 && !duration) return undefined;
  const statuses: Record<string, number> = {};
  if (total - failed > 0) statuses['200'] = total - failed;
  if (failed > 0) statuses.failed = failed;
  return { count: total, statuses, latency: lat };
}

export function allChecks(group: K6Group): K6Check[] {
  return [...group.checks, ...group.groups.flatMap(allChecks)];
}

/** Thresholds the user cares about: every one but the observers. */
export function realThresholds(data: K6SummaryData): JUnitThreshold[] {
  const out: JUnitThreshold[] = [];
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [expression, t] of Object.entries(m.thresholds ?? {})) {
      if (OBSERVER_EXPRESSIONS.has(expression)) continue;
      out.push({ metric, expression, ok: t.ok, observed: observed(m, expression) });
    }
  }
  return out.sort((a, b) => a.metric.localeCompare(b.metric) || a.expression.localeCompare(b.expression));
}

/** The value a threshold expression looked at, e.g. `p(95)=612.30`. */
function observed(m: K6Metric, expression: string): string | undefined {
  const lhs = expression.split(/[<>=!]/)[0]?.trim() ?? '';
  const v = m.values[lhs];
  return typeof v === 'number' ? `${lhs}=${Number.isInteger(v) ? v : v.toFixed(4)}` : undefined;
}

export function toRunSummary(data: K6SummaryData, ctx: SummaryContext): RunSummary {
  const m = data.metrics;
  const durationMs = data.state.testRunDurationMs;
  const byStep: Record<string, StepStats> = {};
  for (const step of STEP_NAMES) {
    const s = stepStats(data, `step:${step}`);
    if (s) byStep[step] = s;
  }
  const byEndpoint: Record<string, StepStats> = {};
  for (const name of Object.values(ENDPOINTS)) {
    const s = stepStats(data, `name:${name}`);
    if (s) byEndpoint[name] = s;
  }
  const byStatus: Record<string, number> = {};
  for (const status of COUNTED_STATUSES) {
    const n = count(m[`http_reqs{status:${status}}`]);
    if (n > 0) byStatus[status === '0' ? 'error' : status] = n;
  }
  const byKind: Record<string, { completed: number; failed: number }> = {};
  for (const kind of LIFECYCLE_KINDS) {
    const completed = count(m[`${METRICS.completed}{kind:${kind}}`]);
    const failed = count(m[`${METRICS.failed}{kind:${kind}}`]);
    if (completed + failed > 0) byKind[kind] = { completed, failed };
  }
  const thresholds: ThresholdResult[] = realThresholds(data).map(({ metric, expression, ok }) => ({
    metric,
    expression,
    ok,
  }));
  const checks = m.checks ? { passes: m.checks.values.passes ?? 0, fails: m.checks.values.fails ?? 0 } : undefined;
  const notes = [...K6_SUMMARY_LIMITS, ...(ctx.notes ?? [])];
  const dropped = count(m.dropped_iterations);
  if (dropped > 0) notes.push(`k6 dropped ${dropped} iteration(s) (sessions) it had no free VU for: raise MAX_VUS`);
  const summary: RunSummary = {
    tool: 'cartload',
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    engine: 'k6',
    runId: ctx.runId,
    scenario: ctx.scenario,
    startedAt: new Date(ctx.endedAt.getTime() - durationMs).toISOString(),
    endedAt: ctx.endedAt.toISOString(),
    durationMs,
    target: ctx.target,
    options: ctx.options,
    interrupted: false,
    requests: {
      total: count(m.http_reqs),
      failed: trues(m.http_req_failed),
      conflicts409: count(m[METRICS.conflicts]),
      byStatus,
      byStep,
      byEndpoint,
      latency: latency(m.http_req_duration),
    },
    sessions: {
      started: count(m.iterations),
      completed: count(m[METRICS.completed]),
      failed: count(m[METRICS.failed]),
      skippedSteps: count(m[METRICS.skippedSteps]),
      byKind,
    },
    thresholds,
    rejectedCoupons: count(m[METRICS.rejectedCoupons]),
    notes,
  };
  if (checks) summary.checks = checks;
  // Without the `count` trend stat (a custom summaryTrendStats), the request count stands in.
  if (summary.requests.latency.count === 0) summary.requests.latency.count = summary.requests.total;
  return summary;
}

/** The JUnit input for a run: every check (with its group path) and every real threshold. */
export function junitChecks(data: K6SummaryData): JUnitCheck[] {
  return allChecks(data.root_group).map((c) => ({ name: c.name, path: c.path, passes: c.passes, fails: c.fails }));
}
