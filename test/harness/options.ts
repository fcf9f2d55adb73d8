// Validates a k6 script's `options` against the rules k6 applies before it runs anything (k6 exits
// 104 on them), so that a scenario with a broken executor or threshold fails in `npm test` on a
// machine without k6, not in the user's CI. The rules and, where k6 has one, the wording of each
// message follow k6's executor configs (lib/executor/*.go), its threshold parser
// (metrics/thresholds_parser.go) and its metric-name parser; see also
// the two messages a real k6 v2.2 printed for bad options (quoted in the tests).
import { describe, formatDuration, parseK6Duration } from '../../model/duration.ts';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** k6's built-in metrics and their types (what a threshold may aggregate on them). */
export const BUILTIN_METRICS: Readonly<Record<string, MetricType>> = {
  vus: 'gauge',
  vus_max: 'gauge',
  iterations: 'counter',
  iteration_duration: 'trend',
  dropped_iterations: 'counter',
  data_received: 'counter',
  data_sent: 'counter',
  checks: 'rate',
  group_duration: 'trend',
  http_reqs: 'counter',
  http_req_failed: 'rate',
  http_req_duration: 'trend',
  http_req_blocked: 'trend',
  http_req_connecting: 'trend',
  http_req_tls_handshaking: 'trend',
  http_req_sending: 'trend',
  http_req_waiting: 'trend',
  http_req_receiving: 'trend',
};

const AGGREGATIONS: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['count', 'rate'],
  gauge: ['value'],
  rate: ['rate'],
  trend: ['avg', 'min', 'max', 'med', 'p(N)'],
};

export interface ValidateK6OptionsContext {
  /** Names the script exports; when given, every scenario's `exec` (default "default") must be one of them. */
  exports?: readonly string[];
  /** Types of the script's custom metrics; when given, a threshold on any other unknown metric is an error. */
  metrics?: Readonly<Record<string, MetricType>>;
}

/** One parsed threshold expression, e.g. `p(95)<500` → { method: 'p', percentile: 95, op: '<', value: 500 }. */
export interface ThresholdExpression {
  source: string;
  /** value, count, rate, avg, min, med, max, or p */
  method: string;
  percentile?: number;
  op: '<=' | '<' | '>=' | '>' | '===' | '==' | '!=';
  value: number;
}

// Longer operators first: k6 scans for each in this order and splits at the first it finds.
const OPERATORS = ['<=', '<', '>=', '>', '===', '==', '!='] as const;
const METHODS = ['value', 'count', 'rate', 'avg', 'min', 'med', 'max'];
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a threshold expression as k6 does; the error texts are k6's own. */
export function parseThresholdExpression(source: string): ThresholdExpression | { error: string } {
  let found: { lhs: string; op: ThresholdExpression['op']; rhs: string } | undefined;
  for (const op of OPERATORS) {
    const at = source.indexOf(op);
    if (at !== -1) {
      found = { lhs: source.slice(0, at).trim(), op, rhs: source.slice(at + op.length).trim() };
      break;
    }
  }
  if (!found)
    return { error: `failed parsing threshold expression "${source}"; reason: malformed threshold expression` };
  let method: string;
  let percentile: number | undefined;
  if (METHODS.includes(found.lhs)) {
    method = found.lhs;
  } else if (found.lhs.startsWith('p(') && found.lhs.endsWith(')')) {
    const inner = found.lhs.slice(2, -1);
    if (!FLOAT.test(inner)) {
      return {
        error: `failed parsing threshold expression's "${source}" left hand side; reason: malformed percentile value; reason: strconv.ParseFloat: parsing "${inner}": invalid syntax`,
      };
    }
    method = 'p';
    percentile = Number(inner);
  } else {
    return {
      error: `failed parsing threshold expression's "${source}" left hand side; reason: failed parsing method from expression`,
    };
  }
  if (!FLOAT.test(found.rhs)) {
    return {
      error: `failed parsing threshold expresion's "${source}" right hand side; reason: strconv.ParseFloat: parsing "${found.rhs}": invalid syntax`,
    };
  }
  return {
    source,
    method,
    ...(percentile === undefined ? {} : { percentile }),
    op: found.op,
    value: Number(found.rhs),
  };
}

