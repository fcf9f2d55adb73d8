// `cartload compare`: a regression gate between two runs of any engine, from their summary.json.
// compareRuns is pure (tests and other tools call it on RunSummary objects); readSummary and
// compareRunFiles add the file handling and validation the command needs.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sendingDurationMs, engineName, SUMMARY_SCHEMA_VERSION, type RunSummary, type StepStats } from '../model/summary.ts';
import { CartloadError } from '../model/errors.ts';

export class CompareInputError extends CartloadError {
  override name = 'CompareInputError';
}

export interface CompareOptions {
  /** Largest allowed relative increase of a step's p95 and p99 latency (0.2 = +20%). */
  maxLatencyIncrease: number;
  /** Largest allowed increase of the error rate, in percentage points (0.5 = +0.5 pp). */
  maxErrorRateIncrease: number;
  /** A step needs at least this many requests in both runs for its latency and error rate to be judged. */
  minRequests: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { maxLatencyIncrease: 0.2, maxErrorRateIncrease: 0.5, minRequests: 20 };

/** `info`: shown, never judged; `too-few`: would be judged but one run has too few requests. */
export type Verdict = 'ok' | 'better' | 'regression' | 'info' | 'too-few' | 'new' | 'missing';

export interface MetricComparison {
  metric: string;
  baseline: number | null;
  current: number | null;
  /** Current − baseline (for latency also as a share of the baseline in `relative`). */
  change: number | null;
  relative?: number | null;
  unit: 'count' | 'per-s' | 'pct' | 'ms';
  verdict: Verdict;
}

export interface StepComparison {
  step: string;
  verdict: Verdict;
  metrics: MetricComparison[];
}

export interface RunRef {
  runId: string;
  engine: string;
  scenario: string;
  target: string;
}

export interface Comparison {
  baseline: RunRef;
  current: RunRef;
  tolerances: CompareOptions;
  overall: MetricComparison[];
  steps: StepComparison[];
  /** Why the figures may not be comparable, and what could not be judged. */
  warnings: string[];
  /** One sentence per regression; empty means the gate passes. */
  regressions: string[];
  ok: boolean;
}

/** Options that legitimately differ between two runs of the same test (they name the run, not its load). */
const RUN_SPECIFIC_OPTIONS = new Set(['sessionPrefix', 'runId', 'resultsDir', 'progress', 'logRequests', 'noProgress']);

const ref = (s: RunSummary): RunRef => ({ runId: s.runId, engine: s.engine, scenario: s.scenario, target: s.target });

/** Answers outside 2xx (k6 summaries count them under "failed"; "error" is no answer). */
function stepFailed(s: StepStats): number {
  let ok = 0;
  for (const [status, n] of Object.entries(s.statuses)) if (/^2\d\d$/.test(status)) ok += n;
  return Math.max(0, s.count - ok);
}

const errorPct = (failed: number, total: number): number => (total === 0 ? 0 : (100 * failed) / total);

function info(metric: string, unit: MetricComparison['unit'], b: number | null, c: number | null): MetricComparison {
  const change = b === null || c === null ? null : c - b;
  const m: MetricComparison = { metric, baseline: b, current: c, change, unit, verdict: 'info' };
  if (unit === 'ms') m.relative = change === null || b === null || b <= 0 ? null : change / b;
  return m;
}

function judgeLatency(metric: string, b: number, c: number, o: CompareOptions, enough: boolean): MetricComparison {
  const relative = b > 0 ? (c - b) / b : null;
  let verdict: Verdict = 'ok';
  if (!enough) verdict = 'too-few';
  else if (relative !== null && relative > o.maxLatencyIncrease + 1e-9) verdict = 'regression';
  else if (relative !== null && relative < -o.maxLatencyIncrease) verdict = 'better';
  return { metric, baseline: b, current: c, change: c - b, relative, unit: 'ms', verdict };
}

function judgeErrorRate(b: number, c: number, o: CompareOptions, enough: boolean): MetricComparison {
  const change = c - b;
  let verdict: Verdict = 'ok';
  if (!enough) verdict = 'too-few';
  // A tiny epsilon so that 0.5 pp against a 0.5 pp tolerance is not a regression by rounding.
  else if (change > o.maxErrorRateIncrease + 1e-9) verdict = 'regression';
  else if (change < -o.maxErrorRateIncrease) verdict = 'better';
  return { metric: 'error rate', baseline: b, current: c, change, unit: 'pct', verdict };
}

function rollUp(metrics: MetricComparison[]): Verdict {
  const vs = metrics.map((m) => m.verdict);
  if (vs.includes('regression')) return 'regression';
  if (vs.includes('too-few')) return 'too-few';
  if (vs.includes('better')) return 'better';
  return 'ok';
}

function stepMetrics(s: StepStats | undefined, other: StepStats | undefined, side: 'baseline' | 'current'): MetricComparison[] {
  const one = (s ?? other) as StepStats;
  const v = (x: number): [number | null, number | null] => (side === 'baseline' ? [x, null] : [null, x]);
  return [
    info('requests', 'count', ...v(one.count)),
    info('error rate', 'pct', ...v(errorPct(stepFailed(one), one.count))),
    info('409s', 'count', ...v(one.statuses['409'] ?? 0)),
    info('p50', 'ms', ...v(one.latency.p50)),
    info('p95', 'ms', ...v(one.latency.p95)),
    info('p99', 'ms', ...v(one.latency.p99)),
  ];
}

function differingOptions(b: Record<string, unknown>, c: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(b), ...Object.keys(c)]);
  return [...keys]
    .filter((k) => !RUN_SPECIFIC_OPTIONS.has(k) && JSON.stringify(b[k]) !== JSON.stringify(c[k]))
    .sort()
    .map((k) => `${k} ${JSON.stringify(b[k]) ?? '(unset)'} → ${JSON.stringify(c[k]) ?? '(unset)'}`);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/;

