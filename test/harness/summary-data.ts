// The `data` object k6 passes to handleSummary, in the exact shape of k6 v2.2's
// (reference/k6/handleSummary-data.sample.json): root_group with nested groups and checks (ids
// are the MD5 of the path, as in k6), options, state, and metrics with type, contains, values and
// thresholds.
import { createHash } from 'node:crypto';
import type { MetricsEngine, ThresholdOutcome } from './metrics.ts';
import { aggregate } from './metrics.ts';

export interface SummaryCheck {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

export interface SummaryGroup {
  name: string;
  path: string;
  id: string;
  groups: SummaryGroup[];
  checks: SummaryCheck[];
}

export interface SummaryMetric {
  type: string;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryData {
  root_group: SummaryGroup;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
}

export const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
export const GROUP_SEPARATOR = '::';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** Groups and checks by path, in the order they were first seen (k6's order). */
export class GroupTree {
  readonly root: SummaryGroup = { name: '', path: '', id: md5(''), groups: [], checks: [] };
  private readonly groups = new Map<string, SummaryGroup>([['', this.root]]);
  private readonly checks = new Map<string, SummaryCheck>();

  group(path: string): SummaryGroup {
    let g = this.groups.get(path);
    if (g) return g;
    const cut = path.lastIndexOf(GROUP_SEPARATOR);
    const parent = this.group(path.slice(0, cut));
    g = { name: path.slice(cut + GROUP_SEPARATOR.length), path, id: md5(path), groups: [], checks: [] };
    parent.groups.push(g);
    this.groups.set(path, g);
    return g;
  }

  check(groupPath: string, name: string, ok: boolean): void {
    const path = `${groupPath}${GROUP_SEPARATOR}${name}`;
    let c = this.checks.get(path);
    if (!c) {
      c = { name, path, id: md5(path), passes: 0, fails: 0 };
      this.group(groupPath).checks.push(c);
      this.checks.set(path, c);
    }
    if (ok) c.passes++;
    else c.fails++;
  }

  /** Every check, flattened (by path). */
  allChecks(): SummaryCheck[] {
    return [...this.checks.values()];
  }
}

export function buildSummaryData(
  engine: MetricsEngine,
  tree: GroupTree,
  outcomes: ThresholdOutcome[],
  opts: { durationMs: number; trendStats?: string[]; summaryTimeUnit?: string; noColor?: boolean },
): SummaryData {
  const trendStats = opts.trendStats ?? DEFAULT_TREND_STATS;
  const metrics: Record<string, SummaryMetric> = {};
  const put = (key: string, metric: string, selector: Record<string, string>): void => {
    const data = engine.valuesOf(metric, selector);
    if (!data) return;
    const m: SummaryMetric = {
      type: data.def.type,
      contains: data.def.contains,
      values: aggregate(data.def.type, data.values, opts.durationMs, trendStats),
    };
    const own = outcomes.filter((o) => o.metric === key);
    if (own.length > 0) m.thresholds = Object.fromEntries(own.map((o) => [o.expression, { ok: o.ok }]));
    metrics[key] = m;
  };
  for (const def of engine.observed()) put(def.name, def.name, {});
  // k6 always reports the duration of the requests it expected to succeed.
  if (metrics.http_req_duration)
    put('http_req_duration{expected_response:true}', 'http_req_duration', { expected_response: 'true' });
  for (const t of engine.thresholds) if (!metrics[t.name]) put(t.name, t.metric, t.selector);
  return {
    root_group: tree.root,
    options: {
      summaryTrendStats: trendStats,
      summaryTimeUnit: opts.summaryTimeUnit ?? '',
      noColor: opts.noColor ?? false,
    },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: opts.durationMs },
    metrics,
  };
}
