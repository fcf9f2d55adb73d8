// The seeded randomness of the assembly layer: a tiny PRNG and integer-only draws from precomputed
// tables. Pure and k6-safe (no Node APIs).
//
// Why tables of integers: the same seed must give byte-identical plans in Node (V8) and in k6
// (Sobek, whose Math.log/exp are Go's). Transcendental functions are not guaranteed to agree in the
// last bit across engines, so they are used only once, to build a table whose thresholds are then
// rounded to integers; every per-session draw compares 32-bit integers and nothing else.
import { mix32 } from '../model/hash.ts';

/** 2^32 as a double: uint32 draws are compared against cumulative thresholds on this scale. */
const TWO_32 = 4294967296;

/** sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG): 128 bits of state, passes PractRand. */
export class Rng {
  // `declare` fields (here and in every class of the assembly): assigned in the constructor, not
  // defined by emitted class-field code, which esbuild lowers for k6's target to one
  // Object.defineProperty call per field: dear in an interpreter for objects made per session.
  // The state is public for the few per-item loops that inline u32() and write the state back
  // (a call per draw is dear in an interpreter); everything else calls u32().
  declare a: number;
  declare b: number;
  declare c: number;
  declare d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    // Seeds come through mix32 (full avalanche), so one round is enough to decorrelate them.
    this.u32();
  }

  /** A uniform integer in [0, 2^32). */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [0, n) for 0 < n ≤ 2^32 (multiply-shift: exact in doubles, tiny bias for huge n only). */
  below(n: number): number {
    return Math.floor((this.u32() * n) / TWO_32);
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** True with the probability given as a table threshold (see chance()). */
  hit(threshold: number): boolean {
    return this.u32() < threshold;
  }
}

/** A probability in [0, 1] as a uint32 threshold, so that `rng.hit(chance(p))` is integer-only. */
export function chance(p: number): number {
  if (!(p > 0)) return 0;
  if (p >= 1) return TWO_32;
  return Math.round(p * TWO_32);
}

/**
 * The generator for one (seed, stream, index): independent of every other index, so that any VU,
 * shard or process can make session i alone. `index` may be any safe integer (its high bits count).
 */
export function rngFor(seedHash: number, stream: number, index: number): Rng {
  const lo = index >>> 0;
  const hi = Math.floor(index / TWO_32) >>> 0;
  const k0 = mix32(seedHash ^ mix32(lo + 0x9e3779b9));
  const k1 = mix32(k0 ^ mix32(hi + 0x7f4a7c15) ^ stream);
  const k2 = mix32(k1 + 0x632be59b);
  const k3 = mix32(k2 ^ 0xd1b54a32);
  return new Rng(k0, k1, k2, k3);
}

/**
 * A discrete distribution over 0..n-1 as cumulative uint32 thresholds: draw() is a binary search
 * over integers. Built from weights once (setup cost, not per session).
 */
export class Table {
  /**
   * cum[i] = upper threshold of outcome i; the last is 2^32 (kept in a Float64Array: 2^32 overflows
   * uint32). Read directly by the loops that inline pick().
   */
  declare readonly cum: Float64Array;
  /**
   * guide[g] = the first outcome whose threshold exceeds g·2^24 (Chen and Asau's guide table): a
   * draw starts its search there and usually stops within a step or two.
   */
  declare readonly guide: Uint16Array | Uint32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i] ?? 0;
    if (!(total > 0)) throw new Error('a distribution needs at least one positive weight');
    this.cum = new Float64Array(n);
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += weights[i] ?? 0;
      this.cum[i] = Math.round((acc / total) * TWO_32);
    }
    this.cum[n - 1] = TWO_32;
    // A few outcomes are found as fast by scanning from the first: no guide, less memory per VU.
    this.guide = n <= 8 ? NO_GUIDE : n < 65536 ? new Uint16Array(GUIDE_SIZE) : new Uint32Array(GUIDE_SIZE);
    let i = 0;
    for (let g = 0; g < this.guide.length; g++) {
      while ((this.cum[i] as number) <= g * GUIDE_STEP) i++;
      this.guide[g] = i;
    }
  }

  get size(): number {
    return this.cum.length;
  }

  /** The outcome for one uint32 draw. */
  pick(u: number): number {
    const cum = this.cum;
    let i = this.guide === NO_GUIDE ? 0 : (this.guide[u >>> 24] as number);
    while (u >= (cum[i] as number)) i++;
    return i;
  }

  /** Where u fell inside outcome i's interval (i = pick(u)), as a fraction in [0, 1) scaled by `width`, floored. */
  within(i: number, u: number, width: number): number {
    const lo = i === 0 ? 0 : (this.cum[i - 1] as number);
    return Math.floor(((u - lo) * width) / ((this.cum[i] as number) - lo));
  }

  draw(rng: Rng): number {
    return this.pick(rng.u32());
  }

  /** The probability of outcome i, as the table holds it (for tests and documentation). */
  probability(i: number): number {
    const prev = i === 0 ? 0 : (this.cum[i - 1] as number);
    return ((this.cum[i] as number) - prev) / TWO_32;
  }
}

