// The streaming estimators a recording is folded into: each holds a fixed amount of memory
// whatever the recording's length (a histogram, a bounded sample), so learning a file of any size
// keeps a flat footprint once its sessions are finished.

/** Counts of small non-negative integers (cart sizes, quantities, updates per session, ...); values above `cap` count as `cap`. */
export class Counts {
  private counts: Float64Array;
  total = 0;
  /** How many values were above the cap (and counted at it). */
  over = 0;
  private sum = 0;

  constructor(readonly cap: number) {
    this.counts = new Float64Array(Math.min(cap, 64) + 1);
  }

  add(value: number, n = 1): void {
    let v = Math.max(0, Math.round(value));
    if (v > this.cap) {
      v = this.cap;
      this.over += n;
    }
    if (v >= this.counts.length) {
      const grown = new Float64Array(Math.min(this.cap, Math.max(v, this.counts.length * 2)) + 1);
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[v] = (this.counts[v] as number) + n;
    this.total += n;
    this.sum += v * n;
  }

  get min(): number {
    for (let v = 0; v < this.counts.length; v++) if ((this.counts[v] as number) > 0) return v;
    return 0;
  }

  get max(): number {
    for (let v = this.counts.length - 1; v >= 0; v--) if ((this.counts[v] as number) > 0) return v;
    return 0;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  count(v: number): number {
    return this.counts[v] ?? 0;
  }

  /** The counts of from..to, in order. */
  weights(from: number, to: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v++) out.push(this.count(v));
    return out;
  }

  /** The value below which a share p of the counts lie (the smallest v with CDF(v) ≥ p). */
  quantile(p: number): number {
    const want = p * this.total;
    let acc = 0;
    for (let v = 0; v < this.counts.length; v++) {
      acc += this.counts[v] as number;
      if (acc >= want && acc > 0) return v;
    }
    return this.max;
  }
}

/** Values below this are counted exactly (one bin per integer); above it bins are 1/128 (0.8%) wide. */
const EXACT = 128;
const LOG_STEP = Math.log1p(1 / EXACT);

function binOf(v: number): number {
  return v < EXACT ? Math.floor(v) : EXACT + Math.floor(Math.log(v / EXACT) / LOG_STEP);
}

function binStart(b: number): number {
  return b < EXACT ? b : EXACT * Math.exp((b - EXACT) * LOG_STEP);
}

/**
 * Values that occur often, exactly (Misra-Gries with `k` counters): every value with more than
 * total / (k + 1) occurrences is kept, its count short by at most that much (a lower bound).
 * Amortised O(1) per value: a full table is decremented as a whole, which happens at most once
 * per k additions.
 */
export class FrequentValues {
  readonly counts = new Map<number, number>();
  total = 0;

  constructor(private readonly k = 256) {}

  add(v: number): void {
    this.total++;
    const had = this.counts.get(v);
    if (had !== undefined) this.counts.set(v, had + 1);
    else if (this.counts.size < this.k) this.counts.set(v, 1);
    else {
      for (const [key, c] of this.counts) {
        if (c <= 1) this.counts.delete(key);
        else this.counts.set(key, c - 1);
      }
    }
  }
}

/**
 * A histogram of non-negative values (ms, cents) with exact integer bins below 128 and log-spaced
 * bins 0.8% wide above, plus the frequent exact values (a price that many items share): quantiles
 * to within 0.8% of the value, with every value of 0.5% or more of the total at its exact place,
 * in a few KB whatever the count.
 */
export class LogHistogram {
  private counts = new Float64Array(256);
  private readonly frequent = new FrequentValues();
  total = 0;
  private lo = Infinity;
  private hi = -Infinity;

