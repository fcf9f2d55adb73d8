import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, chance, rngFor } from '../generators/random.ts';
import { geometricTable, logNormalIntTable, quantilesOf, tableOf, zipfOf } from '../generators/tables.ts';
import { hashString } from '../model/hash.ts';

const draws = (n: number, f: () => number): number[] => Array.from({ length: n }, f);

test('rngFor is a pure function of (seed, stream, index), and indices do not collide', () => {
  const a = draws(
    8,
    (
      (r) => () =>
        r.u32()
    )(rngFor(hashString('7'), 0, 123)),
  );
  const b = draws(
    8,
    (
      (r) => () =>
        r.u32()
    )(rngFor(hashString('7'), 0, 123)),
  );
  assert.deepEqual(a, b);
  const firsts = new Set<number>();
  for (let i = 0; i < 20_000; i++) firsts.add(rngFor(hashString('7'), 0, i).u32());
  // 20,000 draws of 32 bits: a handful of birthday collisions at most, never a shared state.
  assert.ok(firsts.size > 19_990, `only ${firsts.size} distinct first draws`);
  assert.notEqual(
    rngFor(hashString('7'), 0, 2 ** 40).u32(),
    rngFor(hashString('7'), 0, 0).u32(),
    'high bits of the index count',
  );
  assert.notEqual(rngFor(hashString('8'), 0, 5).u32(), rngFor(hashString('7'), 0, 5).u32());
});

test('u32 is uniform enough: byte buckets and mean within tolerance', () => {
  const r = new Rng(1, 2, 3, 4);
  const buckets = new Array<number>(16).fill(0);
  const n = 160_000;
  for (let i = 0; i < n; i++) {
    const u = r.u32();
    assert.ok(u >= 0 && u < 2 ** 32 && Number.isInteger(u));
    buckets[u >>> 28]!++;
  }
  for (const b of buckets) assert.ok(Math.abs(b - n / 16) < 600, `bucket ${b}`);
});

test('int(), below() and hit() stay in range and honour the probability', () => {
  const r = rngFor(1, 0, 0);
  let hits = 0;
  const t = chance(0.3);
  for (let i = 0; i < 50_000; i++) {
    const v = r.int(3, 7);
    assert.ok(v >= 3 && v <= 7 && Number.isInteger(v));
    if (r.hit(t)) hits++;
  }
  assert.ok(Math.abs(hits / 50_000 - 0.3) < 0.01, `hit share ${hits / 50_000}`);
  assert.equal(chance(0), 0);
  assert.equal(chance(1), 2 ** 32);
  assert.ok(!new Rng(5, 6, 7, 8).hit(chance(0)));
  assert.ok(new Rng(5, 6, 7, 8).hit(chance(1)));
});

test('Table draws each outcome with its weight, never a zero-weight one', () => {
  const t = tableOf([1, 0, 3, 6]);
  assert.equal(t.probability(1), 0);
  const r = rngFor(2, 0, 0);
  const counts = [0, 0, 0, 0];
  const n = 100_000;
  for (let i = 0; i < n; i++) counts[t.draw(r)]!++;
  assert.equal(counts[1], 0);
  assert.ok(Math.abs(counts[0]! / n - 0.1) < 0.005);
  assert.ok(Math.abs(counts[2]! / n - 0.3) < 0.008);
  assert.ok(Math.abs(counts[3]! / n - 0.6) < 0.008);
  assert.equal(t.pick(0), 0);
  assert.equal(t.pick(2 ** 32 - 1), 3);
  assert.throws(() => tableOf([0, 0]), /positive weight/);
});

test('ZipfSampler: rank 1 is ten times as popular as rank 10, the tail follows the law within a bucket, s = 0 is uniform', () => {
  const z = zipfOf(5000, 1);
  assert.ok(Math.abs(z.probability(0) / z.probability(9) - 10) < 1e-6);
  assert.ok(z.buckets < 200, `${z.buckets} buckets`);
  let total = 0;
  for (let k = 0; k < 5000; k++) total += z.probability(k);
  assert.ok(Math.abs(total - 1) < 1e-6);
  const exact = (k: number): number => 1 / (k + 1) / 9.0945; // H(5000) ≈ 9.0945
  for (const k of [100, 999, 4000]) assert.ok(Math.abs(z.probability(k) / exact(k) - 1) < 0.07, `rank ${k}`);
  const r = rngFor(9, 0, 0);
  let top = 0;
  let tail = 0;
  for (let i = 0; i < 100_000; i++) {
    const k = z.draw(r);
    assert.ok(k >= 0 && k < 5000);
    if (k === 0) top++;
    if (k >= 2500) tail++;
  }
  assert.ok(Math.abs(top / 100_000 - z.probability(0)) < 0.004, `top ${top}`);
  assert.ok(Math.abs(tail / 100_000 - Math.log(2) / 9.0945) < 0.006, `tail ${tail}`);
  const u = zipfOf(300, 0);
  for (const k of [0, 63, 64, 150, 299]) assert.ok(Math.abs(u.probability(k) - 1 / 300) < 1e-9);
});

test('logNormalIntTable: median near the asked one, truncated to [min, max]', () => {
  const t = logNormalIntTable(20, 0.7, 1, 1000);
  let acc = 0;
  let median = -1;
  for (let i = 0; i < t.size && median < 0; i++) {
    acc += t.probability(i);
    if (acc >= 0.5) median = 1 + i;
  }
  assert.ok(median >= 19 && median <= 21, `median ${median}`);
  const narrow = logNormalIntTable(5000, 1, 100, 1000);
  assert.equal(narrow.size, 901);
  assert.ok(
    narrow.probability(900) > narrow.probability(0),
    'a median above max: truncated, renormalised, rising to max',
  );
  let total = 0;
  for (let i = 0; i < narrow.size; i++) total += narrow.probability(i);
  assert.ok(Math.abs(total - 1) < 1e-9);
  assert.equal(logNormalIntTable(3, 0, 1, 10).probability(2), 1, 'sigma 0 is a point mass');
});

test('geometricTable has the asked mean within truncation', () => {
  const g = geometricTable(1.5, 1000);
  let mean = 0;
  for (let i = 0; i < g.size; i++) mean += (i + 1) * g.probability(i);
  assert.ok(Math.abs(mean - 1.5) < 0.001, `mean ${mean}`);
  assert.equal(geometricTable(1, 10).probability(0), 1);
});

test('QuantileTable draws integers within [min, max] around the median', () => {
  const q = quantilesOf(4000, 0.8, 250, 60_000);
  const r = rngFor(3, 0, 0);
  const xs = draws(20_001, () => q.draw(r)).sort((a, b) => a - b);
  for (const x of [xs[0]!, xs[xs.length - 1]!]) assert.ok(x >= 250 && x <= 60_000 && Number.isInteger(x));
  const med = xs[10_000]!;
  assert.ok(med > 3700 && med < 4300, `median ${med}`);
});