/** The local target starts on a free port per run, so two loopback URLs differing only in port are one target. */
function sameTarget(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const ua = new URL(a);
    const ub = new URL(b);
    return LOOPBACK.test(ua.hostname) && LOOPBACK.test(ub.hostname) && ua.pathname === ub.pathname;
  } catch {
    return false;
  }
}

const perSecond = (total: number, durationMs: number): number => (durationMs > 0 ? (1000 * total) / durationMs : 0);

/** Compares two run summaries step by step and overall; pure. */
export function compareRuns(baseline: RunSummary, current: RunSummary, options: Partial<CompareOptions> = {}): Comparison {
  const o: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, ...options };
  const warnings: string[] = [];
  const regressions: string[] = [];

  for (const field of ['engine', 'scenario', 'target'] as const) {
    const same = field === 'target' ? sameTarget(baseline.target, current.target) : baseline[field] === current[field];
    if (!same) {
      warnings.push(`the runs differ in ${field} (${baseline[field]} → ${current[field]}): their figures are less comparable`);
    }
  }
  const opts = differingOptions(baseline.options, current.options);
  if (opts.length > 0) warnings.push(`the runs differ in options (${opts.join(', ')}): their figures are less comparable`);
  for (const [name, run] of [['baseline', baseline], ['current', current]] as const) {
    if (run.interrupted) warnings.push(`the ${name} run was interrupted: it holds only part of its traffic`);
  }

  const br = baseline.requests;
  const cr = current.requests;
  const overallEnough = br.total > 0 && cr.total > 0;
  const overallError = judgeErrorRate(errorPct(br.failed, br.total), errorPct(cr.failed, cr.total), o, overallEnough);
  if (overallError.verdict === 'regression') {
    regressions.push(`overall: error rate ${fmtPct(overallError.baseline)} → ${fmtPct(overallError.current)} (+${overallError.change!.toFixed(2)} pp, tolerance ${o.maxErrorRateIncrease} pp)`);
  }
  if (!overallEnough) warnings.push('overall: a run has no requests; the error rate is not judged');
  const overall: MetricComparison[] = [
    info('requests', 'count', br.total, cr.total),
    info('requests/s', 'per-s', perSecond(br.total, sendingDurationMs(baseline)), perSecond(cr.total, sendingDurationMs(current))),
    overallError,
    info('409s', 'count', br.conflicts409, cr.conflicts409),
    info('p50', 'ms', br.latency.p50, cr.latency.p50),
    info('p95', 'ms', br.latency.p95, cr.latency.p95),
    info('p99', 'ms', br.latency.p99, cr.latency.p99),
    info('sessions failed', 'count', baseline.sessions.failed, current.sessions.failed),
  ];

  const names = [...new Set([...Object.keys(br.byStep), ...Object.keys(cr.byStep)])].sort();
  const tooFew: string[] = [];
  const steps: StepComparison[] = names.map((step) => {
    const b = br.byStep[step];
    const c = cr.byStep[step];
    if (b === undefined || c === undefined) {
      const verdict: Verdict = b === undefined ? 'new' : 'missing';
      regressions.push(
        b === undefined
          ? `step ${step}: only in the current run (${c!.count} requests)`
          : `step ${step}: missing from the current run (${b.count} requests in the baseline)`,
      );
      return { step, verdict, metrics: stepMetrics(b, c, b === undefined ? 'current' : 'baseline') };
    }
    const enough = b.count >= o.minRequests && c.count >= o.minRequests;
    if (!enough) tooFew.push(`${step} (${b.count} → ${c.count})`);
    const err = judgeErrorRate(errorPct(stepFailed(b), b.count), errorPct(stepFailed(c), c.count), o, enough);
    const p95 = judgeLatency('p95', b.latency.p95, c.latency.p95, o, enough);
    const p99 = judgeLatency('p99', b.latency.p99, c.latency.p99, o, enough);
    for (const m of [p95, p99]) {
      if (m.verdict === 'regression') {
        regressions.push(`step ${step}: ${m.metric} ${fmtMs(m.baseline)} → ${fmtMs(m.current)} ms (${fmtRel(m.relative)}, tolerance +${(100 * o.maxLatencyIncrease).toFixed(0)}%)`);
      }
    }
    if (err.verdict === 'regression') {
      regressions.push(`step ${step}: error rate ${fmtPct(err.baseline)} → ${fmtPct(err.current)} (+${err.change!.toFixed(2)} pp, tolerance ${o.maxErrorRateIncrease} pp)`);
    }
    const metrics = [
      info('requests', 'count', b.count, c.count),
      err,
      info('409s', 'count', b.statuses['409'] ?? 0, c.statuses['409'] ?? 0),
      info('p50', 'ms', b.latency.p50, c.latency.p50),
      p95,
      p99,
    ];
    return { step, verdict: rollUp(metrics), metrics };
  });
  if (tooFew.length > 0) {
    warnings.push(`not judged, fewer than ${o.minRequests} requests in a run: ${tooFew.join(', ')}`);
  }

  return { baseline: ref(baseline), current: ref(current), tolerances: o, overall, steps, warnings, regressions, ok: regressions.length === 0 };
}

