import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sessionPath, type SessionPlan } from '../model/plan.ts';
import {
  ConfigError,
  DEFAULT_BASE_URL,
  DEFAULT_SLO,
  parseConfig,
  parseStages,
  publicConfig,
  runNamespace,
} from '../scenarios/lib/config.ts';
import { canSendDry, toDryPlan } from '../scenarios/lib/dry.ts';
import {
  capacityScenario,
  capacitySteps,
  openModel,
  PRESET_SHAPES,
  stageAt,
  timeUnitFor,
} from '../scenarios/lib/load.ts';
import { durationMs } from '../model/duration.ts';
import { mergeThresholds, observerThresholds, sloThresholds } from '../scenarios/lib/thresholds.ts';

const rejects = (env: Record<string, string>, variable: string, pattern?: RegExp): void => {
  assert.throws(
    () => parseConfig(env),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.variable, variable);
      assert.match(err.message, new RegExp(`environment variable ${variable}\\b`));
      if (pattern) assert.match(err.message, pattern);
      return true;
    },
  );
};

test('defaults: the local target, seed 1, the SLO, nothing dry', () => {
  const c = parseConfig({});
  assert.equal(c.baseUrl, DEFAULT_BASE_URL);
  assert.equal(c.seed, 1);
  assert.equal(c.dry, false);
  assert.deepEqual(c.slo, DEFAULT_SLO);
  assert.equal(c.resultsDir, 'results');
  assert.equal(c.poolsPath, './pools.json');
  assert.equal(c.rate, undefined);
  assert.equal(c.sessionPrefix, undefined);
});

test('every variable is read and typed', () => {
  const c = parseConfig({
    TALON_BASE_URL: 'https://example.talon.one/',
    TALON_API_KEY: 'secret-key',
    SEED: '42',
    PROFILE: 'big-carts',
    RATE: '2.5',
    DURATION: '1m30s',
    PRE_ALLOCATED_VUS: '5',
    MAX_VUS: '50',
    SESSION_PREFIX: 'ci-123',
    DRY: 'true',
    P95_MS: '250',
    P99_MS: '800',
    ERROR_RATE: '0.05',
    CHECK_RATE: '0.999',
    THINK_SCALE: '0.5',
    MAX_THINK: '5',
    RUN_ID: 'nightly-7',
    RESULTS_DIR: 'out/',
    RUN_DIR: 'out/nightly-7/',
    POOLS: '../my-pools.json',
  });
  assert.equal(c.baseUrl, 'https://example.talon.one');
  assert.equal(c.apiKey, 'secret-key');
  assert.equal(c.seed, 42);
  assert.equal(c.profile, 'big-carts');
  assert.equal(c.rate, 2.5);
  assert.equal(c.duration, '1m30s');
  assert.equal(c.preAllocatedVUs, 5);
  assert.equal(c.maxVUs, 50);
  assert.equal(c.sessionPrefix, 'ci-123');
  assert.equal(c.dry, true);
  assert.deepEqual(c.slo, { p95Ms: 250, p99Ms: 800, errorRate: 0.05 });
  assert.equal(c.checkRate, 0.999);
  assert.equal(c.thinkScale, 0.5);
  assert.equal(c.maxThinkSeconds, 5);
  assert.equal(c.runId, 'nightly-7');
  assert.equal(c.resultsDir, 'out');
  assert.equal(c.runDir, 'out/nightly-7');
  assert.equal(c.poolsPath, '../my-pools.json');
});

test('invalid values fail at init naming the variable', () => {
  rejects({ TALON_BASE_URL: 'localhost:3000' }, 'TALON_BASE_URL', /http\(s\) URL/);
  rejects({ SEED: 'abc' }, 'SEED', /integer/);
  rejects({ RATE: '0' }, 'RATE', /positive/);
  rejects({ RATE: 'fast' }, 'RATE');
  rejects({ DURATION: '10 minutes' }, 'DURATION', /k6 duration/);
  rejects({ VUS: '1.5' }, 'VUS', /positive integer/);
  rejects({ PRE_ALLOCATED_VUS: '10', MAX_VUS: '5' }, 'MAX_VUS', /at least PRE_ALLOCATED_VUS/);
  rejects({ DRY: 'maybe' }, 'DRY');
  rejects({ ERROR_RATE: '5' }, 'ERROR_RATE', /between 0 and 1/);
  rejects({ P95_MS: '-1' }, 'P95_MS');
  rejects({ LOAD: 'heavy' }, 'LOAD', /load, stress, spike, soak/);
  rejects({ STAGES: '10:1m,oops' }, 'STAGES', /item 2/);
  rejects({ STAGES: '[{"target":-1,"duration":"1m"}]' }, 'STAGES', /stage 1/);
  rejects({ STAGES: '[{' }, 'STAGES', /not valid JSON/);
  rejects({ SESSION_PREFIX: 'has space' }, 'SESSION_PREFIX');
  rejects({ RUN_ID: '../escape' }, 'RUN_ID');
  rejects({ STEPS: '0' }, 'STEPS');
  rejects({ STEP_DURATION: 'long' }, 'STEP_DURATION');
  rejects({ THRESHOLDS: '[1]' }, 'THRESHOLDS', /JSON object of metric/);
  rejects({ THRESHOLDS: '{"checks": []}' }, 'THRESHOLDS', /"checks" must have a threshold expression/);
  rejects({ THRESHOLDS: '{' }, 'THRESHOLDS', /not valid JSON/);
});