/** A threshold's metric name split into the metric and its tag selector, as k6's ParseMetricName does. */
export function parseMetricSelector(
  name: string,
): { metric: string; tags: Record<string, string> } | { error: string } {
  const open = name.indexOf('{');
  const close = name.lastIndexOf('}');
  if (open === -1 && close === -1) return { metric: name, tags: {} };
  if (open === -1 || close === -1)
    return { error: `parsing metric name failed, metric "${name}" has unmatched opening/close curly brace` };
  if (close < open)
    return { error: `parsing metric name failed, metric "${name}" closing curly brace appears before opening one` };
  if (close !== name.length - 1)
    return { error: `parsing metric name failed, metric "${name}" lacks a closing curly brace in its last position` };
  const tags: Record<string, string> = {};
  for (const part of name.slice(open + 1, close).split(',')) {
    const colon = part.indexOf(':');
    if (colon === -1 || colon === part.length - 1)
      return { error: `parsing metric name failed, metric "${part}" tag expression is malformed` };
    // k6 strips spaces and quotes around keys and values when it builds the submetric.
    const key = part
      .slice(0, colon)
      .trim()
      .replace(/^["']+|["']+$/g, '');
    tags[key] = part
      .slice(colon + 1)
      .trim()
      .replace(/^["']+|["']+$/g, '');
  }
  return { metric: name.slice(0, open), tags };
}

// Which fields each executor accepts (k6 decodes scenarios strictly: any other field is an error).
const BASE_FIELDS = ['executor', 'startTime', 'gracefulStop', 'env', 'exec', 'tags', 'options'];
const EXECUTOR_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'shared-iterations': ['vus', 'iterations', 'maxDuration'],
  'per-vu-iterations': ['vus', 'iterations', 'maxDuration'],
  'constant-vus': ['vus', 'duration'],
  'ramping-vus': ['startVUs', 'stages', 'gracefulRampDown'],
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  'ramping-arrival-rate': ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs'],
  'externally-controlled': ['vus', 'maxVUs', 'duration'],
};
export const EXECUTORS = Object.keys(EXECUTOR_FIELDS);

const MIN_DURATION_MS = 1_000;
const SCENARIO_NAME = /^[0-9a-zA-Z_-]+$/;
const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;
const TREND_STATS = /^(avg|min|med|max|count|p\((\d+\.?\d*|\.\d+)\))$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads scenario fields with k6's types, collecting type errors instead of throwing. */
class FieldReader {
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly errors: string[],
    private readonly where: string,
  ) {}
  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }
  int(key: string): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.errors.push(`${this.where}: ${key} must be an integer, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }
  duration(key: string): number | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    const r = parseK6Duration(v);
    if ('error' in r) {
      this.errors.push(`${this.where}: ${key}: ${r.error}`);
      return undefined;
    }
    return r.ms;
  }
  stringMap(key: string): void {
    const v = this.obj[key];
    if (v === undefined || v === null) return;
    if (!isRecord(v)) {
      this.errors.push(`${this.where}: ${key} must be an object of strings, got ${describe(v)}`);
      return;
    }
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') this.errors.push(`${this.where}: ${key}.${k} must be a string, got ${describe(x)}`);
    }
  }
}

function validateStages(stages: unknown, where: string, errors: string[], allowMissing = false): { target: number }[] {
  if (stages === undefined || stages === null) {
    if (!allowMissing) errors.push(`${where}: at least one stage has to be specified`);
    return [];
  }
  if (!Array.isArray(stages)) {
    errors.push(`${where}: stages must be an array of { duration, target }, got ${describe(stages)}`);
    return [];
  }
  if (stages.length === 0 && !allowMissing) errors.push(`${where}: at least one stage has to be specified`);
  const out: { target: number }[] = [];
  stages.forEach((s, i) => {
    const n = i + 1;
    if (!isRecord(s)) {
      errors.push(`${where}: stage ${n} must be an object { duration, target }, got ${describe(s)}`);
      return;
    }
    for (const k of Object.keys(s)) {
      if (k !== 'duration' && k !== 'target')
        errors.push(`${where}: stage ${n}: unknown field "${k}" (a stage has duration and target)`);
    }
    const r = new FieldReader(s, errors, `${where}: stage ${n}`);
    if (!r.has('duration')) errors.push(`${where}: stage ${n} doesn't have a duration`);
    else {
      const d = r.duration('duration');
      if (d !== undefined && d < 0) errors.push(`${where}: the duration for stage ${n} can't be negative`);
    }
    if (!r.has('target')) errors.push(`${where}: stage ${n} doesn't have a target`);
    else {
      const t = r.int('target');
      if (t !== undefined && t < 0) errors.push(`${where}: the target for stage ${n} can't be negative`);
      if (t !== undefined) out.push({ target: t });
    }
  });
  return out;
}

