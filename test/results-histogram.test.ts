// The log-linear histogram: bucket bounds, percentiles within the stated precision of the exact
// sample percentile, exact merges, and the JSON encoding.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bucketIndex,
  bucketRange,
  LogHistogram,
  MAX_INDEX,
  MAX_RECORDABLE_US,
  mergeHistograms,
} from '../report/data/histogram.ts';

/** sfc32: a seeded generator, so every run of the test draws the same samples. */
function random(seed: number): () => number {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  return () => {
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
}

/** Latency-like samples in whole µs: log-normal around `medianMs`, with a heavy tail. */
function samples(n: number, seed: number, medianMs: number): number[] {
  const r = random(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    out.push(Math.round(medianMs * 1000 * Math.exp(0.6 * z)));
  }
  return out;
}

/** The exact nearest-rank quantile of a list. */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
}

const histogramOf = (values: number[]): LogHistogram => {
  const h = new LogHistogram();
  for (const v of values) h.record(v);
  return h;
};

/** Half a bucket: the most a bucket's middle can be from any value in it (relative), plus rounding. */
const PRECISION = 1 / 256;

test('every value falls in a bucket that holds it, at most 1/128 of its value wide', () => {
  const values = [0, 1, 255, 256, 257, 511, 512, 1000, 4095, 123_456, 1_000_000, 3_600_000_000, MAX_RECORDABLE_US];
  for (let v = 1; v < 5e9; v = Math.ceil(v * 1.37)) values.push(v > MAX_RECORDABLE_US ? MAX_RECORDABLE_US : v);
  let prev = -1;
  for (const v of values.sort((a, b) => a - b)) {
    const i = bucketIndex(v);
    const { low, width } = bucketRange(i);
    assert.ok(low <= v && v < low + width, `${v} in [${low}, ${low + width})`);
    assert.ok(width === 1 || width / low <= 1 / 128, `bucket of ${v} is ${width} wide from ${low}`);
    assert.ok(i >= prev, 'indices grow with values');
    prev = i;
  }
  assert.equal(bucketIndex(MAX_RECORDABLE_US), MAX_INDEX);
  // Adjacent buckets tile the line without gaps.
  for (let i = 0; i < MAX_INDEX; i++) {
    const a = bucketRange(i);
    assert.equal(a.low + a.width, bucketRange(i + 1).low, `bucket ${i} ends where ${i + 1} starts`);
  }
});

test('percentiles are within half a bucket of the exact nearest-rank sample percentile', () => {
  for (const seed of [1, 2, 3]) {
    const values = samples(20_000, seed, 12);
    const h = histogramOf(values);
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const want = exact(values, q);
      const got = h.quantile(q);
      assert.ok(Math.abs(got - want) <= want * PRECISION + 0.5, `seed ${seed} q ${q}: ${got} vs exact ${want}`);
    }
    assert.equal(h.n, values.length);
    assert.equal(h.min, Math.min(...values));
    assert.equal(h.max, Math.max(...values));
    assert.equal(h.quantile(1), h.max);
    assert.ok(Math.abs(h.mean() - values.reduce((a, b) => a + b, 0) / values.length) < 1e-6);
  }
});

test('merged histograms are the histogram of the union: merged p99 = union p99 within precision', () => {
  // Four "instances" with different speeds, as k6 instances on different machines would be.
  const parts = [samples(5_000, 11, 5), samples(3_000, 12, 9), samples(8_000, 13, 20), samples(200, 14, 80)];
  const merged = mergeHistograms(parts.map(histogramOf));
  const union = parts.flat();
  assert.deepEqual(
    merged.encode(),
    histogramOf(union).encode(),
    'merging is exact: the same buckets as recording every sample into one',
  );
  for (const q of [0.5, 0.95, 0.99]) {
    const want = exact(union, q);
    assert.ok(
      Math.abs(merged.quantile(q) - want) <= want * PRECISION + 0.5,
      `q ${q}: ${merged.quantile(q)} vs ${want}`,
    );
  }
  // Averaging the parts' p99 (what a naive merge does) is far from the truth here.
  const averaged = parts.map((p) => exact(p, 0.99)).reduce((a, b) => a + b, 0) / parts.length;
  assert.ok(
    Math.abs(averaged - exact(union, 0.99)) > exact(union, 0.99) * 0.1,
    'the test data would catch averaged percentiles',
  );
  // Order does not matter.
  assert.deepEqual(mergeHistograms(parts.map(histogramOf).reverse()).encode(), merged.encode());
});

test('the encoding round-trips and is sparse; bad encodings are refused with the reason', () => {
  const h = histogramOf([0, 3, 3, 900, 901, 1_500_000]);
  const e = h.encode();
  assert.deepEqual(e, {
    n: 6,
    min: 0,
    max: 1_500_000,
    sum: 1_500_000 + 1801 + 6,
    b: [0, 1, 3, 2, bucketIndex(900) - 3, 2, bucketIndex(1_500_000) - bucketIndex(900), 1],
  });
  assert.deepEqual(LogHistogram.decode(JSON.parse(JSON.stringify(e))).encode(), e);
  assert.deepEqual(new LogHistogram().encode(), { n: 0, min: 0, max: 0, sum: 0, b: [] });
  assert.throws(() => LogHistogram.decode({ ...e, n: 7 }), /n is 7 but the buckets hold 6/);
  assert.throws(() => LogHistogram.decode({ ...e, b: [0, 1, 0, 2] }), /whole numbers ≥ 1/);
  assert.throws(() => LogHistogram.decode({ ...e, b: [MAX_INDEX + 1, 6] }), /beyond the last one/);
  assert.throws(() => LogHistogram.decode({ ...e, b: [1] }), /not a histogram/);
});

test('negative and huge values are clamped, not lost', () => {
  const h = new LogHistogram();
  h.record(-5);
  h.record(Number.NaN);
  h.record(1e12);
  assert.equal(h.n, 3);
  assert.equal(h.min, 0);
  assert.equal(h.max, MAX_RECORDABLE_US);
});
