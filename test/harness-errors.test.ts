// Failures in the harness as k6 has them: an iteration that throws is recorded and the test goes
// on; a failing check counts; test.abort() stops the test (exit 108); scripts that k6 would not
// start (init throws, bad options, unknown modules, Node APIs) are refused with the reason.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { K6_EXIT, runK6Bundle } from './harness/index.ts';
import { fixtureBundles } from './harness-fixture-bundle.ts';

const fx = fixtureBundles();
after(() => fx.cleanup());

test('throwing iterations are recorded, the others run, and failing checks count', async () => {
  const bundle = await fx.bundle('errors.js');
  const r = await runK6Bundle({ bundle, vus: 2, iterations: 6 });
  assert.deepEqual(
    r.errors.map((e) => [e.iteration, e.vu, e.message]),
    [
      [1, 2, 'boom in iteration 1'],
      [2, 1, 'failed on purpose'],
      [3, 2, "Cannot read properties of undefined (reading 'c')"],
    ],
  );
  assert.match(r.errors[0]!.stack ?? '', /boom in iteration 1/);
  // Stacks point into the script's source (through the bundle's source map), as k6 reports them.
  assert.match(r.errors[0]!.stack ?? '', /test\/fixtures\/harness\/errors\.js:14:\d+/);
  assert.deepEqual(r.iterations, { completed: 6, interrupted: 0 }, 'k6 counts an iteration that threw as run');
  assert.equal(r.requests.length, 6);
  assert.deepEqual(r.checks, { found: { passes: 0, fails: 6 }, answered: { passes: 6, fails: 0 } });
  assert.ok(!Object.keys(r.checks).includes('throws inside'), 'a check whose callback throws records nothing');
  assert.equal(r.failedChecks.length, 6);
  assert.deepEqual(
    {
      name: r.failedChecks[0]!.name,
      vu: r.failedChecks[0]!.vu,
      iteration: r.failedChecks[0]!.iteration,
      probe: r.failedChecks[0]!.tags.probe,
      check: r.failedChecks[0]!.tags.check,
    },
    { name: 'found', vu: 1, iteration: 0, probe: 'iteration-0', check: 'found' },
  );
  // 6 of 12 checks passed: rate 0.5 is not > 0.5.
  assert.deepEqual(r.metrics.checks?.values, { rate: 0.5, passes: 6, fails: 6 });
  assert.deepEqual(r.thresholds, [{ metric: 'checks', expression: 'rate>0.5', ok: false, abortOnFail: false }]);
  assert.equal(r.exitCode, K6_EXIT.thresholdsFailed);
  assert.ok(
    r.console.some((c) => c.level === 'error' && c.message.includes('boom in iteration 1')),
    'the exception is logged as k6 logs it',
  );
  assert.ok(r.console.some((c) => c.message === 'teardown ran'));
});

test('test.abort() stops the test: no more iterations, teardown still runs, exit code 108', async () => {
  const bundle = await fx.bundle('errors.js', 'errors-abort.js');
  const r = await runK6Bundle({ bundle, iterations: 10, env: { ABORT_AT: '4' } });
  assert.deepEqual(r.aborted, { reason: 'test aborted: enough', byThreshold: false });
  assert.deepEqual(r.iterations, { completed: 4, interrupted: 1 });
  assert.equal(r.requests.length, 5);
  assert.equal(r.exitCode, K6_EXIT.scriptAborted);
  assert.ok(r.console.some((c) => c.message === 'teardown ran'));
});

test('a threshold with abortOnFail stops the test early with exit code 99', async () => {
  const bundle = await fx.bundle(`import http from 'k6/http';
export const options = { thresholds: { http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: true }] } };
export default function () { http.get(__ENV.TALON_BASE_URL + '/v2/customer_sessions/none'); }
`);
  const r = await runK6Bundle({ bundle, iterations: 20 });
  assert.equal(r.iterations.completed, 1, 'the first 401 crosses the threshold');
  assert.equal(r.aborted?.byThreshold, true);
  assert.match(
    r.aborted?.reason ?? '',
    /thresholds on metrics 'http_req_failed' were crossed; at least one has abortOnFail enabled/,
  );
  assert.equal(r.exitCode, K6_EXIT.thresholdsFailed);
});