function validateScenario(name: string, raw: unknown, ctx: ValidateK6OptionsContext, errors: string[]): void {
  const where = `scenario ${name} has configuration errors`;
  const push = (msg: string): void => void errors.push(`${where}: ${msg}`);
  if (!SCENARIO_NAME.test(name))
    push('the scenario name should contain only numbers, latin letters, underscores, and dashes');
  if (!isRecord(raw)) {
    push(`expected an object, got ${describe(raw)}`);
    return;
  }
  const executor = raw.executor;
  if (executor === undefined || executor === '') {
    push('missing or empty type field (executor)');
    return;
  }
  if (typeof executor !== 'string' || !EXECUTOR_FIELDS[executor]) {
    push(`unknown executor type ${describe(executor)} (one of: ${EXECUTORS.join(', ')})`);
    return;
  }
  const allowed = [...BASE_FIELDS, ...EXECUTOR_FIELDS[executor]!];
  for (const k of Object.keys(raw)) {
    if (!allowed.includes(k)) push(`unknown field "${k}" for executor ${executor} (allowed: ${allowed.join(', ')})`);
  }
  const r = new FieldReader(raw, errors, where);

  // Fields every executor has.
  const start = r.duration('startTime');
  if (start !== undefined && start < 0) push("the startTime can't be negative");
  const stop = r.duration('gracefulStop');
  if (stop !== undefined && stop < 0) push("the gracefulStop timeout can't be negative");
  if (executor === 'externally-controlled' && r.has('gracefulStop'))
    push('gracefulStop is not supported by the externally-controlled executor');
  r.stringMap('env');
  r.stringMap('tags');
  if (raw.exec !== undefined && raw.exec !== null) {
    if (typeof raw.exec !== 'string') push(`exec must be the name of an exported function, got ${describe(raw.exec)}`);
    else if (raw.exec === '') push('exec value cannot be empty');
  }
  if (ctx.exports) {
    const exec = typeof raw.exec === 'string' && raw.exec !== '' ? raw.exec : 'default';
    // k6's own words (js/runner.go), also when the scenario is the `default` that --vus/--iterations make.
    if (!ctx.exports.includes(exec))
      errors.push(
        `executor ${name}: function '${exec}' not found in exports (the script exports: ${ctx.exports.join(', ') || 'nothing'})`,
      );
  }

  const minDuration = (key: string, ms: number | undefined): void => {
    if (ms !== undefined && ms < MIN_DURATION_MS) push(`the ${key} must be at least 1s, but is ${formatDuration(ms)}`);
  };
  const vuPool = (): void => {
    if (!r.has('preAllocatedVUs')) push("the number of preAllocatedVUs isn't specified");
    const pre = r.int('preAllocatedVUs');
    if (pre !== undefined && pre < 0) push("the number of preAllocatedVUs can't be negative");
    const max = r.int('maxVUs');
    if (max !== undefined && pre !== undefined && max < pre) push("maxVUs can't be less than preAllocatedVUs");
  };

  switch (executor) {
    case 'shared-iterations':
    case 'per-vu-iterations': {
      const vus = r.int('vus') ?? (r.has('vus') ? undefined : 1);
      const iterations = r.int('iterations') ?? (r.has('iterations') ? undefined : 1);
      if (vus !== undefined && vus <= 0) push('the number of VUs must be more than 0');
      if (executor === 'shared-iterations') {
        if (vus !== undefined && iterations !== undefined && iterations < vus) {
          push(`the number of iterations (${iterations}) can't be less than the number of VUs (${vus})`);
        }
      } else if (iterations !== undefined && iterations <= 0) push('the number of iterations must be more than 0');
      minDuration('maxDuration', r.duration('maxDuration'));
      break;
    }
    case 'constant-vus': {
      const vus = r.int('vus');
      if (vus !== undefined && vus <= 0) push('the number of VUs must be more than 0');
      if (!r.has('duration')) push('the duration is unspecified');
      else minDuration('duration', r.duration('duration'));
      break;
    }
    case 'ramping-vus': {
      const startVUs = r.int('startVUs') ?? (r.has('startVUs') ? undefined : 1);
      if (startVUs !== undefined && startVUs < 0) push("the number of start VUs can't be negative");
      const stages = validateStages(raw.stages, where, errors);
      if (startVUs !== undefined && Math.max(startVUs, ...stages.map((s) => s.target)) <= 0) {
        push("either startVUs or one of the stages' target values must be greater than 0");
      }
      const rd = r.duration('gracefulRampDown');
      if (rd !== undefined && rd < 0) push("the gracefulRampDown can't be negative");
      break;
    }
    case 'constant-arrival-rate': {
      if (!r.has('rate')) push("the iteration rate isn't specified");
      const rate = r.int('rate');
      if (rate !== undefined && rate <= 0) push('the iteration rate must be more than 0');
      const unit = r.duration('timeUnit');
      if (unit !== undefined && unit <= 0) push('the timeUnit must be more than 0');
      if (!r.has('duration')) push('the duration is unspecified');
      else minDuration('duration', r.duration('duration'));
      vuPool();
      break;
    }
    case 'ramping-arrival-rate': {
      const startRate = r.int('startRate');
      if (startRate !== undefined && startRate < 0) push("the startRate value can't be negative");
      const unit = r.duration('timeUnit');
      if (unit !== undefined && unit <= 0) push('the timeUnit must be more than 0');
      validateStages(raw.stages, where, errors);
      vuPool();
      break;
    }
    case 'externally-controlled': {
      const vus = r.int('vus') ?? 0;
      const max = r.int('maxVUs') ?? vus;
      if (vus < 0) push("the number of VUs can't be negative");
      if (max < vus)
        push(`the number of active VUs (${vus}) must be less than or equal to the number of maxVUs (${max})`);
      if (!r.has('duration')) push('the duration must be specified, for infinite duration use 0');
      else {
        const d = r.duration('duration');
        if (d !== undefined && d < 0) push("the duration can't be negative, for infinite duration use 0");
      }
      break;
    }
  }
}

