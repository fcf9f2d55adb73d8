// Latency histograms with fixed log-linear buckets, the raw material of every run's percentiles.
//
// Why this encoding: bucket boundaries are a fixed function of the value (not of the data, as in
// t-digest or a sketch with adaptive centroids), so two histograms merge EXACTLY by adding counts
// bucket by bucket, in any order, and the merged percentiles are those of the union of the
// samples up to one bucket's width. Values are whole microseconds; below 256 µs every value has its
// own bucket, above it every power of two is split into 128 equal buckets, so a bucket is at most
// 1/128 (0.78%) of its values wide and a percentile read from it is within 0.4% of the true sample.
// The same scheme as HdrHistogram with 7 bits of sub-bucket precision, without its binary/deflate
// wire format: the JSON form below is readable with any JSON parser and a three-line formula.
// Pure: no Node APIs.

/** Sub-buckets per power of two above the linear range. */
export const SUB_BUCKETS = 128;
const MANTISSA_BITS = 7;
/** Values below this (µs) are counted exactly, one bucket each. */
const LINEAR_LIMIT = 2 * SUB_BUCKETS;
/** The largest value a bucket holds (2^32 − 1 µs ≈ 71.6 min); larger values count here, max keeps the truth. */
export const MAX_RECORDABLE_US = 0xffffffff;

/** The last bucket: the one MAX_RECORDABLE_US falls into. */
export const MAX_INDEX = LINEAR_LIMIT + (31 - 8) * SUB_BUCKETS + SUB_BUCKETS - 1;

/** How results files name this scheme (histogram.scheme). */
export const HISTOGRAM_SCHEME = { scheme: 'log-linear', unit: 'us', subBuckets: SUB_BUCKETS } as const;

/** A histogram as results.json stores it: counts of non-empty buckets, indices delta-encoded. */
export interface EncodedHistogram {
  /** Samples recorded. */
  n: number;
  /** Smallest and largest sample, exact (µs); 0 when n is 0. */
  min: number;
  max: number;
  /** Sum of the samples (µs), for the mean. */
  sum: number;
  /** [index, count, index gap, count, …]: the first index is absolute, then gaps to the next non-empty bucket. */
  b: number[];
}

/** The bucket a value (whole µs, ≥ 0) falls into. */
export function bucketIndex(us: number): number {
  if (us < LINEAR_LIMIT) return us;
  const e = 31 - Math.clz32(us);
  const shift = e - MANTISSA_BITS;
  return LINEAR_LIMIT + (e - 8) * SUB_BUCKETS + ((us >>> shift) - SUB_BUCKETS);
}

/** The smallest value of a bucket, and its width (µs). */
export function bucketRange(index: number): { low: number; width: number } {
  if (index < LINEAR_LIMIT) return { low: index, width: 1 };
  const k = index - LINEAR_LIMIT;
  const e = 8 + Math.floor(k / SUB_BUCKETS);
  const width = 2 ** (e - MANTISSA_BITS);
  return { low: (SUB_BUCKETS + (k % SUB_BUCKETS)) * width, width };
}

const toUs = (us: number): number => {
  if (!(us > 0)) return 0; // negative, NaN: a clock step backwards is not a latency
  const v = Math.round(us);
  return v > MAX_RECORDABLE_US ? MAX_RECORDABLE_US : v;
};

export class LogHistogram {
  n = 0;
  min = 0;
  max = 0;
  sum = 0;
  /** Counts of buckets lo .. lo + counts.length − 1, grown as values arrive (dense: recording is an increment). */
  private counts = new Float64Array(0);
  private lo = 0;

  /** Records one value in microseconds (rounded to whole µs). */
  record(us: number): void {
    const v = toUs(us);
    this.addToBucket(bucketIndex(v), 1);
    if (this.n === 0 || v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.n++;
    this.sum += v;
  }

  recordMs(ms: number): void {
    this.record(ms * 1000);
  }

  private addToBucket(i: number, c: number): void {
    let off = i - this.lo;
    if (off < 0 || off >= this.counts.length) {
      this.grow(i);
      off = i - this.lo;
    }
    this.counts[off]! += c;
  }