test('THRESHOLDS adds thresholds: a list, or one expression', () => {
  assert.deepEqual(
    parseConfig({ THRESHOLDS: '{"http_req_duration{step:close}":["p(95)<300","p(99)<600"],"checks":"rate>0.999"}' })
      .thresholds,
    {
      'http_req_duration{step:close}': ['p(95)<300', 'p(99)<600'],
      checks: ['rate>0.999'],
    },
  );
});

test('STAGES accepts JSON and the compact rate:duration form', () => {
  const expected = [
    { target: 10, duration: '1m' },
    { target: 50, duration: '5m' },
    { target: 0, duration: '30s' },
  ];
  assert.deepEqual(parseStages('10:1m, 50:5m,0:30s'), expected);
  assert.deepEqual(parseStages(JSON.stringify(expected)), expected);
  assert.deepEqual(parseConfig({ STAGES: '10:1m,50:5m,0:30s' }).stages, expected);
});

test('the API key never leaves publicConfig', () => {
  const shown = JSON.stringify(publicConfig(parseConfig({ TALON_API_KEY: 'very-secret-123' })));
  assert.doesNotMatch(shown, /very-secret-123/);
  assert.match(shown, /\[redacted\]/);
});

test('runNamespace is a valid, per-run session prefix', () => {
  const a = runNamespace(1_764_000_000_000, () => 0.5);
  assert.match(a, /^cartload-[a-z0-9]+$/);
  assert.notEqual(
    a,
    runNamespace(1_764_000_000_001, () => 0.5),
  );
});

test('openModel: constant arrival rate by default, STAGES or a LOAD preset ramp, VUS a closed model', () => {
  const d = { rate: 2, duration: '2m' };
  const constant = openModel(parseConfig({}), 'run', d);
  assert.equal(constant.executor, 'constant-arrival-rate');
  assert.deepEqual([constant.rate, constant.duration, constant.exec], [2, '2m', 'run']);
  assert.ok((constant.preAllocatedVUs as number) <= (constant.maxVUs as number));

  const staged = openModel(parseConfig({ STAGES: '5:1m,0:10s', MAX_VUS: '30' }), 'run', d);
  assert.equal(staged.executor, 'ramping-arrival-rate');
  assert.deepEqual(staged.stages, [
    { target: 5, duration: '1m' },
    { target: 0, duration: '10s' },
  ]);
  assert.equal(staged.maxVUs, 30);

  for (const preset of Object.keys(PRESET_SHAPES)) {
    const s = openModel(parseConfig({ LOAD: preset, RATE: '4' }), 'run', d);
    assert.equal(s.executor, 'ramping-arrival-rate');
    assert.equal(s.tags?.load, preset);
    const stages = s.stages ?? [];
    assert.ok(
      stages.some((st) => st.target === 4),
      `${preset} holds RATE`,
    );
    assert.equal(stages[stages.length - 1]?.target, 0, `${preset} ramps down`);
  }
  const spike = openModel(parseConfig({ LOAD: 'spike', RATE: '4' }), 'run', d);
  assert.equal(spike.executor, 'ramping-arrival-rate');
  assert.equal(Math.max(...(spike.stages ?? []).map((s) => s.target)), 20, 'a spike is 5× RATE');

  const slow = openModel(parseConfig({ RATE: '0.5' }), 'run', d);
  assert.equal(slow.executor, 'constant-arrival-rate');
  assert.deepEqual([slow.rate, slow.timeUnit], [30, '1m'], 'k6 rates are integers: 0.5/s runs as 30 per minute');
  const slowRamp = openModel(parseConfig({ STAGES: '0.25:1m,1:1m' }), 'run', d);
  assert.equal(slowRamp.executor, 'ramping-arrival-rate');
  assert.deepEqual([slowRamp.timeUnit, slowRamp.stages.map((s) => s.target)], ['1m', [15, 60]]);
  assert.deepEqual([timeUnitFor([1 / 7200]).timeUnit, timeUnitFor([1 / 7200]).per(1 / 7200)], ['1h', 1]);

  const closed = openModel(parseConfig({ VUS: '3', DURATION: '30s' }), 'run', d);
  assert.equal(closed.executor, 'constant-vus');
  assert.deepEqual([closed.vus, closed.duration], [3, '30s']);

  assert.throws(() => openModel(parseConfig({ VUS: '3', RATE: '2' }), 'run', d), /VUS.*RATE/);
  assert.throws(
    () => openModel(parseConfig({ LOAD: 'soak', STAGES: '1:1m' }), 'run', d),
    (e: unknown) => e instanceof ConfigError && e.variable === 'LOAD',
  );
});