function validateThresholds(thresholds: unknown, ctx: ValidateK6OptionsContext, errors: string[]): void {
  if (!isRecord(thresholds)) {
    errors.push(`thresholds must be an object of metric name → array of expressions, got ${describe(thresholds)}`);
    return;
  }
  for (const [name, list] of Object.entries(thresholds)) {
    const where = `thresholds["${name}"]`;
    const sel = parseMetricSelector(name);
    if ('error' in sel) {
      errors.push(`${where}: ${sel.error}`);
      continue;
    }
    if (!METRIC_NAME.test(sel.metric)) {
      errors.push(
        `${where}: "${sel.metric}" is not a valid metric name (up to 128 ASCII letters, digits and underscores, not starting with a digit)`,
      );
      continue;
    }
    const type = BUILTIN_METRICS[sel.metric] ?? ctx.metrics?.[sel.metric];
    if (!type && ctx.metrics)
      errors.push(`${where}: invalid threshold defined on ${name}; reason: no metric name "${sel.metric}" found`);
    if (!Array.isArray(list)) {
      errors.push(`${where}: must be an array of threshold expressions such as ["p(95)<500"], got ${describe(list)}`);
      continue;
    }
    list.forEach((entry, i) => {
      const at = `${where}[${i}]`;
      let source: unknown = entry;
      if (isRecord(entry)) {
        // k6 reads this object leniently: other fields are ignored, so they are not errors here either.
        source = entry.threshold;
        if (entry.abortOnFail !== undefined && typeof entry.abortOnFail !== 'boolean') {
          errors.push(`${at}: abortOnFail must be true or false, got ${describe(entry.abortOnFail)}`);
        }
        if (entry.delayAbortEval !== undefined) {
          const d = parseK6Duration(entry.delayAbortEval);
          if ('error' in d) errors.push(`${at}: delayAbortEval: ${d.error}`);
        }
      }
      if (typeof source !== 'string') {
        errors.push(
          `${at}: a threshold must be an expression string or { threshold, abortOnFail?, delayAbortEval? }, got ${describe(source)}`,
        );
        return;
      }
      const parsed = parseThresholdExpression(source);
      if ('error' in parsed) {
        errors.push(`${at}: ${parsed.error}`);
        return;
      }
      if (type) {
        const methods = AGGREGATIONS[type];
        const method = parsed.method === 'p' ? 'p(N)' : parsed.method;
        if (!methods.includes(method)) {
          errors.push(
            `${at}: invalid threshold "${source}" applied on metric ${name}; reason: unsupported aggregation method ${parsed.method} on metric of type ${type}. supported aggregation methods for this metric are: ${methods.join(', ')}`,
          );
        }
      }
      if (parsed.percentile !== undefined && (parsed.percentile < 0 || parsed.percentile > 100)) {
        errors.push(`${at}: the percentile in "${source}" must be between 0 and 100 (k6 would fail evaluating it)`);
      }
    });
  }
}

