// Thresholds: the SLO gate (what fails a CI run with k6's exit code 99), and "observers", always-true
// thresholds whose only job is to make k6 keep a sub-metric (k6 reports `http_req_duration{step:open}`
// to handleSummary only when a threshold names it), so that summary.json can break results down by
// step, endpoint, status, lifecycle kind and capacity stage. Pure: no k6 imports.
import { ENDPOINTS, LIFECYCLE_KINDS, STEP_NAMES, type StepName } from '../../model/plan.ts';
import type { Slo } from './config.ts';
import { METRICS } from './metric-names.ts';

/**
 * Always-true expressions: a threshold with one of these only asks k6 to keep the sub-metric. They
 * hold on empty sub-metrics too: k6 evaluates an empty Rate as NaN (0/0), which fails every
 * comparison but `!=`, while an empty Trend's max and an empty Counter's count are 0.
 */
export const OBSERVER_EXPRESSIONS: ReadonlySet<string> = new Set(['max>=0', 'rate!=-1', 'count>=0']);

/** HTTP statuses counted one by one in summary.json (`0` is k6's status for a request with no answer). */
export const COUNTED_STATUSES = ['0', '200', '400', '401', '404', '409', '429', '500', '502', '503', '504'] as const;

export type Thresholds = Record<string, string[]>;

/** The gate: failed requests, check pass rate, and p95/p99 per step against the SLO. */
export function sloThresholds(slo: Slo, checkRate: number, steps: readonly StepName[] = STEP_NAMES): Thresholds {
  const t: Thresholds = {
    http_req_failed: [`rate<${slo.errorRate}`],
    checks: [checkRate >= 1 ? 'rate==1' : `rate>=${checkRate}`],
  };
  for (const step of steps) t[`http_req_duration{step:${step}}`] = [`p(95)<${slo.p95Ms}`, `p(99)<${slo.p99Ms}`];
  return t;
}

/** Observers for the breakdowns of summary.json. */
export function observerThresholds(steps: readonly StepName[] = STEP_NAMES): Thresholds {
  const t: Thresholds = {};
  for (const step of steps) {
    t[`http_req_failed{step:${step}}`] = ['rate!=-1'];
    // Counted with the trend's `count` stat; the gate may already hold this key.
    t[`http_req_duration{step:${step}}`] = ['max>=0'];
  }
  for (const name of Object.values(ENDPOINTS)) {
    t[`http_req_duration{name:${name}}`] = ['max>=0'];
    t[`http_req_failed{name:${name}}`] = ['rate!=-1'];
  }
  for (const status of COUNTED_STATUSES) t[`http_reqs{status:${status}}`] = ['count>=0'];
  for (const kind of LIFECYCLE_KINDS) {
    t[`${METRICS.completed}{kind:${kind}}`] = ['count>=0'];
    t[`${METRICS.failed}{kind:${kind}}`] = ['count>=0'];
  }
  return t;
}

/** Observers per capacity stage (tag `stage` = the step's rate; `half` = the half of its hold). */
export function stageObservers(rates: readonly number[]): Thresholds {
  const t: Thresholds = {};
  for (const rate of rates) {
    t[`http_req_duration{stage:${rate}}`] = ['max>=0'];
    t[`http_req_duration{stage:${rate},half:1}`] = ['max>=0'];
    t[`http_req_duration{stage:${rate},half:2}`] = ['max>=0'];
    t[`http_req_failed{stage:${rate}}`] = ['rate!=-1'];
    t[`http_reqs{stage:${rate}}`] = ['count>=0'];
    t[`iterations{stage:${rate}}`] = ['count>=0'];
    t[`iteration_duration{stage:${rate}}`] = ['max>=0'];
    t[`${METRICS.answered}{answered_in:${rate}}`] = ['count>=0'];
    t[`${METRICS.startLag}{stage:${rate}}`] = ['max>=0'];
    t[`checks{stage:${rate}}`] = ['rate!=-1'];
    t[`${METRICS.conflicts}{stage:${rate}}`] = ['count>=0'];
  }
  return t;
}

/** Merges threshold maps, keeping every expression once per metric, and observers only where needed. */
export function mergeThresholds(...maps: Thresholds[]): Thresholds {
  const out: Thresholds = {};
  for (const m of maps) {
    for (const [k, exprs] of Object.entries(m)) {
      const list = (out[k] ??= []);
      for (const e of exprs) if (!list.includes(e)) list.push(e);
    }
  }
  // A metric that already has a real threshold is kept by k6 anyway: its observer is noise.
  for (const [k, list] of Object.entries(out)) {
    if (list.some((e) => !OBSERVER_EXPRESSIONS.has(e))) out[k] = list.filter((e) => !OBSERVER_EXPRESSIONS.has(e));
  }
  return out;
}

/**
 * Trend stats k6 computes for handleSummary: summary.json needs p50, p90, p95, p99 and counts,
 * and `count` gives per-step request counts without another sub-metric.
 */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)', 'count'];
