// A capacity run's data (capacity.json, documented in docs/capacity.md) and the judgement over it:
// whether each probe held the SLO, the highest sustainable rate, where the SLO broke, and the knee.
// The judgement reads only the measurements, so a run can be judged again under another SLO
// without another run. Pure: no Node APIs (the HTML report and the k6 side may read it too).

export const CAPACITY_SCHEMA_VERSION = 1;

export interface CapacitySlo {
  p95Ms: number;
  p99Ms: number;
  /** Largest acceptable share of failed requests, 0..1. */
  errorRate: number;
}

export interface Rates {
  sessionsPerSec: number;
  requestsPerSec: number;
}

export interface ProbeLatency {
  /** Requests measured (answered in the hold; unanswered requests count as errors, not here). */
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Whether the load generator did its part: a probe it could not drive is never the target's limit. */
export interface GeneratorHealth {
  /** Every session the rate asked for was started on time (no dropped sessions, no large lag). */
  delivered: boolean;
  /** Its clock kept time, so its latencies are the target's (not starved of CPU). */
  measuring: boolean;
  /** Sessions not started: k6's dropped iterations (no free VU). */
  droppedSessions: number;
  /** Node engine: p99 of how late requests were sent against their schedule, ms. */
  lagP99Ms?: number;
  /** Node engine: p99 of its event loop's delay during the probe, ms (CPU starvation shows here first). */
  eventLoopDelayP99Ms?: number;
  /** k6: the most VUs in use, and the most allowed. */
  vusMax?: number;
  maxVUs?: number;
  notes: string[];
}

export interface CapacityProbe {
  /** 1, 2, ... in the order run. */
  n: number;
  phase: 'coarse' | 'refine';
  /** The rate offered: sessions started per second. */
  rate: number;
  warmupMs: number;
  holdMs: number;
  /** What was offered in the hold: the rate, and the requests its sessions planned per second. */
  offered: Rates;
  /** What the target served in the hold, per second. */
  achieved: Rates;
  latency: ProbeLatency;
  /** Median duration of the hold's sessions, from their start to their last answer, ms. */
  sessionP50Ms?: number;
  /** Median latency of the first and second half of the hold: a target past its limit climbs. */
  trend?: { firstHalfP50: number; secondHalfP50: number };
  requests: number;
  /** Requests without a 2xx answer (statuses other than 2xx, and no answer at all). */
  failed: number;
  conflicts409: number;
  statuses: Record<string, number>;
  generator: GeneratorHealth;
  /** The probe's own run folder, relative to the capacity run's folder. */
  dir?: string;
  interrupted?: boolean;
}

export type StopReason =
  | 'tolerance'
  | 'max-probes'
  | 'budget'
  | 'max-rate'
  | 'min-rate'
  | 'generator'
  | 'interrupted'
  | 'staircase';

export interface CapacitySearchOptions {
  /** First rate, sessions/s. */
  start: number;
  /** Coarse phase: each rate is the previous × growth until the SLO breaks. */
  growth: number;
  /** Refine until (first bad − last good) / last good ≤ tolerance. */
  tolerance: number;
  maxRate?: number;
  minRate: number;
  maxProbes: number;
  /** The whole search stops before a probe that would end after this long, ms. */
  budgetMs?: number;
}

/** capacity.json: what `cartload capacity` writes into its run folder (and rewrites after each probe). */
export interface CapacityFile {
  tool: 'cartload';
  kind: 'capacity';
  schemaVersion: typeof CAPACITY_SCHEMA_VERSION;
  engine: 'node' | 'k6';
  runId: string;
  target: string;
  startedAt: string;
  endedAt: string;
  /** The options of the run, without secrets (seed, profile, think scale, warm-up and hold, ...). */
  options: Record<string, unknown>;
  search?: CapacitySearchOptions;
  slo: CapacitySlo;
  /** For reading the figures: the configured ceiling of the local target, when the run knows it, req/s. */
  knownCeiling?: number;
  probes: CapacityProbe[];
  stoppedBy: StopReason;
  /** The judgement under `slo` (recomputed by `cartload capacity --from`). */
  report: CapacityReport;
}

export interface ProbeVerdict {
  n: number;
  rate: number;
  ok: boolean;
  /** 'target': the target missed the SLO; 'generator': the probe says nothing about the target. */
  limit?: 'target' | 'generator';
  reasons: string[];
}

export interface RatePoint extends Rates {
  /** The probe it comes from. */
  n: number;
}

export interface CapacityReport {
  slo: CapacitySlo;
  verdicts: ProbeVerdict[];
  /** The highest probe that held the SLO, every lower one holding it too; absent when none did. */
  sustainable?: RatePoint;
  /** The lowest probe at which the target missed the SLO. */
  breaking?: RatePoint;
  /** (breaking − sustainable) / sustainable in sessions/s, when both exist. */
  bracket?: number;
  /** Where latency starts to climb faster than the rate: the last rate before the first such rise. */
  knee?: RatePoint & { p95: number };
  /** The lowest probe the generator could not drive (its limit, not the target's). */
  generatorLimit?: RatePoint;
  verdict: string;
}

/**
 * The generator's health, against the SLO's p95: its clock (event loop delay; for k6, how late
 * sessions start) must stay under GENERATOR_CLOCK_SHARE of it for its latencies to be the target's,
 * and it must send no later than GENERATOR_LAG_SHARE of it for the offered rate to be delivered.
 */
export const GENERATOR_CLOCK_SHARE = 0.2;
export const GENERATOR_LAG_SHARE = 0.5;

/** A probe whose target served less than this share of the offered requests fell behind. */
export const KEEP_UP_SHARE = 0.95;
/**
 * Latency climbing within the hold: the second half's median above the first's by this factor and
 * by at least this share of the SLO's p95 (and 20 ms): a rise too small to matter to the SLO is
 * noise of the machine, not a queue that grows.
 */
export const CLIMB_FACTOR = 1.5;
export const CLIMB_FLOOR_SHARE = 0.1;
const CLIMB_FLOOR_MS = 20;
/** The knee: the first rise between probes with latency growing this many times faster than the rate. */
export const KNEE_ELASTICITY = 1;

const f0 = (v: number): string => v.toFixed(0);
/** A rate to 3 significant digits at most, without trailing zeros: 412, 40.5, 2.25. */
export const rateText = (v: number): string =>
  String(v >= 100 ? Math.round(v) : v >= 10 ? +v.toFixed(1) : +v.toFixed(2));

/** Whether a probe held the SLO; a probe the generator could not drive is judged neither way. */
export function judgeProbe(p: CapacityProbe, slo: CapacitySlo): ProbeVerdict {
  const target: string[] = [];
  const errorRate = p.requests === 0 ? 0 : p.failed / p.requests;
  if (p.requests === 0 || p.latency.count === 0) target.push('no answer in the hold');
  else {
    if (p.latency.p95 >= slo.p95Ms) target.push(`p95 ${f0(p.latency.p95)} ms ≥ ${slo.p95Ms}`);
    if (p.latency.p99 >= slo.p99Ms) target.push(`p99 ${f0(p.latency.p99)} ms ≥ ${slo.p99Ms}`);
  }
  if (p.requests > 0 && errorRate >= slo.errorRate && !(slo.errorRate === 0 && p.failed === 0)) {
    target.push(`failed ${(100 * errorRate).toFixed(2)}% ≥ ${+(100 * slo.errorRate).toFixed(4)}%`);
  }
  // A generator that sent late offered less than planned in the hold: what the target served then
  // says nothing of the target.
  if (
    p.generator.delivered &&
    p.offered.requestsPerSec > 0 &&
    p.achieved.requestsPerSec < KEEP_UP_SHARE * p.offered.requestsPerSec
  ) {
    target.push(`served ${rateText(p.achieved.requestsPerSec)} of ${rateText(p.offered.requestsPerSec)} req/s offered`);
  }
  if (
    p.trend &&
    p.trend.secondHalfP50 > p.trend.firstHalfP50 * CLIMB_FACTOR &&
    p.trend.secondHalfP50 - p.trend.firstHalfP50 > Math.max(CLIMB_FLOOR_MS, CLIMB_FLOOR_SHARE * slo.p95Ms)
  ) {
    target.push(
      `latency climbed through the hold (p50 ${f0(p.trend.firstHalfP50)} → ${f0(p.trend.secondHalfP50)} ms): not steady`,
    );
  }
  const g = p.generator;
  const base = { n: p.n, rate: p.rate };
  if (!g.measuring)
    return {
      ...base,
      ok: false,
      limit: 'generator',
      reasons: [...g.notes, ...target.map((t) => `(unreliable: ${t})`)],
    };
  if (target.length > 0)
    return { ...base, ok: false, limit: 'target', reasons: g.delivered ? target : [...target, ...g.notes] };
  if (!g.delivered) return { ...base, ok: false, limit: 'generator', reasons: g.notes };
  if (p.interrupted) return { ...base, ok: false, limit: 'generator', reasons: ['interrupted before the hold ended'] };
  return { ...base, ok: true, reasons: [] };
}

const point = (p: CapacityProbe): RatePoint => ({
  n: p.n,
  sessionsPerSec: p.rate,
  requestsPerSec: p.achieved.requestsPerSec,
});

/**
 * The knee: between successive probes (by rate) of a healthy generator, the first rise where p95
 * grew faster than the rate in proportion ((Δp95 / p95) / (Δrate / rate) > 1). The knee is the
 * lower rate of that pair: below it latency is flat; above it, it climbs.
 */
export function findKnee(probes: readonly CapacityProbe[]): (RatePoint & { p95: number }) | undefined {
  const usable = probes
    .filter((p) => p.generator.measuring && p.latency.count > 0 && !p.interrupted)
    .sort((a, b) => a.rate - b.rate);
  for (let i = 1; i < usable.length; i++) {
    const a = usable[i - 1] as CapacityProbe;
    const b = usable[i] as CapacityProbe;
    if (b.rate <= a.rate || a.latency.p95 <= 0) continue;
    const elasticity = (b.latency.p95 - a.latency.p95) / a.latency.p95 / ((b.rate - a.rate) / a.rate);
    if (elasticity > KNEE_ELASTICITY) return { ...point(a), p95: a.latency.p95 };
  }
  return undefined;
}

/** The whole judgement of a capacity run under one SLO. */
export function capacityReport(probes: readonly CapacityProbe[], slo: CapacitySlo, tolerance?: number): CapacityReport {
  const verdicts = probes.map((p) => judgeProbe(p, slo));
  const byRate = probes
    .map((p, i) => ({ p, v: verdicts[i] as ProbeVerdict }))
    .sort((a, b) => a.p.rate - b.p.rate || a.p.n - b.p.n);
  const firstBad = byRate.find((x) => x.v.limit === 'target');
  const generator = byRate.find((x) => x.v.limit === 'generator');
  // Sustainable: held the SLO, below every rate where the target missed it.
  const good = byRate.filter((x) => x.v.ok && (firstBad === undefined || x.p.rate < firstBad.p.rate));
  const best = good[good.length - 1];
  const report: CapacityReport = { slo, verdicts, verdict: '' };
  if (best) report.sustainable = point(best.p);
  if (firstBad) report.breaking = point(firstBad.p);
  if (generator && (firstBad === undefined || generator.p.rate < firstBad.p.rate))
    report.generatorLimit = point(generator.p);
  if (best && firstBad) report.bracket = (firstBad.p.rate - best.p.rate) / best.p.rate;
  const knee = findKnee(probes);
  if (knee) report.knee = knee;
  report.verdict = verdictText(report, tolerance);
  return report;
}

function rates(p: Rates): string {
  return `${rateText(p.sessionsPerSec)} sessions/s (${rateText(p.requestsPerSec)} req/s)`;
}

function verdictText(r: CapacityReport, tolerance: number | undefined): string {
  if (r.verdicts.length === 0) return 'no probe finished: nothing to report';
  const parts: string[] = [];
  if (r.sustainable) parts.push(`highest sustainable rate ${rates(r.sustainable)}`);
  else parts.push('no probe held the SLO');
  if (r.breaking) parts.push(`the SLO broke at ${rateText(r.breaking.sessionsPerSec)} sessions/s`);
  if (r.bracket !== undefined) {
    const wide = `${(100 * r.bracket).toFixed(1)}%`;
    parts.push(
      tolerance !== undefined && r.bracket > tolerance + 1e-9
        ? `a bracket ${wide} wide, wider than the ${+(100 * tolerance).toFixed(2)}% asked`
        : `a bracket ${wide} wide`,
    );
  } else if (r.sustainable && !r.generatorLimit)
    parts.push('the SLO held at every rate tried (raise --max-rate or --max-probes to find the limit)');
  if (r.generatorLimit)
    parts.push(
      `the load generator, not the target, was the limit at ${rateText(r.generatorLimit.sessionsPerSec)} sessions/s`,
    );
  if (r.knee) parts.push(`latency starts to climb above ${rates(r.knee)}`);
  return parts.join('; ');
}
