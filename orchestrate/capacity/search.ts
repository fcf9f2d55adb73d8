// The capacity search: coarse steps up (rate × growth) until the SLO breaks, then refinement between
// the last good and the first bad rate until that bracket is within the tolerance. Pure: it knows
// nothing of HTTP or engines; a probe function runs one rate and returns its measurements, so tests
// drive it with a model of a target.
//
// Refinement bisects, guided by what a probe past the limit shows: a saturated target serves its
// ceiling whatever is offered, so the bad probe's achieved rate estimates where the SLO will break.
// The search then tries just under that estimate, and, once a rate near it held, just above the
// last good rate, so that a usual search closes the bracket in two refinement probes instead of
// four or five; an estimate that misleads costs a probe, after which plain bisection goes on.
import {
  judgeProbe,
  KEEP_UP_SHARE,
  type CapacityProbe,
  type CapacitySearchOptions,
  type CapacitySlo,
  type StopReason,
} from '../../model/capacity.ts';

export type ProbeFn = (rate: number, phase: CapacityProbe['phase'], n: number) => Promise<CapacityProbe>;

export interface SearchHooks {
  /** After every probe (to write partial results). */
  onProbe?: (probe: CapacityProbe, probes: readonly CapacityProbe[]) => void | Promise<void>;
  /** Stops the search before its next probe. */
  signal?: AbortSignal;
  /** How long one probe takes, for the budget (default its warm-up + hold as measured so far). */
  probeMs?: number;
  now?: () => number;
}

export interface SearchResult {
  probes: CapacityProbe[];
  stoppedBy: StopReason;
}

export const DEFAULT_SEARCH: Omit<CapacitySearchOptions, 'start'> = {
  growth: 2,
  tolerance: 0.05,
  minRate: 0.05,
  maxProbes: 16,
};

/**
 * Rates are kept to 3 significant digits and at most 2 decimals: k6 takes integer rates per time
 * unit (see timeUnitFor), and its capacity steps (tag `stage`) carry 2 decimals.
 */
export function roundRate(r: number): number {
  if (r <= 0) return 0;
  const digits = Math.min(2, Math.max(0, 2 - Math.floor(Math.log10(r))));
  const f = 10 ** digits;
  return Math.round(r * f) / f;
}

/** Checks the options; the message names the option. */
export function searchOptionsError(o: CapacitySearchOptions): string | undefined {
  if (!(o.start > 0)) return `--start must be a rate above 0 sessions/s, got ${o.start}`;
  if (!(o.growth > 1)) return `--growth must be above 1, got ${o.growth}`;
  if (!(o.tolerance > 0 && o.tolerance < 1)) return `--tolerance must be between 0 and 100%, got ${100 * o.tolerance}%`;
  if (!(o.minRate >= 0.01)) return `--min-rate must be at least 0.01 sessions/s, got ${o.minRate}`;
  if (o.maxRate !== undefined && !(o.maxRate >= o.start))
    return `--max-rate (${o.maxRate}) must be at least --start (${o.start})`;
  if (!(Number.isInteger(o.maxProbes) && o.maxProbes >= 1))
    return `--max-probes must be a whole number of at least 1, got ${o.maxProbes}`;
  if (o.budgetMs !== undefined && !(o.budgetMs > 0)) return '--max-duration must be above 0';
  return undefined;
}

/** The session rate a saturated probe's target served: where the SLO is likely to break. */
function saturationEstimate(p: CapacityProbe): number | undefined {
  const offered = p.offered.requestsPerSec;
  if (!(offered > 0) || !(p.achieved.requestsPerSec > 0) || p.achieved.requestsPerSec >= KEEP_UP_SHARE * offered)
    return undefined;
  return p.rate * (p.achieved.requestsPerSec / offered);
}

/** The next refinement rate inside (lo, hi), or undefined when the bracket is narrow enough. */
export function nextRate(
  lo: number,
  hi: number,
  tolerance: number,
  estimate: number | undefined,
  tried: ReadonlySet<number>,
): number | undefined {
  if ((hi - lo) / lo <= tolerance) return undefined;
  const inside = (r: number): boolean =>
    r > lo * (1 + tolerance / 4) && r < hi * (1 - tolerance / 4) && !tried.has(roundRate(r));
  if (estimate !== undefined && estimate < hi) {
    const under = estimate * (1 - tolerance / 2);
    if (inside(under)) return roundRate(under);
    // A rate near the estimate held: the break is probably just above the last good rate. Once
    // the last good rate is past the estimate by more than the tolerance, the estimate was wrong:
    // bisect.
    const above = lo * (1 + 0.9 * tolerance);
    if (lo <= estimate * (1 + tolerance) && estimate < lo * (1 + 2 * tolerance) && inside(above))
      return roundRate(above);
  }
  const mid = roundRate((lo + hi) / 2);
  // Rounding can land on an end of a narrow bracket: then it is as narrow as rates get.
  return mid > lo && mid < hi ? mid : undefined;
}

