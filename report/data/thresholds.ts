// Threshold verdicts recomputed from a run's results (after a merge: from all instances' samples
// together). Reads k6's threshold syntax — `metric{tag:value}` and `stat op number` — for the
// metrics the results format holds: request latency (http_req_duration, cartload_step_duration)
// and failures (http_req_failed, error_rate) overall, per step or per endpoint (`name`); request
// counts (http_reqs, also per status); checks; and the session counters. Others (other tags,
// other metrics) return undefined: the caller keeps the instances' own verdicts.
// Percentiles come from the histograms (within 0.4% of the samples' nearest-rank value); k6
// interpolates between samples, so a value within that margin of the limit may be judged apart.
// Pure: no Node APIs.
import { LogHistogram } from './histogram.ts';
import type { RequestTally, Results } from './format.ts';

const SELECTOR = /^([A-Za-z_][A-Za-z0-9_]*)(?:\{(.*)\})?$/;
const EXPRESSION =
  /^\s*(avg|min|max|med|count|rate|value|p\((\d+(?:\.\d+)?)\))\s*(<=|>=|===|==|!=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/;

function parseSelector(metric: string): { name: string; tags: Record<string, string> } | undefined {
  const m = SELECTOR.exec(metric.trim());
  if (!m) return undefined;
  const tags: Record<string, string> = {};
  if (m[2] !== undefined && m[2].trim() !== '') {
    for (const part of m[2].split(',')) {
      const i = part.indexOf(':');
      if (i < 0) return undefined;
      tags[part.slice(0, i).trim()] = part.slice(i + 1).trim();
    }
  }
  return { name: m[1]!, tags };
}

/** The requests a selector picks: all, one step, one endpoint; undefined for other tags. */
function tallyOf(r: Results, tags: Record<string, string>): RequestTally | undefined {
  const keys = Object.keys(tags);
  if (keys.length === 0) return r.requests;
  if (keys.length !== 1) return undefined;
  if (tags.step !== undefined)
    return r.requests.byStep[tags.step] ?? { count: 0, failed: 0, statuses: {}, latency: new LogHistogram().encode() };
  if (tags.name !== undefined)
    return (
      r.requests.byEndpoint[tags.name] ?? { count: 0, failed: 0, statuses: {}, latency: new LogHistogram().encode() }
    );
  return undefined;
}

const COUNTERS: Record<string, (r: Results) => number | undefined> = {
  iterations: (r) => r.counters.iterations ?? r.sessions.started,
  dropped_iterations: (r) => r.counters.droppedIterations ?? 0,
  cartload_lifecycles_completed: (r) => r.sessions.completed,
  cartload_lifecycles_failed: (r) => r.sessions.failed,
  cartload_skipped_steps: (r) => r.sessions.skippedSteps,
  cartload_rejected_coupons: (r) => r.counters.rejectedCoupons ?? 0,
  cartload_conflicts: (r) => r.requests.statuses['409'] ?? 0,
};

/** The value a threshold looks at, or undefined when the results cannot say. */
export function thresholdValue(r: Results, metric: string, expression: string): number | undefined {
  const sel = parseSelector(metric);
  const ex = EXPRESSION.exec(expression);
  if (!sel || !ex) return undefined;
  const stat = ex[1]!;
  const seconds = r.run.durationMs / 1000;
  switch (sel.name) {
    case 'http_req_duration':
    case 'cartload_step_duration': {
      const t = tallyOf(r, sel.tags);
      if (!t) return undefined;
      const h = LogHistogram.decode(t.latency);
      if (h.n === 0)
        return stat === 'max' || stat === 'min' || stat === 'avg' || stat === 'med' || stat.startsWith('p(')
          ? 0
          : undefined;
      if (stat === 'avg') return h.mean() / 1000;
      if (stat === 'min') return h.min / 1000;
      if (stat === 'max') return h.max / 1000;
      if (stat === 'med') return h.quantile(0.5) / 1000;
      if (ex[2] !== undefined) return h.quantile(Number(ex[2]) / 100) / 1000;
      return undefined;
    }
    case 'http_req_failed':
    case 'error_rate': {
      const t = tallyOf(r, sel.tags);
      if (!t || stat !== 'rate') return undefined;
      // k6 evaluates a rate with no samples as NaN, which fails every comparison but `!=`;
      // cartload's own error_rate (--max-error-rate) is 0 when nothing was sent.
      if (t.count === 0) return sel.name === 'error_rate' ? 0 : Number.NaN;
      return t.failed / t.count;
    }
    case 'http_reqs': {
      let n: number | undefined;
      const keys = Object.keys(sel.tags);
      if (keys.length === 1 && sel.tags.status !== undefined)
        n = r.requests.statuses[sel.tags.status === '0' ? 'error' : sel.tags.status] ?? 0;
      else n = tallyOf(r, sel.tags)?.count;
      if (n === undefined) return undefined;
      return stat === 'count' ? n : stat === 'rate' ? (seconds > 0 ? n / seconds : 0) : undefined;
    }
    case 'checks': {
      if (Object.keys(sel.tags).length > 0 || stat !== 'rate') return undefined;
      const passed = r.counters.checksPassed;
      const failed = r.counters.checksFailed;
      if (passed === undefined && failed === undefined) return undefined;
      const total = (passed ?? 0) + (failed ?? 0);
      return total === 0 ? Number.NaN : (passed ?? 0) / total;
    }
    default: {
      const counter = COUNTERS[sel.name];
      if (!counter || Object.keys(sel.tags).length > 0) return undefined;
      const n = counter(r);
      if (n === undefined) return undefined;
      return stat === 'count' ? n : stat === 'rate' ? (seconds > 0 ? n / seconds : 0) : undefined;
    }
  }
}

/** Whether the threshold holds on these results; undefined when they cannot say. */
export function evaluateThreshold(r: Results, metric: string, expression: string): boolean | undefined {
  const v = thresholdValue(r, metric, expression);
  const ex = EXPRESSION.exec(expression);
  if (v === undefined || !ex) return undefined;
  const limit = Number(ex[4]);
  switch (ex[3]) {
    case '<':
      return v < limit;
    case '<=':
      return v <= limit;
    case '>':
      return v > limit;
    case '>=':
      return v >= limit;
    case '==':
    case '===':
      return v === limit;
    default:
      return v !== limit;
  }
}
