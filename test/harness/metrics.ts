// The harness's metrics engine: k6's built-in and custom metrics, their samples with tags, the
// aggregate values k6 reports per metric type, sub-metrics selected by tags, and thresholds
// evaluated the way k6 evaluates them (metrics/thresholds.go: a trend's percentiles interpolate
// linearly between samples; a rate with no samples is NaN, so `rate==1` fails on it).
import type { MetricKind, Tags } from './host-api.ts';
import { BUILTIN_METRICS, parseMetricSelector, parseThresholdExpression, type ThresholdExpression } from './options.ts';
import { parseK6Duration } from '../../model/duration.ts';

export type Contains = 'time' | 'data' | 'default';

export interface MetricDefinition {
  name: string;
  type: MetricKind;
  contains: Contains;
}

/** Built-in metrics whose values are times or byte counts (everything else contains "default"). */
const BUILTIN_CONTAINS: Record<string, Contains> = {
  iteration_duration: 'time',
  group_duration: 'time',
  http_req_duration: 'time',
  http_req_blocked: 'time',
  http_req_connecting: 'time',
  http_req_tls_handshaking: 'time',
  http_req_sending: 'time',
  http_req_waiting: 'time',
  http_req_receiving: 'time',
  data_sent: 'data',
  data_received: 'data',
};

const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;

export interface MetricSample {
  metric: string;
  value: number;
  tags: Tags;
}

interface Series {
  def: MetricDefinition;
  values: number[];
  tags: Tags[];
}

export interface ThresholdDefinition {
  /** The key in options.thresholds: a metric name, maybe with a tag selector. */
  name: string;
  metric: string;
  selector: Tags;
  expressions: (ThresholdExpression & { abortOnFail: boolean; delayAbortEvalMs?: number })[];
}

export interface ThresholdOutcome {
  metric: string;
  expression: string;
  ok: boolean;
  abortOnFail: boolean;
}

/** The aggregate values k6 shows for a metric (the `values` of handleSummary's data). */
export function aggregate(
  type: MetricKind,
  values: readonly number[],
  durationMs: number,
  trendStats: readonly string[],
): Record<string, number> {
  const seconds = durationMs / 1000;
  switch (type) {
    case 'counter': {
      let count = 0;
      for (const v of values) count += v;
      return { count, rate: seconds > 0 ? count / seconds : 0 };
    }
    case 'gauge': {
      if (values.length === 0) return { value: 0, min: 0, max: 0 };
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      return { value: values[values.length - 1]!, min, max };
    }
    case 'rate': {
      let passes = 0;
      for (const v of values) if (v !== 0) passes++;
      return { rate: passes / values.length, passes, fails: values.length - passes };
    }
    case 'trend': {
      const sorted = Float64Array.from(values).sort();
      const out: Record<string, number> = {};
      for (const stat of trendStats) out[stat] = trendStat(sorted, stat);
      return out;
    }
  }
}

/** k6's TrendSink.P: linear interpolation between the samples around the rank. */
export function percentile(sorted: Float64Array | readonly number[], pct: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (n === 1) return sorted[0]!;
  const i = pct * (n - 1);
  const lo = sorted[Math.floor(i)]!;
  const hi = sorted[Math.ceil(i)]!;
  return lo + (hi - lo) * (i - Math.floor(i));
}

function trendStat(sorted: Float64Array, stat: string): number {
  const n = sorted.length;
  switch (stat) {
    case 'min':
      return n ? sorted[0]! : 0;
    case 'max':
      return n ? sorted[n - 1]! : 0;
    case 'count':
      return n;
    case 'avg': {
      let s = 0;
      for (const v of sorted) s += v;
      return n ? s / n : 0;
    }
    case 'med':
      return percentile(sorted, 0.5);
    default: {
      const m = /^p\((.+)\)$/.exec(stat);
      return m ? percentile(sorted, Number(m[1]) / 100) : NaN;
    }
  }
}

export class MetricsEngine {
  private readonly series = new Map<string, Series>();
  readonly thresholds: ThresholdDefinition[] = [];
  /** Every sample in order, when recording is on (tests assert on them). */
  readonly samples: MetricSample[] | undefined;

  /**
   * `keepValues` false keeps no sample at all (thresholds and the summary then see none): for
   * measuring what a VU holds without the harness's own series growing beside it.
   */
  constructor(
    recordSamples: boolean,
    private readonly keepValues = true,
  ) {
    this.samples = recordSamples ? [] : undefined;
    for (const [name, type] of Object.entries(BUILTIN_METRICS)) {
      this.series.set(name, {
        def: { name, type, contains: BUILTIN_CONTAINS[name] ?? 'default' },
        values: [],
        tags: [],
      });
    }
  }

  /** Declares a custom metric; k6's rules: a valid name, and one type per name for the whole test. */
  define(name: string, type: MetricKind, isTime: boolean): void {
    if (!METRIC_NAME.test(name)) {
      throw new Error(
        `Invalid metric name: '${name}'. Metric names must only include up to 128 ASCII letters, numbers, or underscores and start with a letter or an underscore.`,
      );
    }
    const existing = this.series.get(name);
    if (existing) {
      if (existing.def.type !== type)
        throw new Error(`metric '${name}' already exists but with type ${existing.def.type}, instead of ${type}`);
      return;
    }
    this.series.set(name, { def: { name, type, contains: isTime ? 'time' : 'default' }, values: [], tags: [] });
  }