export async function searchCapacity(
  o: CapacitySearchOptions,
  slo: CapacitySlo,
  probe: ProbeFn,
  hooks: SearchHooks = {},
): Promise<SearchResult> {
  const invalid = searchOptionsError(o);
  if (invalid) throw new RangeError(invalid);
  const now = hooks.now ?? (() => performance.now());
  const started = now();
  const probes: CapacityProbe[] = [];
  const tried = new Set<number>();
  let lo: number | undefined;
  /** The lowest rate at which the target missed the SLO. */
  let hi: number | undefined;
  /** The lowest rate the load generator could not drive: an upper bound too, but not the target's. */
  let gen: number | undefined;
  /** The estimate from the lowest bad probe, when it was saturated. */
  let estimate: number | undefined;
  const upper = (): number | undefined => (hi === undefined ? gen : gen === undefined ? hi : Math.min(hi, gen));

  const stopBefore = (): StopReason | undefined => {
    if (hooks.signal?.aborted) return 'interrupted';
    if (probes.length >= o.maxProbes) return 'max-probes';
    if (o.budgetMs !== undefined) {
      const last = probes[probes.length - 1];
      const each = hooks.probeMs ?? (last ? (now() - started) / probes.length : 0);
      if (now() - started + each > o.budgetMs) return 'budget';
    }
    return undefined;
  };
  /** Runs one probe: 'good', 'bad' (the target missed the SLO), 'generator' (it could not drive the rate), or a reason to stop. */
  const run = async (
    rate: number,
    phase: CapacityProbe['phase'],
  ): Promise<'good' | 'bad' | 'generator' | StopReason> => {
    const stop = stopBefore();
    if (stop) return stop;
    const r = roundRate(rate);
    tried.add(r);
    const p = await probe(r, phase, probes.length + 1);
    probes.push(p);
    await hooks.onProbe?.(p, probes);
    if (p.interrupted || hooks.signal?.aborted) return 'interrupted';
    const v = judgeProbe(p, slo);
    if (v.ok) {
      lo = lo === undefined ? r : Math.max(lo, r);
      return 'good';
    }
    if (v.limit === 'generator') {
      gen = gen === undefined ? r : Math.min(gen, r);
      return 'generator';
    }
    if (hi === undefined || r < hi) {
      hi = r;
      estimate = saturationEstimate(p);
    }
    return 'bad';
  };

  // Coarse, up: until the SLO breaks (or the generator cannot go higher).
  let rate = o.start;
  for (;;) {
    const r = await run(rate, 'coarse');
    if (r === 'bad' || r === 'generator') break;
    if (r !== 'good') return { probes, stoppedBy: r };
    if (o.maxRate !== undefined && roundRate(rate) >= o.maxRate) return { probes, stoppedBy: 'max-rate' };
    rate = o.maxRate === undefined ? rate * o.growth : Math.min(rate * o.growth, o.maxRate);
  }
  // Coarse, down: the first rate already broke the SLO, or was more than the generator could drive.
  while (lo === undefined) {
    const top = upper() as number;
    const down = top / o.growth;
    rate = down >= o.minRate ? down : o.minRate;
    if (rate >= top || tried.has(roundRate(rate)))
      return { probes, stoppedBy: hi !== undefined && hi <= top ? 'min-rate' : 'generator' };
    const r = await run(rate, 'coarse');
    if (r !== 'good' && r !== 'bad' && r !== 'generator') return { probes, stoppedBy: r };
  }
  // Refine, between the last good rate and the lower of the two upper bounds. Under a generator
  // limit the target's own limit may still be in reach: the search goes on there.
  for (;;) {
    const top = upper() as number;
    const targetBound = hi !== undefined && hi === top;
    const next = nextRate(lo, top, o.tolerance, targetBound ? estimate : undefined, tried);
    if (next === undefined) return { probes, stoppedBy: targetBound ? 'tolerance' : 'generator' };
    const r = await run(next, 'refine');
    if (r !== 'good' && r !== 'bad' && r !== 'generator') return { probes, stoppedBy: r };
  }
}
