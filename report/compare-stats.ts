// Is a difference between two runs beyond their noise? A block bootstrap over the recorded time
// slices: each resample draws, with replacement, as many blocks of consecutive slices as the run
// has, from each run, and recomputes the percentiles and the error rate from the drawn blocks'
// histograms. The share of resamples in which the current run is worse is the confidence that it
// is worse at all.
//
// Why blocks and not single requests: the noise that makes two identical runs differ is rarely
// independent per request. A garbage-collection pause, a noisy neighbour or a slow second of the
// target slows every request in flight at once; a request-level bootstrap would take such a burst
// for many independent slow requests and call it significant. Resampling whole slices keeps a
// burst together: a difference that only one burst makes shows up in few resamples. A real change
// shows up in every slice, so in every resample. Runs with too few slices (shorter than about
// three seconds) fall back to resampling single requests.
//
// Runs made side by side (a CI job that runs baseline and candidate at once, k6 instances of one
// test) share their slices' times: they are resampled in pairs, the same instants for both, so a
// stall that slowed both at that instant is drawn into both sides of the difference and cancels.
// Pure and deterministic: a fixed seed, so the same two runs always get the same verdict.
import { bucketRange, LogHistogram } from './data/histogram.ts';
import type { SliceStep } from './data/format.ts';

