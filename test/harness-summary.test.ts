// handleSummary's data in the harness has the shape of real k6 v2.2's (the reference sample in
// test/fixtures/harness/, copied from k6's own output), and thresholds evaluate as k6 evaluates them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { runK6Bundle } from './harness/index.ts';
import { aggregate, percentile } from './harness/metrics.ts';
import { fixtureBundles } from './harness-fixture-bundle.ts';

const fx = fixtureBundles();
after(() => fx.cleanup());

type Json = Record<string, unknown>;
const reference = JSON.parse(
  readFileSync(new URL('./fixtures/harness/k6-handleSummary-data.sample.json', import.meta.url), 'utf8'),
) as Json;

/** The key structure of a value: objects become sorted key → structure, arrays the structure of their first item. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v !== null && typeof v === 'object') {
    const out: Json = {};
    for (const k of Object.keys(v).sort()) out[k] = shape((v as Json)[k]);
    return out;
  }
  return typeof v;
}

test('the summary data has the structure of real k6 output, metric by metric', async () => {
  // The reference script's shape (reference/k6/facts-script.js), against the harness.
  const bundle = await fx.bundle('lifecycle.js');
  const r = await runK6Bundle({ bundle, vus: 2, iterations: 3 });
  const data = JSON.parse(r.summary['summary.json']!) as Json;
  assert.deepEqual(Object.keys(data).sort(), Object.keys(reference).sort());
  assert.deepEqual(shape(data.options), shape(reference.options));
  assert.deepEqual(shape(data.state), shape(reference.state));
  assert.deepEqual(shape(data.root_group), shape(reference.root_group));
  const mine = data.metrics as Record<string, Json>;
  const theirs = reference.metrics as Record<string, Json>;
  const common = Object.keys(theirs).filter((k) => k in mine);
  // Every metric of the reference run is there, but the reference script's own counter.
  assert.deepEqual(
    Object.keys(theirs).filter((k) => !(k in mine)),
    ['cartload_lifecycles'],
  );
  assert.deepEqual(mine.vus!.values, { value: 2, min: 2, max: 2 });
  for (const k of common) {
    assert.equal(mine[k]!.type, theirs[k]!.type, k);
    assert.equal(mine[k]!.contains, theirs[k]!.contains, k);
    assert.deepEqual(Object.keys(mine[k]!.values as Json).sort(), Object.keys(theirs[k]!.values as Json).sort(), k);
    assert.equal('thresholds' in mine[k]!, 'thresholds' in theirs[k]!, `${k}: thresholds present in both or neither`);
  }
  const check = (data.root_group as { groups: { checks: Json[] }[] }).groups[0]!.checks[0]!;
  assert.deepEqual(Object.keys(check).sort(), ['fails', 'id', 'name', 'passes', 'path']);
  assert.equal(check.id, '919e6f4955ab9149c127b7ff42f0a66d', 'check ids are the MD5 of their path, as in k6');
});

test('trend statistics interpolate percentiles as k6 does, and summaryTrendStats chooses them', async () => {
  const values = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
  const sorted = [...values].sort((a, b) => a - b);
  assert.equal(percentile(sorted, 0.5), 5.5);
  assert.ok(Math.abs(percentile(sorted, 0.9) - 9.1) < 1e-12);
  assert.equal(percentile([7], 0.99), 7);
  assert.equal(percentile([], 0.99), 0);
  assert.deepEqual(aggregate('trend', values, 1000, ['avg', 'min', 'med', 'max', 'count']), {
    avg: 5.5,
    min: 1,
    med: 5.5,
    max: 10,
    count: 10,
  });
  assert.deepEqual(aggregate('counter', [1, 2, 3], 2000, []), { count: 6, rate: 3 });
  assert.deepEqual(aggregate('gauge', [3, 9, 1], 1000, []), { value: 1, min: 1, max: 9 });
  assert.deepEqual(aggregate('rate', [1, 0, 1, 1], 1000, []), { rate: 0.75, passes: 3, fails: 1 });

  const bundle = await fx.bundle(`import { Trend } from 'k6/metrics';
const t = new Trend('cartload_t');
export const options = { summaryTrendStats: ['min', 'p(50)', 'p(99.9)', 'count'], thresholds: { cartload_t: ['p(90)<9.2', 'p(90)>9', 'med==5.5', 'avg<=5.5', 'max<10'] } };
export default function () { t.add(__ITER + 1); }
`);
  const r = await runK6Bundle({ bundle, iterations: 10 });
  assert.deepEqual(Object.keys(r.metrics.cartload_t!.values), ['min', 'p(50)', 'p(99.9)', 'count']);
  assert.equal(r.metrics.cartload_t!.values['p(50)'], 5.5);
  assert.deepEqual(
    r.thresholds.map((t) => [t.expression, t.ok]),
    [
      ['p(90)<9.2', true],
      ['p(90)>9', true],
      ['med==5.5', true],
      ['avg<=5.5', true],
      ['max<10', false],
    ],
  );
  assert.equal(r.exitCode, 99);
  assert.deepEqual(r.summaryData.options.summaryTrendStats, ['min', 'p(50)', 'p(99.9)', 'count']);
});

test('thresholds on tagged sub-metrics, counters and gauges; a rate without samples fails, as in k6', async () => {
  const bundle = await fx.bundle(`import http from 'k6/http';
import { Counter, Gauge } from 'k6/metrics';
const c = new Counter('cartload_c');
const g = new Gauge('cartload_g');
export const options = { thresholds: {
  'http_reqs{step:open}': ['count==2'],
  'http_reqs{step:close}': ['count==0'],
  'http_req_failed{step:open}': ['rate==1'],
  'cartload_c{kind:a}': ['count==3'],
  cartload_g: ['value==7'],
  checks: ['rate==1'],
} };
export default function () {
  http.get(__ENV.TALON_BASE_URL + '/v2/customer_sessions/x', { tags: { step: 'open' } });
  c.add(__ITER === 0 ? 3 : 1, { kind: __ITER === 0 ? 'a' : 'b' });
  g.add(__ITER === 0 ? 9 : 7);
}
`);
  const r = await runK6Bundle({ bundle, iterations: 2 });
  assert.deepEqual(
    r.thresholds.map((t) => [t.metric, t.expression, t.ok]),
    [
      ['http_reqs{step:open}', 'count==2', true],
      ['http_reqs{step:close}', 'count==0', true],
      ['http_req_failed{step:open}', 'rate==1', true],
      ['cartload_c{kind:a}', 'count==3', true],
      ['cartload_g', 'value==7', true],
      ['checks', 'rate==1', false],
    ],
  );
  assert.ok(
    r.metrics['http_reqs{step:close}'],
    'a sub-metric named by a threshold is in the summary even without samples',
  );
  assert.ok(r.metrics.checks, 'so is a metric with thresholds and no samples');
});