function validateShortcuts(o: Record<string, unknown>, errors: string[]): void {
  const r = new FieldReader(o, errors, 'options');
  const vus = r.int('vus');
  if (vus !== undefined && vus < 0) errors.push("options: the number of VUs can't be negative");
  const iterations = r.int('iterations');
  if (iterations !== undefined && iterations < 0) errors.push("options: the number of iterations can't be negative");
  const duration = r.duration('duration');
  const stages = Array.isArray(o.stages) ? o.stages : undefined;
  if (o.stages !== undefined && o.stages !== null) validateStages(o.stages, 'options', errors, true);
  const hasScenarios = o.scenarios !== undefined && o.scenarios !== null;
  const conflict = (msg: string): void => void errors.push(`options: ${msg}`);
  if (r.has('iterations')) {
    if (stages && stages.length > 0)
      conflict('using multiple execution config shortcuts (`iterations` and `stages`) simultaneously is not allowed');
    else if (hasScenarios)
      conflict(
        'using an execution configuration shortcut (`iterations`) and `scenarios` simultaneously is not allowed',
      );
  } else if (r.has('duration')) {
    if (stages && stages.length > 0)
      conflict('using multiple execution config shortcuts (`duration` and `stages`) simultaneously is not allowed');
    else if (hasScenarios)
      conflict('using an execution configuration shortcut (`duration`) and `scenarios` simultaneously is not allowed');
    else if (duration !== undefined && duration <= 0)
      conflict('`duration` should be more than 0, for infinite duration use the externally-controlled executor');
  } else if (stages && stages.length > 0 && hasScenarios) {
    conflict('using an execution configuration shortcut (`stages`) and `scenarios` simultaneously is not allowed');
  }
}

/**
 * Every problem k6 would report for these script options before running (each a readable line
 * naming the scenario, threshold or field), or [] when k6 would accept them.
 */
export function validateK6Options(options: unknown, ctx: ValidateK6OptionsContext = {}): string[] {
  const errors: string[] = [];
  if (options === undefined) return errors;
  if (!isRecord(options)) return [`options must be an object, got ${describe(options)}`];
  validateShortcuts(options, errors);
  if (options.scenarios !== undefined && options.scenarios !== null) {
    if (!isRecord(options.scenarios))
      errors.push(`options: scenarios must be an object of name → scenario, got ${describe(options.scenarios)}`);
    else for (const [name, sc] of Object.entries(options.scenarios)) validateScenario(name, sc, ctx, errors);
  } else if (ctx.exports && !ctx.exports.includes('default')) {
    // Without scenarios k6 derives one named `default` (from vus/iterations/duration/stages, or 1 iteration) that runs `default`.
    errors.push(
      `executor default: function 'default' not found in exports (the script exports: ${ctx.exports.join(', ') || 'nothing'})`,
    );
  }
  if (options.thresholds !== undefined && options.thresholds !== null)
    validateThresholds(options.thresholds, ctx, errors);
  if (options.summaryTrendStats !== undefined) {
    if (!Array.isArray(options.summaryTrendStats))
      errors.push(`options: summaryTrendStats must be an array, got ${describe(options.summaryTrendStats)}`);
    else {
      for (const s of options.summaryTrendStats) {
        if (typeof s !== 'string' || !TREND_STATS.test(s))
          errors.push(
            `options: summaryTrendStats: stat ${describe(s)} is not supported (avg, min, med, max, count, p(N))`,
          );
      }
    }
  }
  return errors;
}