  add(value: number): void {
    if (!(value >= 0) || !Number.isFinite(value)) return;
    const b = binOf(value);
    if (b >= this.counts.length) {
      const grown = new Float64Array(Math.max(b + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    this.counts[b] = (this.counts[b] as number) + 1;
    this.frequent.add(value);
    this.total++;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
  }

  get min(): number {
    return this.total === 0 ? 0 : this.lo;
  }

  get max(): number {
    return this.total === 0 ? 0 : this.hi;
  }

  /**
   * Values at probabilities 0, 1/n, ..., 1: the exact minimum and maximum at the ends, and inside,
   * the value where the cumulative count crosses p × total. Within a log bin the count is spread
   * evenly, except the frequent values found in it, which are points of their own.
   */
  quantiles(n = 100): number[] {
    const pieces = this.pieces();
    const out: number[] = [];
    for (let i = 0; i <= n; i++) {
      if (i === 0) out.push(this.min);
      else if (i === n) out.push(this.max);
      else out.push(Math.min(this.max, Math.max(this.min, at(pieces, (i / n) * this.total))));
    }
    for (let i = 1; i < out.length; i++) if ((out[i] as number) < (out[i - 1] as number)) out[i] = out[i - 1] as number;
    return out;
  }

  /** The distribution as pieces in value order: spread evenly over [lo, hi), or a point (lo === hi). */
  private pieces(): Piece[] {
    const points = new Map<number, { v: number; c: number }[]>();
    const floor = this.total * 0.005;
    for (const [v, c] of this.frequent.counts) {
      if (c < floor) continue;
      const b = binOf(v);
      const list = points.get(b) ?? [];
      list.push({ v, c });
      points.set(b, list);
    }
    const out: Piece[] = [];
    for (let b = 0; b < this.counts.length; b++) {
      let rest = this.counts[b] as number;
      if (rest === 0) continue;
      if (b < EXACT) {
        out.push({ lo: b, hi: b, c: rest });
        continue;
      }
      const lo = binStart(b);
      const hi = binStart(b + 1);
      const inBin = (points.get(b) ?? []).sort((x, y) => x.v - y.v);
      for (const p of inBin) rest -= Math.min(p.c, rest);
      let from = lo;
      for (const p of inBin) {
        // The even part below the point, then the point.
        out.push({ lo: from, hi: p.v, c: (rest * (p.v - from)) / (hi - lo) });
        out.push({ lo: p.v, hi: p.v, c: p.c });
        from = p.v;
      }
      out.push({ lo: from, hi, c: (rest * (hi - from)) / (hi - lo) });
    }
    return out;
  }
}

interface Piece {
  lo: number;
  hi: number;
  c: number;
}

/** The value where the pieces' cumulative count reaches `want`. */
function at(pieces: Piece[], want: number): number {
  let acc = 0;
  let last = 0;
  for (const p of pieces) {
    if (p.c <= 0) continue;
    last = p.hi;
    if (acc + p.c >= want) return p.lo === p.hi ? p.lo : p.lo + ((p.hi - p.lo) * (want - acc)) / p.c;
    acc += p.c;
  }
  return last;
}

/**
 * A log-normal description of a positive distribution (median, and sigma from the spread between
 * the 16th and 84th percentiles): what the version-1 fields say next to a learned shape.
 */
export function logNormalFit(quantile: (p: number) => number): { median: number; sigma: number } {
  const median = Math.max(quantile(0.5), Number.MIN_VALUE);
  const q16 = quantile(0.1587);
  const q84 = quantile(0.8413);
  const sigma = q16 > 0 && q84 > 0 ? Math.log(q84 / q16) / 2 : 0;
  return { median, sigma: Math.min(5, Math.max(0, sigma)) };
}

/**
 * How many sessions each customer profile had, over a uniform sample of profiles that stays under
 * `cap` entries: a profile is kept when its hash's low `level` bits are zero, and the level rises
 * (halving the sample) whenever the table grows past the cap. The decision depends only on the
 * hash, so a kept profile's count is exact (Gibbons' distinct sampling).
 */
export class DistinctSample {
  private readonly table = new Map<number, number>();
  private level = 0;

  constructor(private readonly cap = 20_000) {}

  /** One session of the profile whose 53-bit key this is. */
  add(key: number): void {
    if ((sampleBits(key) & ((1 << this.level) - 1)) !== 0) return;
    this.table.set(key, (this.table.get(key) ?? 0) + 1);
    if (this.table.size <= this.cap) return;
    this.level++;
    const mask = (1 << this.level) - 1;
    for (const k of this.table.keys()) if ((sampleBits(k) & mask) !== 0) this.table.delete(k);
  }

  /** Sessions per sampled profile, as counts of 1, 2, ... sessions. */
  counts(cap: number): Counts {
    const c = new Counts(cap);
    for (const n of this.table.values()) c.add(n);
    return c;
  }

  /** Profiles held (at most the cap). */
  get size(): number {
    return this.table.size;
  }

  get rate(): number {
    return 1 / 2 ** this.level;
  }
}

/** The sampling hash of a 53-bit key: independent of how the key was made. */
export function sampleBits(key: number): number {
  const lo = key % 4294967296;
  const hi = Math.floor(key / 4294967296);
  let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b) ^ hi;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Counts by name with a bounded number of names (categories, responseContent sets); later names beyond the cap are counted as dropped. */
export class NamedCounts {
  readonly counts = new Map<string, number>();
  dropped = 0;

  constructor(private readonly cap = 1000) {}

  add(name: string, n = 1): void {
    const had = this.counts.get(name);
    if (had === undefined && this.counts.size >= this.cap) {
      this.dropped += n;
      return;
    }
    this.counts.set(name, (had ?? 0) + n);
  }

  /** Names by count, largest first. */
  top(): [string, number][] {
    return [...this.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }
}