test('capacity steps ramp and hold, and stageAt names the step a session starts in', () => {
  const steps = capacitySteps(5, 5, 3, '1m', '10s');
  assert.deepEqual(
    steps.map((s) => s.rate),
    [5, 10, 15],
  );
  const sc = capacityScenario(parseConfig({}), steps, 'capacity');
  assert.equal(sc.executor, 'ramping-arrival-rate');
  assert.deepEqual(
    sc.stages?.map((s) => `${s.target}:${s.duration}`),
    ['5:10s', '5:1m', '10:10s', '10:1m', '15:10s', '15:1m'],
  );
  assert.equal(durationMs('1m30s'), 90_000);
  assert.equal(durationMs('250ms'), 250);
  assert.equal(stageAt(steps, 5_000), 'ramp');
  assert.equal(stageAt(steps, 10_000), '5');
  assert.equal(stageAt(steps, 69_999), '5');
  assert.equal(stageAt(steps, 75_000), 'ramp');
  assert.equal(stageAt(steps, 80_000), '10');
  assert.equal(stageAt(steps, 3 * 70_000 + 1), 'ramp', 'after the last step');
});

test('thresholds: the SLO per step, and observers only where no real threshold keeps the sub-metric', () => {
  const slo = sloThresholds({ p95Ms: 300, p99Ms: 900, errorRate: 0.02 }, 1, ['open', 'close']);
  assert.deepEqual(slo, {
    http_req_failed: ['rate<0.02'],
    checks: ['rate==1'],
    'http_req_duration{step:open}': ['p(95)<300', 'p(99)<900'],
    'http_req_duration{step:close}': ['p(95)<300', 'p(99)<900'],
  });
  assert.deepEqual(sloThresholds(DEFAULT_SLO, 0.99).checks, ['rate>=0.99']);
  const merged = mergeThresholds(slo, observerThresholds(['open', 'close', 'reopen']));
  assert.deepEqual(merged['http_req_duration{step:open}'], ['p(95)<300', 'p(99)<900']);
  assert.deepEqual(merged['http_req_duration{step:reopen}'], ['max>=0']);
  assert.deepEqual(merged['http_req_failed{step:open}'], ['rate!=-1']);
  assert.deepEqual(merged['cartload_lifecycles_completed{kind:checkout}'], ['count>=0']);
});

test('DRY: writes get dry=true; steps that cannot be dry are left out', () => {
  const id = 's1';
  const plan: SessionPlan = {
    sessionId: id,
    kind: 'return',
    steps: [
      { step: 'open', method: 'PUT', path: sessionPath(id), body: {}, expect: 'open', at: 0 },
      {
        step: 'update',
        method: 'PUT',
        path: sessionPath(id),
        body: {},
        expect: 'open',
        at: 1000,
        query: { now: '2030-01-01T00:00:00Z' },
      },
      { step: 'close', method: 'PUT', path: sessionPath(id), body: {}, expect: 'closed', at: 2000 },
      {
        step: 'return',
        method: 'POST',
        path: sessionPath(id, 'returns'),
        body: {},
        expect: 'partially_returned',
        at: 3000,
      },
      { step: 'reopen', method: 'PUT', path: sessionPath(id, 'reopen'), expect: 'open', at: 4000 },
      { step: 'cancel', method: 'PUT', path: sessionPath(id), body: {}, expect: 'cancelled', at: 5000 },
      { step: 'get', method: 'GET', path: sessionPath(id), expect: 'cancelled', at: 6000 },
    ],
  };
  const { plan: dry, skipped } = toDryPlan(plan);
  assert.deepEqual(
    dry.steps.map((s) => s.step),
    ['open', 'update', 'close'],
  );
  for (const s of dry.steps) assert.equal(s.query?.dry, 'true');
  assert.equal(dry.steps[1]?.query?.now, '2030-01-01T00:00:00Z', 'other query parameters stay');
  assert.deepEqual(
    skipped.map((s) => s.step),
    ['return', 'reopen', 'cancel', 'get'],
  );
  assert.equal(plan.steps[0]?.query, undefined, 'the original plan is untouched');
  assert.equal(canSendDry(plan.steps[0] as never), true);
});