const GUIDE_SIZE = 256;
const GUIDE_STEP = TWO_32 / GUIDE_SIZE;
const NO_GUIDE = new Uint16Array(0);

/**
 * Zipf-like popularity over n ranks, P(rank k) ∝ 1 / (k + 1)^s (s = 0 is uniform), in a few KB
 * whatever n: the first 64 ranks are exact, then ranks are grouped into buckets about 6% wide,
 * uniform within (the law changes by at most ~6% across one). One table draw picks the bucket, a
 * second draw the rank inside it. A per-rank table would cost 8 bytes a product in every k6 VU.
 */
export class ZipfSampler {
  private declare readonly table: Table;
  /** starts[b] = first rank of bucket b; starts[buckets] = n. */
  private declare readonly starts: Uint32Array;

  declare readonly n: number;

  constructor(n: number, s: number) {
    this.n = n;
    const starts: number[] = [0];
    while ((starts[starts.length - 1] as number) < n) {
      const a = starts[starts.length - 1] as number;
      starts.push(Math.min(n, a < 64 ? a + 1 : Math.floor(a * 1.0625)));
    }
    const weights = new Float64Array(starts.length - 1);
    for (let b = 0; b < weights.length; b++) {
      let w = 0;
      for (let k = starts[b] as number; k < (starts[b + 1] as number); k++) w += 1 / Math.pow(k + 1, s);
      weights[b] = w;
    }
    this.table = new Table(weights);
    this.starts = Uint32Array.from(starts);
  }

  draw(rng: Rng): number {
    // One draw picks the bucket, and where it fell inside the bucket's interval picks the rank.
    const u = rng.u32();
    const b = this.table.pick(u);
    const a = this.starts[b] as number;
    const width = (this.starts[b + 1] as number) - a;
    return width === 1 ? a : a + this.table.within(b, u, width);
  }