  has(name: string): boolean {
    return this.series.has(name);
  }

  /** Types of every known metric (built-in and custom), for validating thresholds. */
  types(): Record<string, MetricKind> {
    const out: Record<string, MetricKind> = {};
    for (const [k, s] of this.series) out[k] = s.def.type;
    return out;
  }

  add(name: string, value: number, tags: Tags): void {
    const s = this.series.get(name);
    if (!s) throw new Error(`unknown metric ${name}`);
    if (!this.keepValues) return;
    s.values.push(value);
    s.tags.push(tags);
    this.samples?.push({ metric: name, value, tags });
  }

  /** Reads options.thresholds (already validated) into definitions. */
  setThresholds(thresholds: Record<string, unknown> | undefined): void {
    this.thresholds.length = 0;
    if (!thresholds) return;
    for (const [name, list] of Object.entries(thresholds)) {
      const sel = parseMetricSelector(name);
      if ('error' in sel || !Array.isArray(list)) continue;
      const expressions: ThresholdDefinition['expressions'] = [];
      for (const entry of list as unknown[]) {
        const obj =
          typeof entry === 'string'
            ? { threshold: entry }
            : (entry as { threshold: string; abortOnFail?: boolean; delayAbortEval?: unknown });
        const parsed = parseThresholdExpression(obj.threshold);
        if ('error' in parsed) continue;
        const delay = obj.delayAbortEval === undefined ? undefined : parseK6Duration(obj.delayAbortEval);
        expressions.push({
          ...parsed,
          abortOnFail: obj.abortOnFail === true,
          ...(delay && 'ms' in delay ? { delayAbortEvalMs: delay.ms } : {}),
        });
      }
      this.thresholds.push({ name, metric: sel.metric, selector: sel.tags, expressions });
    }
  }

  /** A metric's (or sub-metric's) sample values; undefined when the metric does not exist. */
  valuesOf(metric: string, selector: Tags = {}): { def: MetricDefinition; values: number[] } | undefined {
    const s = this.series.get(metric);
    if (!s) return undefined;
    const keys = Object.keys(selector);
    if (keys.length === 0) return { def: s.def, values: s.values };
    const values: number[] = [];
    for (let i = 0; i < s.values.length; i++) {
      const t = s.tags[i]!;
      if (keys.every((k) => t[k] === selector[k])) values.push(s.values[i]!);
    }
    return { def: s.def, values };
  }

  /** Metrics that got at least one sample, in the order they were declared. */
  observed(): MetricDefinition[] {
    return [...this.series.values()].filter((s) => s.values.length > 0).map((s) => s.def);
  }

  /** Evaluates every threshold as k6 does at the end of a test (or, with onlyAbort, during it). */
  evaluate(durationMs: number, onlyAbort = false): ThresholdOutcome[] {
    const out: ThresholdOutcome[] = [];
    for (const t of this.thresholds) {
      const exprs = onlyAbort
        ? t.expressions.filter((e) => e.abortOnFail && (e.delayAbortEvalMs ?? 0) <= durationMs)
        : t.expressions;
      if (exprs.length === 0) continue;
      const data = this.valuesOf(t.metric, t.selector);
      if (!data) continue;
      // During the test k6 skips empty sinks; at the end it evaluates them too.
      if (onlyAbort && data.values.length === 0) continue;
      const sink = sinkOf(data.def.type, data.values, durationMs, exprs);
      for (const e of exprs) {
        const key = e.method === 'p' ? `p(${e.percentile})` : e.method;
        const lhs = sink[key];
        out.push({
          metric: t.name,
          expression: e.source,
          ok: lhs === undefined ? false : compare(lhs, e.op, e.value),
          abortOnFail: e.abortOnFail,
        });
      }
    }
    return out;
  }
}

/** The values a threshold can aggregate on, per metric type (k6's Thresholds.Run). */
function sinkOf(
  type: MetricKind,
  values: number[],
  durationMs: number,
  exprs: ThresholdExpression[],
): Record<string, number> {
  switch (type) {
    case 'counter': {
      const a = aggregate('counter', values, durationMs, []);
      return { count: a.count!, rate: a.rate! };
    }
    case 'gauge':
      return { value: values.length ? values[values.length - 1]! : 0 };
    case 'rate': {
      let trues = 0;
      for (const v of values) if (v !== 0) trues++;
      return { rate: trues / values.length };
    }
    case 'trend': {
      const stats = [
        'min',
        'max',
        'avg',
        'med',
        ...exprs.filter((e) => e.method === 'p').map((e) => `p(${e.percentile})`),
      ];
      return aggregate('trend', values, durationMs, stats);
    }
  }
}

function compare(lhs: number, op: ThresholdExpression['op'], rhs: number): boolean {
  switch (op) {
    case '<':
      return lhs < rhs;
    case '<=':
      return lhs <= rhs;
    case '>':
      return lhs > rhs;
    case '>=':
      return lhs >= rhs;
    case '==':
    case '===':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
  }
}