export interface BootstrapOptions {
  resamples: number;
  /** At most this many blocks per run: long runs group consecutive slices. */
  maxBlocks: number;
  /** Fewer slices than this: resample single requests instead of slices. */
  minBlocks: number;
  /** Largest number of requests drawn per run and resample in the single-request mode. */
  maxDraws: number;
  seed: number;
  quantiles: readonly number[];
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = {
  resamples: 1000,
  maxBlocks: 50,
  minBlocks: 3,
  maxDraws: 5000,
  seed: 0x5eed,
  quantiles: [0.5, 0.95, 0.99],
};

export interface ChangeEvidence {
  /** Share of resamples in which current > baseline (0..1); ties count as not worse. */
  worse: number;
  /** Share of resamples in which current < baseline. */
  better: number;
  /** The central interval of the change (current − baseline) holding `coverage` of the resamples. */
  interval: [number, number];
}

export interface TimedSlice {
  /** The slice's start, epoch ms. */
  t: number;
  slice: SliceStep;
}

export interface StepEvidence {
  /** paired: the runs ran at the same time and their slices were drawn by instant; slices: each run's drawn on its own; requests: single requests (too few slices). */
  mode: 'paired' | 'slices' | 'requests';
  /** Blocks per run that were resampled (slices, or groups of them; requests in the fallback). */
  blocks: [number, number];
  /** Per quantile, the change of that percentile in ms. */
  latency: Map<number, ChangeEvidence>;
  /** The change of the error rate in percentage points. */
  errorRate: ChangeEvidence;
  /**
   * The whole latency distribution: the change of P(current > baseline) − ½ for a request drawn
   * from each (the rank statistic of a Mann–Whitney test). It uses every request, so it sees a
   * broad slowdown in runs too short for their percentiles to be sure of it.
   */
  shift: ChangeEvidence;
}

/** sfc32 seeded from one number: fast, and the same sequence everywhere. */
function rng(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (a + b + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) + t;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

/** A block: latency counts at positions of the comparison's shared bucket space, and its request counts. */
interface Block {
  pos: Int32Array;
  cnt: Float64Array;
  n: number;
  requests: number;
  failed: number;
}

interface Space {
  /** Bucket index → position in the dense arrays. */
  position: Map<number, number>;
  /** Representative value (ms) of each position. */
  value: Float64Array;
}

function space(histograms: LogHistogram[]): Space {
  const indices = new Set<number>();
  for (const h of histograms) h.forEachBucket((i) => indices.add(i));
  const sorted = [...indices].sort((x, y) => x - y);
  const position = new Map<number, number>();
  const value = new Float64Array(sorted.length);
  sorted.forEach((i, k) => {
    position.set(i, k);
    const { low, width } = bucketRange(i);
    value[k] = (low + (width - 1) / 2) / 1000;
  });
  return { position, value };
}

function blocksOf(
  slices: readonly { h: LogHistogram; requests: number; failed: number }[],
  sp: Space,
  maxBlocks: number,
): Block[] {
  const per = Math.max(1, Math.ceil(slices.length / maxBlocks));
  const out: Block[] = [];
  for (let i = 0; i < slices.length; i += per) {
    const group = slices.slice(i, i + per);
    const merged = new LogHistogram();
    let requests = 0;
    let failed = 0;
    for (const s of group) {
      merged.add(s.h);
      requests += s.requests;
      failed += s.failed;
    }
    const pos: number[] = [];
    const cnt: number[] = [];
    merged.forEachBucket((idx, c) => {
      pos.push(sp.position.get(idx)!);
      cnt.push(c);
    });
    out.push({ pos: Int32Array.from(pos), cnt: Float64Array.from(cnt), n: merged.n, requests, failed });
  }
  return out;
}

/** The q-quantile (nearest rank) of dense counts over the shared space, in ms; NaN when empty. */
function quantileOf(dense: Float64Array, n: number, q: number, sp: Space): number {
  if (n === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * n - 1e-9));
  let seen = 0;
  for (let k = 0; k < dense.length; k++) {
    seen += dense[k]!;
    if (seen >= rank) return sp.value[k]!;
  }
  return sp.value[dense.length - 1]!;
}

/** P(b > a) + ½ P(b = a) for one request of each, from dense counts over the shared space. */
function probabilitySlower(da: Float64Array, na: number, db: Float64Array, nb: number): number {
  if (na === 0 || nb === 0) return Number.NaN;
  let below = 0;
  let sum = 0;
  for (let k = 0; k < da.length; k++) {
    sum += db[k]! * (below + 0.5 * da[k]!);
    below += da[k]!;
  }
  return sum / (na * nb);
}

function evidence(diffs: Float64Array, coverage: number): ChangeEvidence {
  let worse = 0;
  let better = 0;
  let valid = 0;
  const finite: number[] = [];
  for (const d of diffs) {
    if (Number.isNaN(d)) continue;
    valid++;
    if (d > 1e-12) worse++;
    else if (d < -1e-12) better++;
    finite.push(d);
  }
  finite.sort((x, y) => x - y);
  const at = (p: number): number =>
    finite.length === 0 ? 0 : finite[Math.min(finite.length - 1, Math.max(0, Math.floor(p * finite.length)))]!;
  const tail = (1 - coverage) / 2;
  return {
    worse: valid === 0 ? 0 : worse / valid,
    better: valid === 0 ? 0 : better / valid,
    interval: [at(tail), at(1 - tail)],
  };
}

interface RunSide {
  blocks: Block[];
  /** Paired mode: blocks[i] of both runs cover the same instants and are drawn together. */
  paired?: boolean;
  /** Single-request mode: cumulative latency counts over the space, and the request totals. */
  cumulative?: Float64Array;
  n: number;
  requests: number;
  failed: number;
}

function side(slices: readonly SliceStep[], sp: Space, o: BootstrapOptions, mode: StepEvidence['mode']): RunSide {
  const decoded = slices.map((s) => ({ h: LogHistogram.decode(s.latency), requests: s.n, failed: s.failed }));
  let n = 0;
  let requests = 0;
  let failed = 0;
  for (const d of decoded) {
    n += d.h.n;
    requests += d.requests;
    failed += d.failed;
  }
  if (mode === 'slices') return { blocks: blocksOf(decoded, sp, o.maxBlocks), n, requests, failed };
  const cumulative = new Float64Array(sp.value.length);
  for (const d of decoded) d.h.forEachBucket((idx, c) => (cumulative[sp.position.get(idx)!]! += c));
  for (let k = 1; k < cumulative.length; k++) cumulative[k]! += cumulative[k - 1]!;
  return { blocks: [], cumulative, n, requests, failed };
}

/** Both runs' slices grouped by the same instants: block i of each covers the same times (maybe empty on one side). */
function pairedSides(
  a: readonly TimedSlice[],
  b: readonly TimedSlice[],
  sp: Space,
  o: BootstrapOptions,
): [RunSide, RunSide] {
  const times = [...new Set([...a, ...b].map((x) => x.t))].sort((x, y) => x - y);
  const per = Math.max(1, Math.ceil(times.length / o.maxBlocks));
  const groupOf = new Map(times.map((t, i) => [t, Math.floor(i / per)]));
  const groups = Math.ceil(times.length / per);
  const build = (list: readonly TimedSlice[]): RunSide => {
    const byGroup: { h: LogHistogram; requests: number; failed: number }[][] = Array.from({ length: groups }, () => []);
    let n = 0;
    let requests = 0;
    let failed = 0;
    for (const x of list) {
      const h = LogHistogram.decode(x.slice.latency);
      byGroup[groupOf.get(x.t)!]!.push({ h, requests: x.slice.n, failed: x.slice.failed });
      n += h.n;
      requests += x.slice.n;
      failed += x.slice.failed;
    }
    // One block per group: blocksOf with maxBlocks 1 merges a group's slices into one.
    const blocks = byGroup.map(
      (g) =>
        blocksOf(g, sp, 1)[0] ?? { pos: new Int32Array(0), cnt: new Float64Array(0), n: 0, requests: 0, failed: 0 },
    );
    return { blocks, paired: true, n, requests, failed };
  };
  return [build(a), build(b)];
}

/** The block indices of one paired resample: the same instants for both runs. */
function drawIndices(k: number, random: () => number, into: Int32Array): void {
  for (let i = 0; i < k; i++) into[i] = Math.floor(random() * k);
}

/** One resample of one run into `dense`; returns [latency samples, requests, failed]. `drawn`: paired mode's shared indices. */
function resample(
  s: RunSide,
  dense: Float64Array,
  random: () => number,
  o: BootstrapOptions,
  drawn?: Int32Array,
): [number, number, number] {
  dense.fill(0);
  if (s.cumulative) {
    const draws = Math.min(s.n, o.maxDraws);
    const c = s.cumulative;
    for (let i = 0; i < draws; i++) {
      const u = random() * s.n;
      let lo = 0;
      let hi = c.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (c[mid]! > u) hi = mid;
        else lo = mid + 1;
      }
      dense[lo]! += 1;
    }
    // Failures: a binomial draw over the run's requests at its observed rate (normal beyond maxDraws).
    const p = s.requests === 0 ? 0 : s.failed / s.requests;
    let failed = 0;
    if (s.requests <= o.maxDraws) {
      for (let i = 0; i < s.requests; i++) if (random() < p) failed++;
    } else {
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      failed = Math.max(0, Math.round(s.requests * p + z * Math.sqrt(s.requests * p * (1 - p))));
    }
    return [draws, s.requests, failed];
  }
  let n = 0;
  let requests = 0;
  let failed = 0;
  const k = s.blocks.length;
  for (let i = 0; i < k; i++) {
    const b = s.blocks[drawn ? drawn[i]! : Math.floor(random() * k)]!;
    for (let j = 0; j < b.pos.length; j++) dense[b.pos[j]!]! += b.cnt[j]!;
    n += b.n;
    requests += b.requests;
    failed += b.failed;
  }
  return [n, requests, failed];
}