  private grow(i: number): void {
    if (this.counts.length === 0) {
      this.lo = Math.max(0, i - 8);
      this.counts = new Float64Array(32);
      return;
    }
    const hi = this.lo + this.counts.length;
    // Grow by at least half again in the direction needed, so a spread of values costs few copies.
    const slack = Math.max(16, this.counts.length >> 1);
    const newLo = i < this.lo ? Math.max(0, i - slack) : this.lo;
    const newHi = i >= hi ? i + slack : hi;
    const next = new Float64Array(newHi - newLo);
    next.set(this.counts, this.lo - newLo);
    this.counts = next;
    this.lo = newLo;
  }

  /** Adds every sample of another histogram (exact: the buckets are the same everywhere). */
  add(other: LogHistogram): this {
    if (other.n === 0) return this;
    other.forEachBucket((i, c) => this.addToBucket(i, c));
    if (this.n === 0 || other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.n += other.n;
    this.sum += other.sum;
    return this;
  }

  forEachBucket(fn: (index: number, count: number) => void): void {
    const c = this.counts;
    for (let k = 0; k < c.length; k++) if (c[k]! > 0) fn(this.lo + k, c[k]!);
  }

  /**
   * The q-quantile (0 < q ≤ 1) in µs by nearest rank: the bucket holding the ⌈q·n⌉-th smallest
   * sample, read at its middle and kept within [min, max]. 0 for an empty histogram.
   */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n - 1e-9));
    if (rank >= this.n) return this.max;
    let seen = 0;
    const c = this.counts;
    for (let k = 0; k < c.length; k++) {
      seen += c[k]!;
      if (seen >= rank) return this.representative(this.lo + k);
    }
    return this.max;
  }

  private representative(index: number): number {
    const { low, width } = bucketRange(index);
    const mid = low + (width - 1) / 2;
    return Math.min(this.max, Math.max(this.min, mid));
  }

  mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }

  /** Samples above a value (µs), counting a bucket that straddles it by the share above. */
  countAbove(us: number): number {
    let above = 0;
    this.forEachBucket((i, count) => {
      const { low, width } = bucketRange(i);
      if (low >= us) above += count;
      else if (low + width > us) above += (count * (low + width - us)) / width;
    });
    return above;
  }

  encode(): EncodedHistogram {
    const b: number[] = [];
    let prev = -1;
    this.forEachBucket((i, c) => {
      b.push(prev < 0 ? i : i - prev, c);
      prev = i;
    });
    return { n: this.n, min: this.min, max: this.max, sum: this.sum, b };
  }

  toJSON(): EncodedHistogram {
    return this.encode();
  }

  clone(): LogHistogram {
    return new LogHistogram().add(this);
  }

  /** Reads an encoded histogram; throws a RangeError naming what is wrong (callers add the file and field). */
  static decode(e: EncodedHistogram): LogHistogram {
    const h = new LogHistogram();
    if (e === null || typeof e !== 'object' || !Array.isArray(e.b) || e.b.length % 2 !== 0)
      throw new RangeError('not a histogram { n, min, max, sum, b: [index, count, …] }');
    let index = -1;
    let total = 0;
    for (let k = 0; k < e.b.length; k += 2) {
      const step = e.b[k]!;
      const count = e.b[k + 1]!;
      if (!Number.isInteger(step) || step < (k === 0 ? 0 : 1) || !Number.isInteger(count) || count < 1)
        throw new RangeError(`b[${k}]: bucket gaps and counts are whole numbers ≥ 1`);
      index = k === 0 ? step : index + step;
      if (index > MAX_INDEX) throw new RangeError(`b[${k}]: bucket ${index} is beyond the last one (${MAX_INDEX})`);
      h.addToBucket(index, count);
      total += count;
    }
    if (total !== e.n) throw new RangeError(`n is ${e.n} but the buckets hold ${total}`);
    for (const k of ['min', 'max', 'sum'] as const)
      if (typeof e[k] !== 'number' || !(e[k] >= 0)) throw new RangeError(`${k} must be a number ≥ 0`);
    h.n = e.n;
    h.min = e.min;
    h.max = e.max;
    h.sum = e.sum;
    return h;
  }
}

/** A fresh histogram holding the union of several. */
export function mergeHistograms(hs: Iterable<LogHistogram>): LogHistogram {
  const out = new LogHistogram();
  for (const h of hs) out.add(h);
  return out;
}
