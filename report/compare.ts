// `cartload compare`: a regression gate between two runs of any engine that does not cry wolf.
// A step's (or the whole run's) latency (p50, p95, p99) or error rate is a regression only when the change is both LARGE
// (beyond a relative and an absolute floor: by default +20% and +5 ms, or +0.5 percentage points)
// and BEYOND NOISE (worse in at least 99% of block-bootstrap resamples of the two runs' recorded
// time slices; see compare-stats.ts). A large change within the noise is reported as `noise`, not
// failed. compareResults is pure (tests and other tools call it on two results); compareRunFiles
// reads the run folders. Rendering is in compare-render.ts.
import { CartloadError } from '../model/errors.ts';
import { LogHistogram } from './data/histogram.ts';
import type { Results } from './data/format.ts';
import { readRunResults } from './read.ts';
import { stepEvidence, type ChangeEvidence, type StepEvidence, type TimedSlice } from './compare-stats.ts';
import { isLoopbackUrl } from '../io/url.ts';

export class CompareInputError extends CartloadError {
  override name = 'CompareInputError';
}

export interface CompareOptions {
  /** Relative floor: a latency change (p50, p95, p99) below this share of the baseline is never a regression (0.2 = +20%). */
  maxLatencyIncrease: number;
  /** Absolute floor: a latency change below this many ms is never a regression. */
  minLatencyIncreaseMs: number;
  /** Floor for the error rate, in percentage points (0.5 = +0.5 pp). */
  maxErrorRateIncrease: number;
  /** A step needs at least this many requests in both runs to be judged. */
  minRequests: number;
  /** Share of resamples in which the current run must be worse for a change to count as real (0.99). */
  confidence: number;
  /** Resamples of the bootstrap. */
  resamples: number;
  /** Compare runs of different scenarios or profiles instead of refusing. */
  allowDifferent: boolean;
  /** The latency percentiles judged (the others of p50, p95, p99 are shown only). */
  percentiles: number[];
  /**
   * A percentile is judged only when both runs have at least this many answers beyond it (p95: 20
   * times this, p99: 100 times): p99 of 96 requests is their maximum, one pause away from 5×.
   */
  minTail: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = {
  maxLatencyIncrease: 0.2,
  minLatencyIncreaseMs: 5,
  maxErrorRateIncrease: 0.5,
  minRequests: 20,
  confidence: 0.99,
  resamples: 1000,
  allowDifferent: false,
  percentiles: [50, 95, 99],
  minTail: 10,
};

/**
 * regression: large and beyond noise; noise: large but within the runs' noise (not failed);
 * better: large, beyond noise, and an improvement; ok: small (whatever the noise); info: shown,
 * never judged; too-few: a run has fewer than minRequests; new/missing: a step in one run only.
 */
export type Verdict = 'ok' | 'better' | 'regression' | 'noise' | 'info' | 'too-few' | 'new' | 'missing';

export interface MetricComparison {
  metric: string;
  baseline: number | null;
  current: number | null;
  /** Current − baseline (ms, pp, count, per s). */
  change: number | null;
  /** Latency: the change as a share of the baseline. */
  relative?: number | null;
  unit: 'count' | 'per-s' | 'pct' | 'ms';
  verdict: Verdict;
  /** Judged figures: share of resamples in which the current run was worse (0..1). */
  worse?: number;
  /** Judged figures: the change's 98% interval over the resamples (same unit as `change`). */
  interval?: [number, number];
  /** Judged figures: why the verdict, in a sentence. */
  why?: string;
}

export interface StepComparison {
  step: string;
  verdict: Verdict;
  metrics: MetricComparison[];
  /** How the noise was measured: resampled time slices (or single requests for very short runs), and how many per run. */
  noise?: { mode: StepEvidence['mode']; blocks: [number, number] };
}

export interface RunRef {
  runId: string;
  engine: string;
  scenario: string;
  target: string;
  startedAt: string;
  git?: string;
}

export interface Comparison {
  baseline: RunRef;
  current: RunRef;
  settings: Omit<CompareOptions, 'allowDifferent'>;
  overall: MetricComparison[];
  steps: StepComparison[];
  /** Why the figures may not be comparable, and what could not be judged. */
  warnings: string[];
  /** One sentence per regression; empty means the gate passes. */
  regressions: string[];
  /** One sentence per large change that the noise explains (not failed). */
  noise: string[];
  ok: boolean;
}

/** Options that legitimately differ between two runs of the same test (they name the run, not its load). */
// engineChoice says why an engine ran (e.g. how many PATH folders were searched for k6): the
// engine itself is compared apart.
const RUN_SPECIFIC_OPTIONS = new Set([
  'sessionPrefix',
  'runId',
  'resultsDir',
  'progress',
  'logRequests',
  'noProgress',
  'engineChoice',
]);

const ref = (r: Results): RunRef => ({
  runId: r.run.runId,
  engine: r.run.engine,
  scenario: r.run.scenario,
  target: r.run.target,
  startedAt: r.run.startedAt,
  ...(r.run.git ? { git: r.run.git.revision } : {}),
});

/** The percentiles shown, per step and overall: p50, p95, p99 and any other judged; each [name, quantile, judged]. */
function percentilesOf(o: CompareOptions): [string, number, boolean][] {
  const all = [...new Set([50, 95, 99, ...o.percentiles])].sort((a, b) => a - b);
  return all.map((p) => [`p${p}`, p / 100, o.percentiles.includes(p)]);
}

const errorPct = (failed: number, total: number): number => (total === 0 ? 0 : (100 * failed) / total);
const msOf = (h: LogHistogram, q: number): number => Math.round(h.quantile(q)) / 1000;

function info(metric: string, unit: MetricComparison['unit'], b: number | null, c: number | null): MetricComparison {
  const change = b === null || c === null ? null : c - b;
  const m: MetricComparison = { metric, baseline: b, current: c, change, unit, verdict: 'info' };
  if (unit === 'ms') m.relative = change === null || b === null || b <= 0 ? null : change / b;
  return m;
}

export function fmtMs(v: number | null): string {
  if (v === null) return '-';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}
export const fmtPct = (v: number | null): string => (v === null ? '-' : `${v.toFixed(2)}%`);
export function fmtRel(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'n/a';
  return `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`;
}
const share = (v: number): string => `${(100 * v).toFixed(1)}%`;
const signed = (v: number, digits = 2): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

/** The percentile's own evidence must be at least this strong when a broad shift carries the verdict. */
const SUPPORT = 0.9;

/**
 * Beyond noise: the percentile is higher in `confidence` of the resamples, or the whole distribution
 * is slower in `confidence` of them and the percentile higher in 90% (a broad slowdown that short
 * runs cannot pin on one percentile alone). Returns the reason, or undefined.
 */
function beyondNoise(
  ev: ChangeEvidence,
  shift: ChangeEvidence,
  o: CompareOptions,
  resamples: number,
  dir: 'worse' | 'better',
): string | undefined {
  const word = dir === 'worse' ? 'slower' : 'faster';
  if (ev[dir] >= o.confidence) return `${word} in ${share(ev[dir])} of ${resamples} resamples`;
  if (shift[dir] >= o.confidence && ev[dir] >= SUPPORT)
    return `the whole distribution ${word} in ${share(shift[dir])} of ${resamples} resamples, this percentile in ${share(ev[dir])}`;
  return undefined;
}

function judgeLatency(
  metric: string,
  b: number,
  c: number,
  ev: ChangeEvidence,
  shift: ChangeEvidence,
  o: CompareOptions,
  resamples: number,
): MetricComparison {
  const change = c - b;
  const relative = b > 0 ? change / b : null;
  const floors = `+${(100 * o.maxLatencyIncrease).toFixed(0)}% and +${o.minLatencyIncreaseMs} ms`;
  const m: MetricComparison = {
    metric,
    baseline: b,
    current: c,
    change,
    relative,
    unit: 'ms',
    verdict: 'ok',
    worse: ev.worse,
    interval: ev.interval,
  };
  const size = `${fmtRel(relative)}, ${signed(change)} ms`;
  // "Large": beyond both floors. A change exactly at a floor is not beyond it.
  const large = relative !== null && relative > o.maxLatencyIncrease + 1e-9 && change > o.minLatencyIncreaseMs + 1e-9;
  const largeDrop =
    relative !== null && -relative > o.maxLatencyIncrease + 1e-9 && -change > o.minLatencyIncreaseMs + 1e-9;
  const slower = large ? beyondNoise(ev, shift, o, resamples, 'worse') : undefined;
  const faster = largeDrop ? beyondNoise(ev, shift, o, resamples, 'better') : undefined;
  if (slower) {
    m.verdict = 'regression';
    m.why = `${size}: beyond the floors (${floors}) and beyond noise (${slower})`;
  } else if (large) {
    m.verdict = 'noise';
    m.why = `${size}: beyond the floors, but within the runs' noise (slower in only ${share(ev.worse)} of resamples, the whole distribution in ${share(shift.worse)}; ${share(o.confidence)} needed)`;
  } else if (faster) {
    m.verdict = 'better';
    m.why = `${size}: faster beyond the floors and beyond noise (${faster})`;
  } else {
    m.why = `${size}: ${change > 0 ? `below the floors (${floors})` : 'not slower'}`;
  }
  return m;
}

function judgeErrorRate(b: number, c: number, ev: ChangeEvidence, o: CompareOptions): MetricComparison {
  const change = c - b;
  const m: MetricComparison = {
    metric: 'error rate',
    baseline: b,
    current: c,
    change,
    unit: 'pct',
    verdict: 'ok',
    worse: ev.worse,
    interval: ev.interval,
  };
  const size = `${signed(change)} pp`;
  if (change > o.maxErrorRateIncrease + 1e-9 && ev.worse >= o.confidence) {
    m.verdict = 'regression';
    m.why = `${size}: beyond the floor (+${o.maxErrorRateIncrease} pp) and beyond noise (worse in ${share(ev.worse)} of resamples)`;
  } else if (change > o.maxErrorRateIncrease + 1e-9) {
    m.verdict = 'noise';
    m.why = `${size}: beyond the floor, but within the runs' noise (worse in only ${share(ev.worse)} of resamples)`;
  } else if (-change > o.maxErrorRateIncrease + 1e-9 && ev.better >= o.confidence) {
    m.verdict = 'better';
    m.why = `${size}: fewer failures beyond the floor and beyond noise`;
  } else {
    m.why = `${size}: ${change > 0 ? `below the floor (+${o.maxErrorRateIncrease} pp)` : 'not worse'}`;
  }
  return m;
}

function rollUp(metrics: MetricComparison[]): Verdict {
  const vs = metrics.map((m) => m.verdict);
  for (const v of ['regression', 'too-few', 'noise', 'better'] as const) if (vs.includes(v)) return v;
  return 'ok';
}

function differingOptions(b: Record<string, unknown>, c: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(b), ...Object.keys(c)]);
  return [...keys]
    .filter((k) => !RUN_SPECIFIC_OPTIONS.has(k) && JSON.stringify(b[k]) !== JSON.stringify(c[k]))
    .sort()
    .map((k) => `${k} ${JSON.stringify(b[k]) ?? '(unset)'} → ${JSON.stringify(c[k]) ?? '(unset)'}`);
}