  /**
   * Fills `out` with distinct ranks, as draw() would one by one (a taken rank is drawn again up to
   * `maxDraws` times in all, then the next free rank is taken), marking each in `stamp` with `gen`.
   * The PRNG and the table search are inlined: this runs once per item of a large cart.
   */
  drawDistinct(rng: Rng, out: Uint32Array, stamp: Uint8Array, gen: number, maxDraws: number): void {
    const cum = this.table.cum;
    const guide = this.table.guide;
    const starts = this.starts;
    const count = this.n;
    const guided = guide.length > 0;
    let a = rng.a;
    let b = rng.b;
    let c = rng.c;
    let d = rng.d;
    for (let i = 0; i < out.length; i++) {
      let rank: number;
      for (let draws = 1; ; draws++) {
        // rng.u32()
        const t = (((a + b) | 0) + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        c = (c + t) | 0;
        const u = t >>> 0;
        // this.table.pick(u), then within()
        let k = guided ? (guide[u >>> 24] as number) : 0;
        while (u >= (cum[k] as number)) k++;
        const first = starts[k] as number;
        const width = (starts[k + 1] as number) - first;
        if (width === 1) rank = first;
        else {
          const lo = k === 0 ? 0 : (cum[k - 1] as number);
          rank = first + Math.floor(((u - lo) * width) / ((cum[k] as number) - lo));
        }
        if (stamp[rank] !== gen || draws >= maxDraws) break;
      }
      while (stamp[rank] === gen) rank = rank + 1 === count ? 0 : rank + 1;
      stamp[rank] = gen;
      out[i] = rank;
    }
    rng.a = a;
    rng.b = b;
    rng.c = c;
    rng.d = d;
  }

  /** The probability of one rank, as the sampler draws it. */
  probability(rank: number): number {
    let b = 0;
    while ((this.starts[b + 1] as number) <= rank) b++;
    return this.table.probability(b) / ((this.starts[b + 1] as number) - (this.starts[b] as number));
  }

  get buckets(): number {
    return this.table.size;
  }

  /** Every rank's probability, as the sampler draws it (one pass over the buckets). */
  masses(): Float64Array {
    const out = new Float64Array(this.n);
    for (let b = 0; b < this.table.size; b++) {
      const a = this.starts[b] as number;
      const width = (this.starts[b + 1] as number) - a;
      const p = this.table.probability(b) / width;
      for (let k = 0; k < width; k++) out[a + k] = p;
    }
    return out;
  }
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; ample for building tables). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * A log-normal distribution (median, sigma of the log) discretised onto the integers min..max:
 * P(k) = P(k - 0.5 < X ≤ k + 0.5), truncated and renormalised. Index i of the table is k = min + i.
 */
export function logNormalIntTable(median: number, sigma: number, min: number, max: number): Table {
  const mu = Math.log(median);
  const w = new Float64Array(max - min + 1);
  const cdf = (x: number): number => (x <= 0 ? 0 : sigma === 0 ? (x >= median ? 1 : 0) : normalCdf((Math.log(x) - mu) / sigma));
  for (let k = min; k <= max; k++) w[k - min] = cdf(k + 0.5) - cdf(k - 0.5);
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i] as number;
  // A median far outside [min, max] leaves no mass inside: fall back to the nearest bound.
  if (!(total > 0)) w[median < min ? 0 : w.length - 1] = 1;
  return new Table(w);
}

/** A geometric distribution on 1..max with the given mean (≥ 1), truncated and renormalised. */
export function geometricTable(mean: number, max: number): Table {
  const p = mean <= 1 ? 1 : 1 / mean;
  const w = new Float64Array(max);
  let q = 1;
  for (let k = 1; k <= max; k++) {
    w[k - 1] = q * p;
    q *= 1 - p;
  }
  if (p === 1) w[0] = 1;
  return new Table(w);
}

/**
 * Quantiles of a continuous log-normal (in ms) at 256 evenly spaced probabilities, rounded to
 * integers: a draw picks a bucket with the high 8 bits and interpolates with the low 24, in exact
 * integer arithmetic.
 */
export class QuantileTable {
  /** Integers of at most a day in ms: Int32 holds them in half the memory of doubles. */
  private declare q: Int32Array;

  constructor(median: number, sigma: number, min: number, max: number) {
    const q = new Int32Array(257);
    const mu = Math.log(median);
    for (let i = 0; i <= 256; i++) {
      const p = Math.min(Math.max(i / 256, 1e-6), 1 - 1e-6);
      const v = sigma === 0 ? median : Math.exp(mu + sigma * normalQuantile(p));
      q[i] = Math.round(Math.min(Math.max(v, min), max));
    }
    this.q = q;
  }

  /**
   * A table from values at evenly spaced probabilities 0..1 (a learned distribution: q[0] the
   * minimum, q[n] the maximum), resampled onto the 257 points that a draw interpolates between.
   */
  static fromQuantiles(values: ArrayLike<number>): QuantileTable {
    const t = Object.create(QuantileTable.prototype) as QuantileTable;
    const q = new Int32Array(257);
    const n = values.length - 1;
    for (let i = 0; i <= 256; i++) {
      const x = (i * n) / 256;
      const j = Math.min(Math.floor(x), n - 1);
      const lo = values[j] as number;
      const hi = values[j + 1] as number;
      q[i] = Math.round(lo + (hi - lo) * (x - j));
    }
    t.q = q;
    return t;
  }

  draw(rng: Rng): number {
    const u = rng.u32();
    const b = u >>> 24;
    const lo = this.q[b] as number;
    const hi = this.q[b + 1] as number;
    return lo + Math.floor(((hi - lo) * (u & 0xffffff)) / 16777216);
  }
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}
