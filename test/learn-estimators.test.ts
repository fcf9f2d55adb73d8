// The streaming estimators cartload learn folds a recording into: each bounded in memory, each
// accurate to what it promises.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Counts, DistinctSample, FrequentValues, LogHistogram } from '../learn/estimators.ts';
import { key53 } from '../learn/digest.ts';
import { normalQuantile } from '../generators/tables.ts';

test('Counts: exact counts up to the cap, values above it counted at the cap', () => {
  const c = new Counts(10);
  for (const v of [0, 1, 1, 3, 12, 500]) c.add(v);
  assert.deepEqual(c.weights(0, 10), [1, 2, 0, 1, 0, 0, 0, 0, 0, 0, 2]);
  assert.deepEqual([c.total, c.over, c.min, c.max], [6, 2, 0, 10]);
  assert.equal(c.quantile(0.5), 1);
});

test('LogHistogram: small integers exactly, larger values within 1%, frequent values at their exact place', () => {
  const small = new LogHistogram();
  for (let v = 0; v < 100; v++) small.add(v);
  assert.deepEqual(small.quantiles(4), [0, 24, 49, 74, 99]);
  // A log-normal sample (median 4000, sigma 0.8): every percentile within 1% of the exact one.
  const h = new LogHistogram();
  const values: number[] = [];
  for (let i = 0; i < 50_000; i++)
    values.push(Math.round(Math.exp(Math.log(4000) + 0.8 * normalQuantile((i + 0.5) / 50_000))));
  for (const v of values) h.add(v);
  const q = h.quantiles(100);
  for (let p = 1; p < 100; p++) {
    const exact = values[Math.ceil((p / 100) * values.length) - 1] as number;
    assert.ok(Math.abs((q[p] as number) / exact - 1) <= 0.01, `percentile ${p}: ${q[p]} vs ${exact}`);
  }
  // A price that 7% of items share is a run of equal percentiles, not smeared over its bin.
  const prices = new LogHistogram();
  for (let i = 0; i < 10_000; i++) prices.add(i % 100 < 7 ? 4184 : 1000 + ((i * 7919) % 9000));
  const pq = prices.quantiles(100);
  assert.ok(pq.filter((v) => v === 4184).length >= 6, `runs of 4184: ${pq.join(',')}`);
});

test('FrequentValues keeps every value of more than 1/(k+1) of the total', () => {
  const f = new FrequentValues(16);
  for (let i = 0; i < 20_000; i++) f.add(i % 10 === 0 ? 7 : i);
  assert.ok((f.counts.get(7) ?? 0) >= 2000 - 20_000 / 17, `count of 7: ${f.counts.get(7)}`);
  assert.ok(f.counts.size <= 16);
});

test('DistinctSample: a bounded uniform sample of profiles, each with its exact session count', () => {
  const sample = new DistinctSample(1000);
  // 20,000 profiles: profile i has 1 + (i mod 4) sessions, seen interleaved.
  for (let round = 0; round < 4; round++)
    for (let i = 0; i < 20_000; i++) if (i % 4 >= round) sample.add(key53(`customer-${i}`));
  assert.ok(sample.size <= 1000, `held ${sample.size}`);
  assert.ok(sample.rate < 1);
  const c = sample.counts(10);
  for (let k = 1; k <= 4; k++)
    assert.ok(Math.abs(c.count(k) / c.total - 0.25) < 0.05, `share with ${k} sessions: ${c.count(k) / c.total}`);
  assert.equal(c.max, 4);
});