/** The local target starts on a free port per run, so two loopback URLs differing only in port are one target. */
function sameTarget(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    const ua = new URL(a);
    const ub = new URL(b);
    return isLoopbackUrl(a) && isLoopbackUrl(b) && ua.pathname === ub.pathname;
  } catch {
    return false;
  }
}

/** What makes two runs the same test: the scenario (or recording) and the traffic profile. */
function identity(r: Results): { what: string; profile: string | undefined } {
  const profile = r.run.options.profile;
  return { what: `${r.run.kind} ${r.run.scenario}`, profile: typeof profile === 'string' ? profile : undefined };
}

/** One step's slices, in time order; `undefined` step = all steps together. */
function stepSlices(r: Results, step: string | undefined): TimedSlice[] {
  const out: TimedSlice[] = [];
  for (const s of r.timeline.slices) {
    if (step !== undefined) {
      const st = s.steps[step];
      if (st && st.n > 0) out.push({ t: s.t, slice: st });
      continue;
    }
    const h = new LogHistogram();
    let n = 0;
    let failed = 0;
    for (const st of Object.values(s.steps)) {
      h.add(LogHistogram.decode(st.latency));
      n += st.n;
      failed += st.failed;
    }
    if (n > 0) out.push({ t: s.t, slice: { n, failed, latency: h.encode() } });
  }
  return out;
}