function fmtMs(v: number | null): string {
  if (v === null) return '-';
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}
function fmtPct(v: number | null): string {
  return v === null ? '-' : `${v.toFixed(2)}%`;
}
function fmtRel(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  return `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`;
}

function fmtValue(m: MetricComparison, v: number | null): string {
  if (v === null) return '-';
  switch (m.unit) {
    case 'ms':
      return `${fmtMs(v)} ms`;
    case 'pct':
      return fmtPct(v);
    case 'per-s':
      return `${v.toFixed(1)}/s`;
    default:
      return String(v);
  }
}

function fmtChange(m: MetricComparison): string {
  if (m.change === null) return '-';
  switch (m.unit) {
    case 'ms':
      return fmtRel(m.relative);
    case 'pct':
      return `${m.change >= 0 ? '+' : ''}${m.change.toFixed(2)} pp`;
    case 'per-s':
      return `${m.change >= 0 ? '+' : ''}${m.change.toFixed(1)}/s`;
    default:
      return `${m.change >= 0 ? '+' : ''}${m.change}`;
  }
}

/** The comparison as an aligned text table, warnings and a one-line verdict. */
export function renderComparison(c: Comparison): string {
  const rows: string[][] = [['step', 'metric', 'baseline', 'current', 'change', 'verdict']];
  const add = (step: string, ms: MetricComparison[]): void => {
    for (const m of ms) rows.push([step, m.metric, fmtValue(m, m.baseline), fmtValue(m, m.current), fmtChange(m), m.verdict === 'info' ? '' : m.verdict]);
  };
  add('(all)', c.overall);
  for (const s of c.steps) {
    if (s.verdict === 'new' || s.verdict === 'missing') {
      const count = s.metrics[0]!;
      rows.push([s.step, 'requests', fmtValue(count, count.baseline), fmtValue(count, count.current), '-', s.verdict]);
    } else add(s.step, s.metrics);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((cell, i) => (i >= 2 && i <= 4 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [
    `cartload compare: baseline ${c.baseline.runId} (${c.baseline.engine}, ${c.baseline.scenario}) → current ${c.current.runId} (${c.current.engine}, ${c.current.scenario})`,
    `tolerances: p95/p99 +${(100 * c.tolerances.maxLatencyIncrease).toFixed(0)}% per step, error rate +${c.tolerances.maxErrorRateIncrease} pp, at least ${c.tolerances.minRequests} requests per step`,
    '',
    line(rows[0]!),
    ...rows.slice(1).map(line),
    '',
  ];
  for (const w of c.warnings) out.push(`warning: ${w}`);
  for (const r of c.regressions) out.push(`regression: ${r}`);
  out.push(c.ok ? 'result: no regression' : `result: ${c.regressions.length} regression${c.regressions.length === 1 ? '' : 's'}`);
  return `${out.join('\n')}\n`;
}

// ---- reading and validating summary.json files ----

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function need(cond: boolean, file: string, field: string, expected: string): asserts cond {
  if (!cond) throw new CompareInputError(`${file}: ${field}: ${expected}`);
}

function checkLatency(v: unknown, file: string, field: string): void {
  need(isObject(v), file, field, 'must be a latency object { count, p50, p95, p99, … }');
  for (const k of ['p50', 'p95', 'p99'] as const) need(typeof v[k] === 'number' && Number.isFinite(v[k]), file, `${field}.${k}`, 'must be a number');
}

/** Throws CompareInputError naming the file and field when `data` is not a cartload RunSummary this version reads. */
export function validateSummary(data: unknown, file: string): RunSummary {
  need(isObject(data), file, '(top level)', 'not a cartload summary.json (expected a JSON object)');
  need(data.tool === 'cartload', file, 'tool', `not a cartload summary.json (expected "cartload", found ${JSON.stringify(data.tool)})`);
  need(
    data.schemaVersion === SUMMARY_SCHEMA_VERSION,
    file,
    'schemaVersion',
    `is ${JSON.stringify(data.schemaVersion)}; this cartload reads schemaVersion ${SUMMARY_SCHEMA_VERSION}`,
  );
  for (const k of ['engine', 'runId', 'scenario', 'target'] as const) need(typeof data[k] === 'string', file, k, 'must be a string');
  data.engine = engineName(data.engine as string);
  need(typeof data.durationMs === 'number', file, 'durationMs', 'must be a number');
  need(isObject(data.options), file, 'options', 'must be an object');
  const r = data.requests;
  need(isObject(r), file, 'requests', 'must be an object');
  for (const k of ['total', 'failed', 'conflicts409'] as const) need(typeof r[k] === 'number', file, `requests.${k}`, 'must be a number');
  checkLatency(r.latency, file, 'requests.latency');
  need(isObject(r.byStep), file, 'requests.byStep', 'must be an object');
  for (const [step, s] of Object.entries(r.byStep)) {
    const f = `requests.byStep.${step}`;
    need(isObject(s), file, f, 'must be an object { count, statuses, latency }');
    need(typeof s.count === 'number', file, `${f}.count`, 'must be a number');
    need(isObject(s.statuses), file, `${f}.statuses`, 'must be an object');
    checkLatency(s.latency, file, `${f}.latency`);
  }
  need(isObject(data.sessions) && typeof data.sessions.failed === 'number', file, 'sessions.failed', 'must be a number');
  return data as unknown as RunSummary;
}

/** A run folder (its summary.json) or a summary.json path, read and validated. */
export async function readSummary(path: string): Promise<RunSummary> {
  let file = path;
  try {
    if ((await stat(path)).isDirectory()) file = join(path, 'summary.json');
  } catch {
    throw new CompareInputError(`${path}: no such run folder or file`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CompareInputError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CompareInputError(`${file}: not a cartload summary.json: not valid JSON (${(err as Error).message})`);
  }
  return validateSummary(data, file);
}

/** What `cartload compare` does: reads both runs and compares them. */
export async function compareRunFiles(baselinePath: string, currentPath: string, options: Partial<CompareOptions> = {}): Promise<Comparison> {
  const [baseline, current] = await Promise.all([readSummary(baselinePath), readSummary(currentPath)]);
  return compareRuns(baseline, current, options);
}
