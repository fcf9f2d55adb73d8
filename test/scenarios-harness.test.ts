// The real scenario bundles, run through the k6 harness (a test double of k6: see the README) against
// the local target's in-process core: every check passes, every lifecycle takes its path, DRY stores
// nothing, a refused key stops setup, and handleSummary's files are right.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildScenarios } from '../bundle/index.ts';
import { K6Test, runK6Bundle, validateK6Options, type HarnessRequest, type HarnessResult } from './harness/index.ts';
import { LIFECYCLE_KINDS } from '../model/plan.ts';
import { createPlanner } from '../generators/planner.ts';
import { buildPools, poolsText } from '../generators/pools.ts';
import type { Pools } from '../generators/types.ts';
import type { RunSummary } from '../model/summary.ts';
import { createTargetCore } from '../emulator/core/index.ts';
import { parseXml } from './xml-wellformed.ts';

let dir: string;
const bundle = (name: string): string => join(dir, `${name}.js`);
const KEY = 'harness-test-key';
/** A small catalog beside the bundles, for tests where the pools play no part: each VU 0 init parses the pools file, and the build's is 1.6 MB. */
const SMALL_POOLS = 'small-pools.json';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-scenarios-'));
  // The bundles ship pools about a tenth of the default size: every run's VU 0 parses them, and no test
  // here depends on their size (big-carts' hundreds of items draw from a few hundred products).
  const shipped = join(dir, 'shipped-pools.json');
  await writeFile(
    shipped,
    poolsText(
      buildPools({
        seed: 3,
        sizes: { products: 500, validCoupons: 200, loyaltyCards: 1000, profileIds: 2000, cities: 50 },
      }),
    ),
  );
  await buildScenarios({ outDir: dir, pools: shipped });
  await writeFile(
    join(dir, SMALL_POOLS),
    poolsText(buildPools({ seed: 3, sizes: { products: 20, profileIds: 10, loyaltyCards: 10 } })),
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function assertAllChecksPassed(r: HarnessResult): void {
  assert.deepEqual(r.errors, [], 'no iteration threw');
  assert.deepEqual(r.targetErrors, [], 'the target raised no exception');
  assert.deepEqual(r.failedChecks.slice(0, 3), [], 'no check failed');
  assert.ok(Object.keys(r.checks).length > 0);
}

/** Requests of the iterations (not setup), grouped by session ID in order. */
function bySession(requests: HarnessRequest[]): Map<string, HarnessRequest[]> {
  const sessions = new Map<string, HarnessRequest[]>();
  for (const r of requests) {
    if (r.phase !== 'iteration') continue;
    const id = decodeURIComponent(r.path.split('/')[3] ?? '');
    const list = sessions.get(id) ?? [];
    list.push(r);
    sessions.set(id, list);
  }
  return sessions;
}

const stateOf = (r: HarnessRequest): string | undefined =>
  (r.responseBody as { customerSession?: { state?: string } } | undefined)?.customerSession?.state;

test('every scenario and load preset has options k6 accepts', async () => {
  const variants: Record<string, string>[] = [
    {},
    { LOAD: 'load' },
    { LOAD: 'stress', RATE: '7' },
    { LOAD: 'spike' },
    { LOAD: 'soak', DURATION: '4h' },
    { STAGES: '5:1m,20:2m,0:10s', MAX_VUS: '40' },
    { VUS: '3', DURATION: '30s' },
    { RATE: '0.5', PRE_ALLOCATED_VUS: '2', MAX_VUS: '4' },
  ];
  for (const name of ['smoke', 'lifecycle', 'capacity', 'big-carts', 'dry-run']) {
    for (const env of name === 'smoke' || name === 'capacity'
      ? [{}, { RATE: '3', RATE_STEP: '2', STEPS: '4', STEP_DURATION: '30s' }]
      : variants) {
      // The options come from the variables, not the pools: a small POOLS file keeps 34 inits cheap.
      const t = new K6Test({
        bundle: bundle(name),
        env: { ...env, POOLS: `./${SMALL_POOLS}` },
        validateOptions: false,
      });
      await t.prepare();
      const exports = Object.keys(t.vu0.exports).filter((k) => typeof t.vu0.exports[k] === 'function');
      const o = t.state.options as {
        scenarios?: Record<string, { executor: string }>;
        thresholds?: Record<string, string[]>;
      };
      assert.equal(Object.keys(o.scenarios ?? {}).length, 1, `${name}: one scenario`);
      assert.ok(Object.keys(o.thresholds ?? {}).length > 10, `${name}: thresholds`);
      assert.deepEqual(
        validateK6Options(t.state.options, { exports, metrics: t.state.metrics.types() }),
        [],
        `${name} ${JSON.stringify(env)}`,
      );
      for (const fn of ['setup', 'teardown', 'handleSummary']) assert.ok(exports.includes(fn), `${name} exports ${fn}`);
      // k6 takes the options from VU 0's init only; the other VUs skip building them.
      assert.equal(JSON.stringify(t.addVu().exports.options), '{}');
    }
  }
});

test('smoke walks every lifecycle kind once through its states, every check passing', async () => {
  const core = createTargetCore();
  const r = await runK6Bundle({
    bundle: bundle('smoke'),
    iterations: LIFECYCLE_KINDS.length,
    core,
    apiKey: KEY,
    env: { RUN_ID: 'smoke-test' },
  });
  assert.equal(r.exitCode, 0, JSON.stringify(r.thresholds.filter((t) => !t.ok)));
  assertAllChecksPassed(r);
  assert.equal(r.requests[0]?.phase, 'setup');
  assert.equal(r.requests[0]?.status, 404, 'the health check asks for a session that does not exist');
  assert.deepEqual(
    r.sleeps.filter((s) => s.seconds > 0),
    [],
    'smoke has no think time',
  );

  const sessions = bySession(r.requests);
  assert.equal(sessions.size, LIFECYCLE_KINDS.length);
  for (const id of sessions.keys())
    assert.match(id, /^cartload-smoke-test-1-\d$/, 'RUN_ID names the session namespace');
  const byKind = new Map([...sessions.values()].map((reqs) => [reqs[0]?.tags.kind as string, reqs]));
  assert.deepEqual([...byKind.keys()].sort(), [...LIFECYCLE_KINDS].sort(), 'each kind exactly once');
  for (const [kind, reqs] of byKind) {
    for (const q of reqs) {
      assert.equal(q.status, 200, `${kind} ${q.tags.step}`);
      assert.equal(q.tags.kind, kind);
      assert.ok(q.tags.name?.includes('/v2/customer_sessions/{id}'), 'tagged with the endpoint, not the URL');
    }
  }
  const path = (kind: string): string =>
    (byKind.get(kind) ?? [])
      .map((q) => `${q.tags.step}${stateOf(q) ? `=${stateOf(q)}` : ''}`)
      .join(' ')
      .replace(/( update=open)+/g, ' update=open…');
  const ends = (kind: string, pattern: RegExp): void => assert.match(path(kind), pattern, `${kind}: ${path(kind)}`);
  ends('browse', /^open=open( update=open…)?( get=open)?$/);
  ends('checkout', /^open=open( update=open…)? close=closed( get=closed)?$/);
  ends('checkout_cancel', /^open=open( update=open…)? close=closed cancel=cancelled( get=cancelled)?$/);
  ends('cancel_before_checkout', /^open=open( update=open…)? cancel=cancelled( get=cancelled)?$/);
  ends(
    'return',
    /^open=open( update=open…)? close=closed( return=partially_returned)+ cancel=cancelled( get=cancelled)?$/,
  );
  ends('reopen', /^open=open( update=open…)? close=closed reopen update=open… close=closed( get=closed)?$/);
  ends('dry', /^(dry(=open)? ?)+$/);
  for (const q of byKind.get('dry') ?? []) assert.equal(q.query.dry, 'true');
  const stats = core.stats();
  assert.equal(stats.transitions['closed->open'], 1, 'the reopen really reopened');
  assert.ok((stats.transitions['closed->partially_returned'] ?? 0) >= 1);

  const files = r.summary;
  assert.deepEqual(Object.keys(files).sort(), [
    'results/smoke-test-junit.xml',
    'results/smoke-test-k6-summary.json',
    'results/smoke-test-summary.json',
    'results/smoke-test-summary.txt',
    'stdout',
  ]);
  const summary = JSON.parse(files['results/smoke-test-summary.json'] as string) as RunSummary;
  assert.equal(summary.engine, 'k6');
  assert.equal(summary.scenario, 'smoke');
  assert.equal(summary.runId, 'smoke-test');
  assert.equal(summary.requests.total, r.requests.length);
  assert.equal(summary.requests.failed, 0);
  assert.equal(summary.requests.byStatus['404'], 1);
  assert.equal(summary.sessions.started, 7);
  assert.equal(summary.sessions.completed, 7);
  for (const kind of LIFECYCLE_KINDS) assert.deepEqual(summary.sessions.byKind[kind], { completed: 1, failed: 0 });
  assert.equal(summary.requests.byStep.close?.count, r.requests.filter((q) => q.tags.step === 'close').length);
  assert.equal(summary.requests.byEndpoint['PUT /v2/customer_sessions/{id}/reopen']?.count, 1);
  assert.ok(summary.checks && summary.checks.fails === 0 && summary.checks.passes > 0);
  assert.ok(summary.thresholds && summary.thresholds.length > 0 && summary.thresholds.every((t) => t.ok));
  assert.equal(summary.options.apiKey, '[redacted]');
  const junit = parseXml(files['results/smoke-test-junit.xml'] as string);
  assert.equal(junit.attrs.failures, '0');
  assert.equal(Number(junit.attrs.tests), Object.keys(r.checks).length + (summary.thresholds?.length ?? 0));
  assert.match(files.stdout as string, /all thresholds passed/);
  for (const text of Object.values(files)) assert.doesNotMatch(text, new RegExp(KEY));
  for (const q of r.requests) assert.doesNotMatch(JSON.stringify(q.tags), new RegExp(KEY));
});

test('lifecycle runs the profile mix across VUs with think times, every check passing', async () => {
  const r = await runK6Bundle({
    bundle: bundle('lifecycle'),
    vus: 3,
    iterations: 40,
    apiKey: KEY,
    env: { MAX_THINK: '2' },
  });
  assert.equal(r.exitCode, 0);
  assertAllChecksPassed(r);
  const sessions = bySession(r.requests);
  assert.equal(sessions.size, 40, 'one session per iteration, IDs unique across VUs');
  assert.ok(new Set([...sessions.values()].map((s) => s[0]?.tags.kind)).size >= 4, 'a mix of kinds');
  assert.ok(
    r.sleeps.length > 0 && r.sleeps.every((s) => s.seconds > 0 && s.seconds <= 2),
    'think times, capped by MAX_THINK',
  );
  const ids = [...sessions.keys()];
  const prefix = (r.setupData as { sessionPrefix: string }).sessionPrefix;
  assert.ok(
    ids.every((id) => id.startsWith(`${prefix}-1-`)),
    'IDs in the run namespace',
  );
});

test('PROFILE names a JSON profile file beside the bundle, and SESSION_PREFIX fixes the IDs', async () => {
  await writeFile(
    join(dir, 'three-items.json'),
    JSON.stringify({
      extends: 'default',
      lifecycles: {
        browse: 0,
        checkout: 1,
        checkout_cancel: 0,
        cancel_before_checkout: 0,
        return: 0,
        reopen: 0,
        dry: 0,
      },
      cart: { items: { median: 3, sigma: 0, min: 3, max: 3 } },
      updates: { min: 0, max: 0 },
      getShare: 0,
    }),
  );
  const r = await runK6Bundle({
    bundle: bundle('lifecycle'),
    iterations: 5,
    apiKey: KEY,
    env: { PROFILE: './three-items.json', SESSION_PREFIX: 'ci-run', SEED: '9', THINK_SCALE: '0' },
  });
  assert.equal(r.exitCode, 0);
  assertAllChecksPassed(r);
  const sessions = bySession(r.requests);
  assert.deepEqual([...sessions.keys()].sort(), ['ci-run-9-0', 'ci-run-9-1', 'ci-run-9-2', 'ci-run-9-3', 'ci-run-9-4']);
  for (const reqs of sessions.values()) {
    assert.deepEqual(
      reqs.map((q) => q.tags.step),
      ['open', 'close'],
      'checkout only, no updates',
    );
    const cart = (reqs[1]?.requestBody as { customerSession: { cartItems: unknown[] } } | undefined)?.customerSession
      .cartItems;
    assert.equal(cart?.length, 3);
  }
  await assert.rejects(
    runK6Bundle({ bundle: bundle('lifecycle'), apiKey: KEY, env: { PROFILE: './missing-profile.json' } }),
    /environment variable PROFILE names a file that cannot be opened/,
  );
});

test('a VU plans from the preset compiled into pools.json, or compiles a profile once per test: the same plans as Node either way', async () => {
  const pools = JSON.parse(await readFile(join(dir, 'pools.json'), 'utf8')) as Record<string, unknown>;
  const { planModels: _shipped, ...bare } = pools;
  await writeFile(join(dir, 'bare-pools.json'), JSON.stringify(bare));
  const node = createPlanner({
    pools: bare as unknown as Pools,
    profile: 'coupon-heavy',
    seed: 5,
    sessionPrefix: 'same',
  });
  for (const env of [{}, { POOLS: './bare-pools.json' }]) {
    const r = await runK6Bundle({
      bundle: bundle('lifecycle'),
      vus: 2,
      iterations: 6,
      apiKey: KEY,
      env: { ...env, PROFILE: 'coupon-heavy', SEED: '5', SESSION_PREFIX: 'same', THINK_SCALE: '0' },
    });
    assertAllChecksPassed(r);
    const sessions = bySession(r.requests);
    for (let i = 0; i < 6; i++) {
      const plan = node.plan(i);
      const sent = sessions.get(plan.sessionId) ?? [];
      assert.deepEqual(
        sent.map((q) => q.requestBody),
        plan.steps.map((st) => st.body),
        `${JSON.stringify(env)} session ${i}`,
      );
    }
  }
  // The shipped model is what the VUs use: one that never draws a coupon gives sessions without any.
  const models = (pools.planModels as { name: string; couponT: number }[]).map((m) =>
    m.name === 'coupon-heavy' ? { ...m, couponT: 0 } : m,
  );
  await writeFile(join(dir, 'no-coupon-pools.json'), JSON.stringify({ ...pools, planModels: models }));
  const r = await runK6Bundle({
    bundle: bundle('lifecycle'),
    iterations: 20,
    apiKey: KEY,
    env: { POOLS: './no-coupon-pools.json', PROFILE: 'coupon-heavy', THINK_SCALE: '0' },
  });
  const writes = r.requests.filter((q) => q.phase === 'iteration' && q.method === 'PUT' && q.requestBody);
  assert.ok(writes.length > 20);
  assert.ok(
    writes.every(
      (q) =>
        (q.requestBody as { customerSession?: { couponCodes?: unknown } }).customerSession?.couponCodes === undefined,
    ),
  );
});

test('big-carts sends carts of hundreds of items and passes every check', async () => {
  const r = await runK6Bundle({
    bundle: bundle('big-carts'),
    vus: 2,
    iterations: 4,
    apiKey: KEY,
    env: { THINK_SCALE: '0' },
  });
  assert.equal(r.exitCode, 0);
  assertAllChecksPassed(r);
  const sizes = r.requests
    .filter(
      (q) =>
        q.method === 'PUT' &&
        (q.requestBody as { customerSession?: { cartItems?: unknown[] } } | undefined)?.customerSession?.cartItems,
    )
    .map((q) => (q.requestBody as { customerSession: { cartItems: unknown[] } }).customerSession.cartItems.length);
  assert.ok(Math.max(...sizes) >= 100, `largest cart ${Math.max(...sizes)}`);
});

test('dry-run sends every write dry and stores nothing', async () => {
  const core = createTargetCore();
  const r = await runK6Bundle({
    bundle: bundle('dry-run'),
    vus: 2,
    iterations: 30,
    core,
    apiKey: KEY,
    env: { THINK_SCALE: '0' },
  });
  assert.equal(r.exitCode, 0);
  assertAllChecksPassed(r);
  const writes = r.requests.filter((q) => q.phase === 'iteration');
  assert.ok(writes.length >= 30);
  for (const q of writes) {
    assert.notEqual(q.method, 'GET');
    assert.equal(q.query.dry, 'true', `${q.method} ${q.path}`);
    assert.ok(!q.path.endsWith('/reopen') && !q.path.endsWith('/returns'));
  }
  const stats = core.stats();
  assert.equal(stats.sessionsStored, 0);
  assert.equal(stats.sessionsCreated, 0);
  assert.equal(stats.dryRuns, writes.length);
  const summary = JSON.parse(r.summary['results/dry-run-summary.json'] as string) as RunSummary;
  assert.equal(summary.sessions.completed, 30);
});

test('DRY=1 makes every write of the lifecycle scenario dry', async () => {
  const core = createTargetCore();
  const r = await runK6Bundle({
    bundle: bundle('lifecycle'),
    iterations: 25,
    core,
    apiKey: KEY,
    env: { DRY: '1', THINK_SCALE: '0' },
  });
  assert.equal(r.exitCode, 0);
  assertAllChecksPassed(r);
  const sent = r.requests.filter((x) => x.phase === 'iteration');
  for (const q of sent) {
    assert.equal(q.query.dry, 'true');
    assert.equal(q.method, 'PUT', 'reopen, returns and reads are left out');
    assert.ok(!q.path.endsWith('/reopen'));
  }
  assert.equal(core.stats().sessionsStored, 0);
  const kinds = new Set(sent.map((q) => q.tags.kind));
  assert.ok(kinds.has('checkout') || kinds.has('return'), 'the mix includes lifecycles with steps DRY leaves out');
  assert.ok((r.metrics.cartload_dry_skipped_steps?.values.count ?? 0) > 0, 'left-out steps are counted');
});

test('a refused API key or an unreachable target fails setup with a message that says which', async () => {
  await assert.rejects(
    runK6Bundle({ bundle: bundle('smoke'), iterations: 1, apiKey: KEY, env: { TALON_API_KEY: 'wrong-key' } }),
    /setup\(\) failed: cartload: the target http:\/\/127\.0\.0\.1:3000 refused the API key \(HTTP 401\); check TALON_API_KEY/,
  );
  await assert.rejects(
    runK6Bundle({ bundle: bundle('smoke'), iterations: 1, apiKey: KEY, env: { TALON_API_KEY: '' } }),
    /TALON_API_KEY is not set/,
  );
  await assert.rejects(
    runK6Bundle({ bundle: bundle('smoke'), iterations: 1, apiKey: KEY, env: { TALON_BASE_URL: 'http://127.0.0.1:9' } }),
    /setup\(\) failed: cartload: the target http:\/\/127\.0\.0\.1:9 is unreachable/,
  );
});

test('bad configuration stops the script at init, naming the variable', async () => {
  await assert.rejects(
    runK6Bundle({ bundle: bundle('lifecycle'), apiKey: KEY, env: { RATE: 'fast' } }),
    /environment variable RATE must be a positive number/,
  );
  await assert.rejects(
    runK6Bundle({ bundle: bundle('lifecycle'), apiKey: KEY, env: { PROFILE: 'nope' } }),
    /environment variable PROFILE .*unknown preset "nope"/,
  );
  await assert.rejects(
    runK6Bundle({ bundle: bundle('lifecycle'), apiKey: KEY, env: { POOLS: './missing.json' } }),
    /cannot open the pools file \.\/missing\.json/,
  );
});

test('a failing step fails its session, skips the rest and crosses the checks threshold (exit 99)', async () => {
  let n = 0;
  const r = await runK6Bundle({
    bundle: bundle('smoke'),
    iterations: LIFECYCLE_KINDS.length,
    apiKey: KEY,
    // The target answers the third session write with a 409, as Talon.One does for parallel requests.
    onRequest: (req) =>
      req.method !== 'GET' && ++n === 3
        ? { status: 409, body: { message: 'Too many requests are updating this session at the same time' } }
        : undefined,
  });
  assert.equal(r.exitCode, 99);
  const failed = new Set(r.failedChecks.map((c) => c.name));
  assert.ok([...failed].some((c) => c.endsWith(': status 200')));
  assert.ok([...failed].some((c) => c.endsWith(': answer as expected')));
  // The 409 is counted by step and kind (VU tags), and in summary.json below.
  assert.equal(r.metrics['cartload_conflicts']?.values.count, 1);
  const conflict = r.samples.find((x) => x.metric === 'cartload_conflicts');
  assert.ok(conflict?.tags.step && conflict.tags.kind, JSON.stringify(conflict?.tags));
  const summary = JSON.parse(r.summary['results/smoke-summary.json'] as string) as RunSummary;
  assert.equal(summary.requests.conflicts409, 1);
  assert.equal(summary.requests.byStatus['409'], 1);
  assert.equal(summary.sessions.failed, 1);
  assert.equal(summary.sessions.completed, 6);
  assert.ok(summary.thresholds?.some((t) => t.metric === 'checks' && !t.ok));
  const junit = parseXml(r.summary['results/smoke-junit.xml'] as string);
  assert.ok(Number(junit.attrs.failures) >= 2);
  assert.match(r.summary.stdout as string, /FAIL threshold checks: rate==1/);
});

test('THRESHOLDS adds to the gate: a crossed one fails the run and shows in JUnit; a malformed one is refused as k6 would', async () => {
  const r = await runK6Bundle({
    bundle: bundle('smoke'),
    iterations: LIFECYCLE_KINDS.length,
    apiKey: KEY,
    env: { THRESHOLDS: '{"http_reqs":["count<5"]}' },
  });
  assert.equal(r.exitCode, 99);
  assertAllChecksPassed(r);
  const junit = parseXml(r.summary['results/smoke-junit.xml'] as string);
  const failed = junit.children
    .flatMap((suite) => suite.children)
    .filter((c) => c.children.some((f) => f.name === 'failure'));
  assert.deepEqual(
    failed.map((c) => c.attrs.name),
    ['http_reqs: count<5'],
  );
  await assert.rejects(
    runK6Bundle({ bundle: bundle('smoke'), apiKey: KEY, env: { THRESHOLDS: '{"http_req_duration":["p95<100"]}' } }),
    /exit code 104[\s\S]*p95<100/,
  );
});

test('capacity tags every request with its stage and reports the steps', async () => {
  const r = await runK6Bundle({
    bundle: bundle('capacity'),
    vus: 2,
    iterations: 10,
    apiKey: KEY,
    env: { THINK_SCALE: '0', RATE: '2', STEPS: '3' },
  });
  assert.equal(r.exitCode, 0);
  assertAllChecksPassed(r);
  // The harness does not pace: every session starts within the first ramp.
  for (const q of r.requests.filter((x) => x.phase === 'iteration')) assert.equal(q.tags.stage, 'ramp');
  assert.ok(r.metrics['http_req_duration{stage:2}'], 'a sub-metric per step for the capacity report');
  assert.ok(
    r.metrics['cartload_start_lag{stage:2}'] && r.metrics['cartload_answered{answered_in:2}'],
    "the generator's lateness and the answers by their time, per step",
  );
  assert.ok(r.metrics['cartload_start_lag'] !== undefined, "sessions' start lateness is recorded");
  assert.match(r.summary.stdout as string, /capacity: no probe finished: nothing to report/);
  const file = JSON.parse(r.summary['results/capacity-capacity.json'] as string) as {
    steps: { rate: number }[];
    probes: unknown[];
  };
  assert.deepEqual(
    file.steps.map((s) => s.rate),
    [2, 4, 6],
    'capacity.json keeps the steps, to read the probes again from k6-summary.json',
  );
  assert.deepEqual(file.probes, []);
});

test('capacity with WARMUP starts at its first rate and holds it before the step is measured (a cartload capacity probe)', async () => {
  const r = await runK6Bundle({
    bundle: bundle('capacity'),
    vus: 1,
    iterations: 1,
    apiKey: KEY,
    env: {
      THINK_SCALE: '0',
      RATE: '30',
      RATE_STEP: '30',
      STEPS: '1',
      WARMUP: '5s',
      STEP_DURATION: '10s',
      GRACEFUL_STOP: '3s',
    },
  });
  assert.equal(r.exitCode, 0);
  const sc = (r.options.scenarios as Record<string, { startRate: number; stages: unknown[]; gracefulStop: string }>)
    .capacity!;
  assert.equal(sc.startRate, 30);
  assert.deepEqual(sc.stages, [
    { target: 30, duration: '5s' },
    { target: 30, duration: '10s' },
  ]);
  assert.equal(sc.gracefulStop, '3s');
  assert.ok(
    r.options.thresholds && 'http_req_duration{stage:30,half:2}' in (r.options.thresholds as object),
    'each half of the hold is kept apart, for the trend',
  );
});