const perSecond = (total: number, durationMs: number): number => (durationMs > 0 ? (1000 * total) / durationMs : 0);

/** Compares two runs step by step and overall; pure and deterministic. Throws CompareInputError for runs of different tests unless allowDifferent. */
export function compareResults(baseline: Results, current: Results, options: Partial<CompareOptions> = {}): Comparison {
  const o: CompareOptions = { ...DEFAULT_COMPARE_OPTIONS, ...options };
  const shown = percentilesOf(o);
  const quantiles = shown.map(([, q]) => q);
  const thinTails = new Set<string>();
  const judge = (
    where: string,
    name: string,
    q: number,
    judged: boolean,
    b: LogHistogram,
    c: LogHistogram,
    ev: StepEvidence,
  ): MetricComparison => {
    if (!judged) return info(name, 'ms', msOf(b, q), msOf(c, q));
    const need = Math.ceil(o.minTail / (1 - q) - 1e-9);
    if (b.n < need || c.n < need) {
      thinTails.add(`${name} of ${where} (${b.n} → ${c.n} answers, ${need} needed)`);
      return { ...info(name, 'ms', msOf(b, q), msOf(c, q)), verdict: 'too-few' };
    }
    return judgeLatency(name, msOf(b, q), msOf(c, q), ev.latency.get(q)!, ev.shift, o, o.resamples);
  };
  const warnings: string[] = [];
  const regressions: string[] = [];
  const noise: string[] = [];
  const coverage = 1 - 2 * (1 - o.confidence);

  const ib = identity(baseline);
  const ic = identity(current);
  const differences: string[] = [];
  if (ib.what !== ic.what) differences.push(`${ib.what} vs ${ic.what}`);
  if (ib.profile !== ic.profile) differences.push(`profile ${ib.profile ?? '(none)'} vs ${ic.profile ?? '(none)'}`);
  if (differences.length > 0) {
    const text = `the runs are of different tests (${differences.join('; ')})`;
    if (!o.allowDifferent)
      throw new CompareInputError(
        `${text}: a change between them says nothing about the code; pass --allow-different to compare them anyway`,
      );
    warnings.push(`${text}: compared anyway (--allow-different)`);
  }
  if (baseline.run.engine !== current.run.engine)
    warnings.push(
      `the runs differ in engine (${baseline.run.engine} → ${current.run.engine}): their latencies are measured differently`,
    );
  if (!sameTarget(baseline.run.target, current.run.target))
    warnings.push(`the runs differ in target (${baseline.run.target} → ${current.run.target})`);
  const opts = differingOptions(baseline.run.options, current.run.options);
  if (opts.length > 0)
    warnings.push(`the runs differ in options (${opts.join(', ')}): their figures are less comparable`);
  for (const [name, run] of [
    ['baseline', baseline],
    ['current', current],
  ] as const) {
    if (run.run.interrupted) warnings.push(`the ${name} run was interrupted: it holds only part of its traffic`);
  }

  const br = baseline.requests;
  const cr = current.requests;
  const bh = LogHistogram.decode(br.latency);
  const ch = LogHistogram.decode(cr.latency);
  const overallEnough = br.count >= o.minRequests && cr.count >= o.minRequests;
  let overallError: MetricComparison;
  let overallLatency: MetricComparison[];
  if (overallEnough) {
    // All steps together: the most requests, so the surest verdict on a broad slowdown.
    const ev = stepEvidence(stepSlices(baseline, undefined), stepSlices(current, undefined), coverage, {
      resamples: o.resamples,
      quantiles,
    });
    overallError = judgeErrorRate(errorPct(br.failed, br.count), errorPct(cr.failed, cr.count), ev.errorRate, o);
    overallLatency = shown.map(([name, q, judged]) => judge('the whole run', name, q, judged, bh, ch, ev));
    for (const m of [overallError, ...overallLatency]) {
      const line =
        m.unit === 'ms'
          ? `overall: ${m.metric} ${fmtMs(m.baseline)} → ${fmtMs(m.current)} ms (${m.why})`
          : `overall: error rate ${fmtPct(m.baseline)} → ${fmtPct(m.current)} (${m.why})`;
      if (m.verdict === 'regression') regressions.push(line);
      if (m.verdict === 'noise') noise.push(line);
    }
  } else {
    overallError = {
      ...info('error rate', 'pct', errorPct(br.failed, br.count), errorPct(cr.failed, cr.count)),
      verdict: 'too-few',
    };
    overallLatency = shown.map(([name, q, judged]) => ({
      ...info(name, 'ms', msOf(bh, q), msOf(ch, q)),
      ...(judged ? { verdict: 'too-few' as const } : {}),
    }));
    warnings.push(`overall: fewer than ${o.minRequests} requests in a run; nothing overall is judged`);
  }
  const overall: MetricComparison[] = [
    info('requests', 'count', br.count, cr.count),
    info(
      'requests/s',
      'per-s',
      perSecond(br.count, baseline.run.sendingMs ?? baseline.run.durationMs),
      perSecond(cr.count, current.run.sendingMs ?? current.run.durationMs),
    ),
    overallError,
    info('409s', 'count', br.statuses['409'] ?? 0, cr.statuses['409'] ?? 0),
    ...overallLatency,
    info('sessions failed', 'count', baseline.sessions.failed, current.sessions.failed),
  ];

  const names = [...new Set([...Object.keys(br.byStep), ...Object.keys(cr.byStep)])].sort();
  const tooFew: string[] = [];
  const steps: StepComparison[] = names.map((step) => {
    const b = br.byStep[step];
    const c = cr.byStep[step];
    if (b === undefined || c === undefined) {
      const present = (b ?? c)!;
      const h = LogHistogram.decode(present.latency);
      const side = (x: number | null): [number | null, number | null] => (b === undefined ? [null, x] : [x, null]);
      const metrics = [
        info('requests', 'count', ...side(present.count)),
        info('error rate', 'pct', ...side(errorPct(present.failed, present.count))),
        info('p95', 'ms', ...side(msOf(h, 0.95))),
      ];
      if (present.count < o.minRequests) {
        tooFew.push(`${step} (${b?.count ?? 0} → ${c?.count ?? 0})`);
        return { step, verdict: 'too-few', metrics };
      }
      regressions.push(
        b === undefined
          ? `step ${step}: only in the current run (${c!.count} requests)`
          : `step ${step}: missing from the current run (${b.count} requests in the baseline)`,
      );
      return { step, verdict: b === undefined ? 'new' : 'missing', metrics };
    }
    const hb = LogHistogram.decode(b.latency);
    const hc = LogHistogram.decode(c.latency);
    const base = [info('requests', 'count', b.count, c.count)];
    if (b.count < o.minRequests || c.count < o.minRequests) {
      tooFew.push(`${step} (${b.count} → ${c.count})`);
      const unjudged = [
        ...base,
        {
          ...info('error rate', 'pct', errorPct(b.failed, b.count), errorPct(c.failed, c.count)),
          verdict: 'too-few' as const,
        },
        ...shown.map(([name, q, judged]) => ({
          ...info(name, 'ms', msOf(hb, q), msOf(hc, q)),
          ...(judged ? { verdict: 'too-few' as const } : {}),
        })),
      ];
      return { step, verdict: 'too-few', metrics: unjudged };
    }
    const ev = stepEvidence(stepSlices(baseline, step), stepSlices(current, step), coverage, {
      resamples: o.resamples,
      quantiles,
    });
    const err = judgeErrorRate(errorPct(b.failed, b.count), errorPct(c.failed, c.count), ev.errorRate, o);
    const latency = shown.map(([name, q, judged]) => judge(step, name, q, judged, hb, hc, ev));
    for (const m of [err, ...latency]) {
      const line =
        m.unit === 'ms'
          ? `step ${step}: ${m.metric} ${fmtMs(m.baseline)} → ${fmtMs(m.current)} ms (${m.why})`
          : `step ${step}: error rate ${fmtPct(m.baseline)} → ${fmtPct(m.current)} (${m.why})`;
      if (m.verdict === 'regression') regressions.push(line);
      if (m.verdict === 'noise') noise.push(line);
    }
    const metrics = [...base, err, info('409s', 'count', b.statuses['409'] ?? 0, c.statuses['409'] ?? 0), ...latency];
    return { step, verdict: rollUp(metrics), metrics, noise: { mode: ev.mode, blocks: ev.blocks } };
  });
  if (tooFew.length > 0)
    warnings.push(`not judged, fewer than ${o.minRequests} requests in a run: ${tooFew.join(', ')}`);
  if (thinTails.size > 0)
    warnings.push(
      `not judged, fewer than ${o.minTail} answers beyond the percentile in a run: ${[...thinTails].join(', ')}`,
    );
  if (steps.some((s) => s.noise?.mode === 'requests'))
    warnings.push(
      'some steps have too few time slices (runs shorter than about 3 s): their noise is estimated from single requests, which misses bursts',
    );

  const { allowDifferent: _allow, ...settings } = o;
  return {
    baseline: ref(baseline),
    current: ref(current),
    settings,
    overall,
    steps,
    warnings,
    regressions,
    noise,
    ok: regressions.length === 0,
  };
}

/** What `cartload compare` does: reads both runs (results format 2) and compares them. */
export async function compareRunFiles(
  baselinePath: string,
  currentPath: string,
  options: Partial<CompareOptions> = {},
): Promise<Comparison> {
  const [baseline, current] = await Promise.all([
    readRunResults(baselinePath, 'compare'),
    readRunResults(currentPath, 'compare'),
  ]);
  return compareResults(baseline, current, options);
}
