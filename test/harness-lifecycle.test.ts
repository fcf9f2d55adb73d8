// The harness's lifecycle against a small k6 script shaped like cartload's scenarios: init per VU,
// setup once, iterations over VUs with k6/execution's counters, teardown, thresholds, handleSummary.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createTargetCore } from '../emulator/core/index.ts';
import { K6Test, runK6Bundle, type HarnessResult } from './harness/index.ts';
import { fixtureBundles } from './harness-fixture-bundle.ts';

const fx = fixtureBundles();
after(() => fx.cleanup());

let result: HarnessResult;
const core = createTargetCore();
before(async () => {
  const bundle = await fx.bundle('lifecycle.js');
  result = await runK6Bundle({ bundle, vus: 2, iterations: 5, core, env: { RUN: 'r1' } });
});

function logs(r: HarnessResult): Record<string, unknown>[] {
  return r.console
    .filter((c) => c.message.startsWith('{'))
    .map((c) => JSON.parse(c.message) as Record<string, unknown>);
}

test('every check passes, thresholds hold, and k6 would exit 0', () => {
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.checks, {
    'status is 200': { passes: 10, fails: 0 },
    'state matches': { passes: 10, fails: 0 },
  });
  assert.equal(result.thresholdsOk, true, JSON.stringify(result.thresholds));
  assert.equal(result.thresholds.length, 5);
  assert.equal(result.exitCode, 0);
  assert.deepEqual(result.iterations, { completed: 5, interrupted: 0 });
  assert.deepEqual(result.targetErrors, []);
});

test('each iteration sent its session steps in order, and the target stored them', () => {
  assert.equal(result.requests.length, 10);
  for (let i = 0; i < 5; i++) {
    const mine = result.requests.filter((r) => r.iteration === i);
    assert.deepEqual(
      mine.map((r) => r.tags.step),
      ['open', 'close'],
    );
    assert.deepEqual(
      mine.map((r) => r.path),
      [`/v2/customer_sessions/run-r1-${i}`, `/v2/customer_sessions/run-r1-${i}`],
    );
    assert.equal(mine[0]!.vu, (i % 2) + 1, 'iterations go round-robin over the VUs');
    assert.equal(core.session(`run-r1-${i}`)?.state, 'closed');
  }
  const first = result.requests[0]!;
  assert.deepEqual(first.requestBody, {
    customerSession: { state: 'open', cartItems: [{ sku: 'a', quantity: 2, price: 5 }] },
    responseContent: ['customerSession'],
  });
  assert.equal((first.responseBody as { customerSession: { state: string } }).customerSession.state, 'open');
  assert.equal(first.headers.Authorization, '[redacted]', 'the API key never lands in results');
  assert.equal(first.group, '::lifecycle');
  assert.deepEqual(
    { ...first.tags },
    {
      kind: 'lifecycle',
      group: '::lifecycle',
      scenario: 'lifecycle',
      method: 'PUT',
      url: 'PUT /v2/customer_sessions/{id}',
      name: 'PUT /v2/customer_sessions/{id}',
      status: '200',
      proto: 'HTTP/1.1',
      expected_response: 'true',
      step: 'open',
    },
  );
});

test("__VU, __ITER and k6/execution counters are k6's, and module state is per VU", () => {
  const seen = logs(result).filter((l) => 'vu' in l);
  assert.equal(seen.length, 5);
  assert.deepEqual(
    seen.map((l) => [l.vu, l.iter, l.mine, l.inTest, l.vuIter, l.id]),
    [
      [1, 0, 1, 0, 0, 1],
      [2, 0, 1, 1, 0, 2],
      [1, 1, 2, 2, 1, 1],
      [2, 1, 2, 3, 1, 2],
      [1, 2, 3, 4, 2, 1],
    ],
  );
  for (const l of seen) {
    assert.equal(l.scenario, 'lifecycle');
    assert.equal(l.flag, 'on', "the scenario's env reaches __ENV");
  }
});

test('setup data is JSON round-tripped into each VU: mutations stay in their VU; teardown gets the original', () => {
  assert.deepEqual(result.setupData, { prefix: 'run-r1', startedBy: 0, list: [1, 2, 3] });
  const lengths = logs(result)
    .filter((l) => 'vu' in l)
    .map((l) => [l.vu, l.listLength]);
  assert.deepEqual(lengths, [
    [1, 4],
    [2, 4],
    [1, 5],
    [2, 5],
    [1, 6],
  ]);
  assert.deepEqual(
    logs(result).find((l) => 'teardown' in l),
    { teardown: 'run-r1', listLength: 3 },
  );
});

