// Building the assembly's tables: distributions from weights, the Zipf popularity of products and
// the think-time quantiles, written into a table buffer in the layouts that Table, ZipfSampler and
// QuantileTable (random.ts) read. Transcendental functions are used only here, once per table, and
// every threshold is rounded to an integer, so that draws compare integers only and give the same
// plans in Node (V8) and in k6 (Sobek, whose Math.log/exp are Go's). For the presets this runs at
// build time (pools.json carries the result); a k6 VU only reads tables. Pure and k6-safe.
import { QuantileTable, Table, TWO_32, ZipfSampler } from './random.ts';

const GUIDE_SIZE = 256;
/**
 * Up to this many outcomes a scan from the first is short enough (the tables with that few
 * outcomes put their mass up front): no guide, and 2 KB less in every k6 VU.
 */
const GUIDE_FROM = 64;
const GUIDE_STEP = TWO_32 / GUIDE_SIZE;

/** Appends a table of these weights to `out` (a table buffer being built); returns where it starts. */
export function writeTable(out: number[], weights: ArrayLike<number>): number {
  const at = out.length;
  const n = weights.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += weights[i] ?? 0;
  if (!(total > 0)) throw new Error('a distribution needs at least one positive weight');
  const guideLength = n <= GUIDE_FROM ? 0 : GUIDE_SIZE;
  out.push(n, guideLength);
  const base = out.length;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += weights[i] ?? 0;
    out.push(Math.round((acc / total) * TWO_32));
  }
  out[base + n - 1] = TWO_32;
  let i = 0;
  for (let g = 0; g < guideLength; g++) {
    while ((out[base + i] as number) <= g * GUIDE_STEP) i++;
    out.push(i);
  }
  return at;
}

/** Appends the popularity of n ranks with Zipf exponent s; returns where it starts. */
export function writeZipf(out: number[], n: number, s: number): number {
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
  const at = out.length;
  out.push(n, weights.length, ...starts);
  writeTable(out, weights);
  return at;
}

/** Appends the 257 quantiles of a log-normal (median, sigma of the log) clamped to [min, max]. */
export function writeQuantiles(out: number[], median: number, sigma: number, min: number, max: number): number {
  const at = out.length;
  const mu = Math.log(median);
  for (let i = 0; i <= 256; i++) {
    const p = Math.min(Math.max(i / 256, 1e-6), 1 - 1e-6);
    const v = sigma === 0 ? median : Math.exp(mu + sigma * normalQuantile(p));
    out.push(Math.round(Math.min(Math.max(v, min), max)));
  }
  return at;
}

/**
 * Appends 257 quantiles resampled from learned values at evenly spaced probabilities 0..1 (q[0]
 * the minimum, q[n] the maximum): the layout QuantileTable draws from. Returns where they start.
 */
export function writeResampledQuantiles(out: number[], values: ArrayLike<number>): number {
  const at = out.length;
  const n = values.length - 1;
  for (let i = 0; i <= 256; i++) {
    const x = (i * n) / 256;
    const j = Math.min(Math.floor(x), n - 1);
    const lo = values[j] as number;
    const hi = values[j + 1] as number;
    out.push(Math.round(lo + (hi - lo) * (x - j)));
  }
  return at;
}

/**
 * Learned weights of from..(from + length - 1) re-cut to [min, max] (a catalog smaller than the
 * carts): the outcomes outside drop out, and all the mass on the last one when none is left.
 */
export function truncatedWeights(weights: readonly number[], from: number, min: number, max: number): Float64Array {
  const w = new Float64Array(max - min + 1);
  let total = 0;
  for (let k = min; k <= max; k++) total += w[k - min] = weights[k - from] ?? 0;
  if (!(total > 0)) w[w.length - 1] = 1;
  return w;
}

/** A table of its own (Node callers and tests): a buffer holding just it. */
export function tableOf(weights: ArrayLike<number>): Table {
  const out: number[] = [];
  writeTable(out, weights);
  return new Table(Float64Array.from(out), 0);
}

export function zipfOf(n: number, s: number): ZipfSampler {
  const out: number[] = [];
  writeZipf(out, n, s);
  return new ZipfSampler(Float64Array.from(out), 0);
}

export function quantilesOf(median: number, sigma: number, min: number, max: number): QuantileTable {
  const out: number[] = [];
  writeQuantiles(out, median, sigma, min, max);
  return new QuantileTable(Float64Array.from(out), 0);
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; ample for building tables). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/**
 * A log-normal distribution (median, sigma of the log) discretised onto the integers min..max:
 * P(k) = P(k - 0.5 < X ≤ k + 0.5), truncated and renormalised. Index i of the weights is k = min + i.
 */
export function logNormalIntWeights(median: number, sigma: number, min: number, max: number): Float64Array {
  const mu = Math.log(median);
  const w = new Float64Array(max - min + 1);
  const cdf = (x: number): number =>
    x <= 0 ? 0 : sigma === 0 ? (x >= median ? 1 : 0) : normalCdf((Math.log(x) - mu) / sigma);
  for (let k = min; k <= max; k++) w[k - min] = cdf(k + 0.5) - cdf(k - 0.5);
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i] as number;
  // A median far outside [min, max] leaves no mass inside: fall back to the nearest bound.
  if (!(total > 0)) w[median < min ? 0 : w.length - 1] = 1;
  return w;
}

export function logNormalIntTable(median: number, sigma: number, min: number, max: number): Table {
  return tableOf(logNormalIntWeights(median, sigma, min, max));
}

/** A geometric distribution on 1..max with the given mean (≥ 1), truncated and renormalised. */
export function geometricWeights(mean: number, max: number): Float64Array {
  const p = mean <= 1 ? 1 : 1 / mean;
  const w = new Float64Array(max);
  let q = 1;
  for (let k = 1; k <= max; k++) {
    w[k - 1] = q * p;
    q *= 1 - p;
  }
  if (p === 1) w[0] = 1;
  return w;
}

export function geometricTable(mean: number, max: number): Table {
  return tableOf(geometricWeights(mean, max));
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
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
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}