/**
 * The evidence that one step changed between two runs: per quantile and for the error rate, the
 * share of resamples in which the current run is worse, and the interval of the change.
 */
export function stepEvidence(
  baseline: readonly TimedSlice[],
  current: readonly TimedSlice[],
  coverage: number,
  options: Partial<BootstrapOptions> = {},
): StepEvidence {
  const o = { ...DEFAULT_BOOTSTRAP, ...options };
  const a0 = baseline.filter((x) => x.slice.n > 0);
  const b0 = current.filter((x) => x.slice.n > 0);
  const sp = space([...a0, ...b0].map((x) => LogHistogram.decode(x.slice.latency)));
  const ta = new Set(a0.map((x) => x.t));
  const tb = new Set(b0.map((x) => x.t));
  const shared = [...ta].filter((t) => tb.has(t)).length;
  const union = new Set([...ta, ...tb]).size;
  // Side by side: most instants hold both runs.
  const mode: StepEvidence['mode'] =
    union >= o.minBlocks && shared >= 0.5 * union
      ? 'paired'
      : ta.size >= o.minBlocks && tb.size >= o.minBlocks
        ? 'slices'
        : 'requests';
  const [a, b] =
    mode === 'paired'
      ? pairedSides(a0, b0, sp, o)
      : [
          side(
            a0.map((x) => x.slice),
            sp,
            o,
            mode,
          ),
          side(
            b0.map((x) => x.slice),
            sp,
            o,
            mode,
          ),
        ];
  const random = rng(o.seed);
  const da = new Float64Array(sp.value.length);
  const db = new Float64Array(sp.value.length);
  const latency = o.quantiles.map(() => new Float64Array(o.resamples));
  const errors = new Float64Array(o.resamples);
  const shifts = new Float64Array(o.resamples);
  const drawn = mode === 'paired' ? new Int32Array(a.blocks.length) : undefined;
  for (let r = 0; r < o.resamples; r++) {
    if (drawn) drawIndices(drawn.length, random, drawn);
    const [na, ra, fa] = resample(a, da, random, o, drawn);
    const [nb, rb, fb] = resample(b, db, random, o, drawn);
    o.quantiles.forEach((q, i) => {
      latency[i]![r] = quantileOf(db, nb, q, sp) - quantileOf(da, na, q, sp);
    });
    errors[r] = ra === 0 || rb === 0 ? Number.NaN : (100 * fb) / rb - (100 * fa) / ra;
    shifts[r] = probabilitySlower(da, na, db, nb) - 0.5;
  }
  return {
    mode,
    blocks: mode === 'requests' ? [a.n, b.n] : [a.blocks.length, b.blocks.length],
    latency: new Map(o.quantiles.map((q, i) => [q, evidence(latency[i]!, coverage)])),
    errorRate: evidence(errors, coverage),
    shift: evidence(shifts, coverage),
  };
}