test('sleep is recorded, not slept', () => {
  assert.equal(result.sleeps.length, 10);
  assert.ok(result.sleeps.every((s) => s.seconds === 0.5));
  assert.ok(result.durationMs >= 5000, 'the test clock counts the recorded sleeps');
});

test('custom metrics and tagged sub-metrics reach the summary', () => {
  const m = result.metrics;
  assert.equal(m.cartload_lifecycles_completed?.values.count, 5);
  assert.equal(m.cartload_lifecycles_completed?.type, 'counter');
  assert.deepEqual(m.cartload_ok?.values, { rate: 1, passes: 10, fails: 0 });
  assert.deepEqual(m.cartload_cart_size?.values, { value: 1, min: 1, max: 1 });
  assert.equal(m.cartload_step_duration?.contains, 'time');
  assert.deepEqual(m['http_req_duration{step:open}']?.thresholds, { 'p(95)<5000': { ok: true } });
  assert.equal(m.http_reqs?.values.count, 10);
  assert.equal(m.iterations?.values.count, 5);
  assert.deepEqual(m.checks?.values, { rate: 1, passes: 20, fails: 0 });
  // As in k6's --out json: bytes and iterations once per iteration, with the iteration's tags.
  for (const metric of ['data_sent', 'data_received', 'iterations']) {
    const samples = result.samples.filter((s) => s.metric === metric);
    assert.equal(samples.length, 5, metric);
    assert.deepEqual({ ...samples[0]!.tags }, { kind: 'lifecycle', group: '', scenario: 'lifecycle' }, metric);
  }
  assert.ok(
    result.samples.filter((s) => s.metric === 'data_sent').every((s) => s.value > 200),
    'two requests with bodies per iteration',
  );
  assert.deepEqual(
    { ...result.samples.find((s) => s.metric === 'checks')!.tags },
    { kind: 'lifecycle', group: '::lifecycle', scenario: 'lifecycle', check: 'status is 200', step: 'open' },
  );
  const kinds = result.samples.filter((s) => s.metric === 'cartload_lifecycles_completed').map((s) => s.tags.kind);
  assert.deepEqual(
    kinds,
    ['checkout', 'checkout', 'checkout', 'checkout', 'checkout'],
    "the add() tags win over the scenario's",
  );
});

test('handleSummary gets the data and its output is returned, not written', () => {
  assert.deepEqual(Object.keys(result.summary).sort(), ['stdout', 'summary.json']);
  assert.equal(result.summary.stdout, 'checks 20\n');
  const data = JSON.parse(result.summary['summary.json']!) as { root_group: { groups: { name: string }[] } };
  assert.equal(data.root_group.groups[0]?.name, 'lifecycle');
  assert.equal(result.summaryError, undefined);
});

test('another run with the same core and prefix continues on the stored sessions', async () => {
  const bundle = await fx.bundle('lifecycle.js', 'lifecycle-again.js');
  const again = await runK6Bundle({ bundle, vus: 1, iterations: 1, core, env: { RUN: 'r1' } });
  // Session run-r1-0 is closed: opening it again is a transition the API refuses.
  assert.equal(again.requests[0]?.status, 400);
  assert.equal(again.exitCode, 99, 'the checks threshold fails');
  assert.equal(again.thresholds.find((t) => t.metric === 'checks')?.ok, false);
});

test('K6Test step by step: iterate() calls continue the iteration indexes and each VU keeps its data', async () => {
  const t = new K6Test({ bundle: await fx.bundle('lifecycle.js', 'lifecycle-steps.js'), env: { RUN: 'steps' } });
  await t.prepare();
  t.addVu();
  t.addVu();
  await t.setup();
  await t.iterate(3, 60_000);
  await t.iterate(2, 60_000);
  const r = await t.finish({ timedOut: false, teardownError: undefined });
  const seen = logs(r).filter((l) => 'vu' in l);
  assert.deepEqual(
    seen.map((l) => [l.inTest, l.vu, l.listLength]),
    [
      [0, 1, 4],
      [1, 2, 4],
      [2, 1, 5],
      [3, 2, 5],
      [4, 1, 6],
    ],
  );
  assert.equal(new Set(r.requests.map((q) => q.path)).size, 5);
  assert.equal(r.metrics.vus?.values.value, 2);
  assert.deepEqual(r.iterations, { completed: 5, interrupted: 0 });
});