test('a script that k6 would not start is refused with the reason', async () => {
  const cases: [string, RegExp][] = [
    [
      `throw new Error('bad config: TALON_BASE_URL');\nexport default function () {}`,
      /init of VU 0 failed: bad config: TALON_BASE_URL/,
    ],
    [
      `export const options = { thresholds: { http_req_duration: ['p95<100'] } };\nexport default function () {}`,
      /exit code 104[\s\S]*failed parsing threshold expression's "p95<100" left hand side; reason: failed parsing method from expression/,
    ],
    [
      `export const options = { scenarios: { a: { executor: 'constant-arrival-rate', rate: 1, duration: '5s' } } };\nexport default function () {}`,
      /scenario a has configuration errors: the number of preAllocatedVUs isn't specified/,
    ],
    [
      `export const options = { scenarios: { a: { executor: 'per-vu-iterations', exec: 'nope' } } };\nexport default function () {}`,
      /executor a: function 'nope' not found in exports/,
    ],
    [
      `export const options = { thresholds: { cartload_unknown: ['count>1'] } };\nexport default function () {}`,
      /no metric name "cartload_unknown" found/,
    ],
    [
      `import ws from 'k6/ws';\nexport default function () { return ws; }`,
      /k6\/ws is not emulated by the cartload k6 harness/,
    ],
    [`const pid = process.pid;\nexport default function () { return pid; }`, /process is not defined/],
  ];
  for (const [source, re] of cases) {
    const bundle = await fx.bundle(source);
    await assert.rejects(runK6Bundle({ bundle }), re, source);
  }
});

test("metrics follow k6's rules: declared in init only, valid names, one type per name, numbers only", async () => {
  const late = await runK6Bundle({
    bundle: await fx.bundle(`import { Trend } from 'k6/metrics';\nexport default function () { new Trend('late'); }`),
  });
  assert.equal(late.errors[0]?.message, 'metrics must be declared in the init context');
  await assert.rejects(
    runK6Bundle({
      bundle: await fx.bundle(
        `import { Trend } from 'k6/metrics';\nnew Trend('bad-name');\nexport default function () {}`,
      ),
    }),
    /Invalid metric name: 'bad-name'/,
  );
  await assert.rejects(
    runK6Bundle({
      bundle: await fx.bundle(
        `import { Trend, Counter } from 'k6/metrics';\nnew Trend('x');\nnew Counter('x');\nexport default function () {}`,
      ),
    }),
    /metric 'x' already exists but with type trend, instead of counter/,
  );
  const nan = await runK6Bundle({
    bundle: await fx.bundle(
      `import { Trend } from 'k6/metrics';\nconst t = new Trend('t');\nexport default function () { console.log(String(t.add('abc'))); t.add(3); }`,
    ),
  });
  assert.deepEqual(
    nan.console.map((c) => [c.level, c.message]),
    [
      ['warn', "'NaN' is an invalid value for metric 't', a number or a boolean value is expected"],
      ['log', 'false'],
    ],
  );
  assert.equal(nan.metrics.t?.values.avg, 3);
});

test('an endless loop fails its iteration (or the init) at callTimeoutMs instead of hanging the tests', async () => {
  const loop = await runK6Bundle({
    bundle: await fx.bundle(
      `export default function () { if (__ITER === 0) { for (;;) { /* endless */ } } console.log('iteration ' + __ITER); }`,
    ),
    iterations: 2,
    callTimeoutMs: 300,
  });
  assert.deepEqual(
    loop.errors.map((e) => e.message),
    ['iteration of VU 1 ran longer than 300 ms (callTimeoutMs): an endless loop?'],
  );
  assert.deepEqual(
    loop.console.map((c) => c.message).filter((m) => /^iteration \d+$/.test(m)),
    ['iteration 1'],
    'the VU goes on after it',
  );
  await assert.rejects(
    runK6Bundle({
      bundle: await fx.bundle(`while (true) { /* endless */ }\nexport default function () {}`),
      callTimeoutMs: 300,
    }),
    /init of VU 0 failed: the init code of VU 0 ran longer than 300 ms/,
  );
});

test('setup() that throws stops the test before any iteration', async () => {
  const bundle = await fx.bundle(
    `export function setup() { throw new Error('target unreachable'); }\nexport default function () {}`,
  );
  await assert.rejects(runK6Bundle({ bundle }), /setup\(\) failed: target unreachable/);
});

test('requests, checks and groups are refused in the init context, as in k6', async () => {
  const cases: [string, RegExp][] = [
    [
      `import http from 'k6/http';\nhttp.get('http://127.0.0.1:3000/');\nexport default function () {}`,
      /Making requests in the init context is not supported/,
    ],
    [
      `import { check } from 'k6';\ncheck(1, { one: () => true });\nexport default function () {}`,
      /using check\(\) in the init context is not supported/,
    ],
    [
      `import { group } from 'k6';\ngroup('g', () => 1);\nexport default function () {}`,
      /using group\(\) in the init context is not supported/,
    ],
    [
      `import exec from 'k6/execution';\nconst id = exec.vu.idInTest;\nexport default function () { return id; }`,
      /getting VU information in the init context is not supported/,
    ],
  ];
  for (const [source, re] of cases) {
    await assert.rejects(runK6Bundle({ bundle: await fx.bundle(source) }), re, source);
  }
  const sep = await runK6Bundle({
    bundle: await fx.bundle(`import { group } from 'k6';\nexport default function () { group('a::b', () => 1); }`),
  });
  assert.equal(sep.errors[0]?.message, "group and check names may not contain '::'");
});
