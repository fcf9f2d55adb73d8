// Running a learned profile: the profile format's version 2 fields and their validation, what-if
// edits (--set, PROFILE_SET), RATE_SCALE turned into stages that both engines follow, the Node
// engine pacing sessions by stages, and a real run of a learned profile at a scaled arrival curve.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { editProfile, SHORTHANDS } from '../generators/profile-edit.ts';
import {
  PROFILE_VERSION,
  ProfileError,
  resolveProfile,
  type ProfileInput,
  type TrafficProfile,
} from '../generators/profiles.ts';
import { createPlanner } from '../generators/planner.ts';
import { buildPools } from '../generators/pools.ts';
import { learnProfile } from '../learn/index.ts';
import { runScenario } from '../orchestrate/run.ts';
import { CartloadError } from '../model/errors.ts';
import { formatProfile } from '../orchestrate/learn.ts';
import { ConfigError, parseConfig } from '../scenarios/lib/config.ts';
import { durationMs } from '../model/duration.ts';
import { stageStarts } from '../scenarios/lib/load.ts';
import { applyRateScale, curveStages } from '../scenarios/lib/rate-scale.ts';

const NO_K6 = { PATH: '/nonexistent', K6_BIN: '', TALON_BASE_URL: '', TALON_API_KEY: '' };
/**
 * The lifecycle gate's latency limits, out of reach: these runs prove the shape of the traffic, and
 * on a busy machine a second's stall of this process is the 99th percentile of a few hundred
 * requests.
 */
const NO_LATENCY_GATE = { P95_MS: '600000', P99_MS: '600000' };
const gateSaid = (r: { message?: string; summary?: { thresholds?: unknown } }): string =>
  `${r.message ?? ''} ${JSON.stringify(r.summary?.thresholds)}`;
const EXPORT = new URL('../examples/session-export.csv', import.meta.url).pathname;

let dir: string;
let learnedFile: string;
let learned: TrafficProfile;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-learn-run-'));
  learnedFile = join(dir, 'learned.json');
  const r = await learnProfile({ file: EXPORT });
  await writeFile(learnedFile, formatProfile(r.profile));
  learned = resolveProfile(r.profile);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('version 2 fields validate by field; a newer version is refused; version-1 files read as before', () => {
  const cases: [ProfileInput, RegExp][] = [
    [{ version: 3 }, /^profile\.version: 3 is newer than this cartload reads \(2\)/],
    [
      { cart: { items: { min: 1, max: 3, weights: [1, 2] } } },
      /^profile\.cart\.items\.weights: must hold 3 values, has 2$/,
    ],
    [
      { cart: { quantity: { max: 2, weights: [0, 0] } } },
      /^profile\.cart\.quantity\.weights: at least one weight must be > 0$/,
    ],
    [{ updates: { min: 0, max: 1, weights: [1, -1] } }, /^profile\.updates\.weights\.1: must be ≥ 0$/],
    [{ thinkTimeMs: { quantiles: [200, 300] } }, /^profile\.thinkTimeMs\.quantiles\.0: must be ≥ 250$/],
    [{ thinkTimeMs: { quantiles: [400, 300] } }, /^profile\.thinkTimeMs\.quantiles\.1: must be ≥ the value before it/],
    [
      { thinkTimeMs: { transitions: { 'open>nap': [300, 400] } } },
      /^profile\.thinkTimeMs\.transitions\.open>nap: the key must be two steps/,
    ],
    [{ cart: { categories: {} } }, /^profile\.cart\.categories: must name 1 to 1000 categories$/],
    [
      { profiles: { sessionsPerProfile: { weights: [1], window: 0 } } },
      /^profile\.profiles\.sessionsPerProfile\.window: must be ≥ 1$/,
    ],
    [
      { arrival: { bucketMinutes: 7, sessionsPerSecond: [], start: 0 } },
      /^profile\.arrival\.bucketMinutes: must divide a day/,
    ],
    [
      { arrival: { bucketMinutes: 720, sessionsPerSecond: [null, 1], start: 0 } },
      /^profile\.arrival\.start: bucket 0 has no recorded rate$/,
    ],
    [
      { dry: { campaigns: { min: 0, max: 1, weights: [1, 1] } } } as ProfileInput,
      /^profile\.dry\.campaigns\.weights: unknown field/,
    ],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => resolveProfile(input),
      (err: Error) => err instanceof ProfileError && message.test(err.message),
      JSON.stringify(input),
    );
  }
  assert.equal(PROFILE_VERSION, 2);
  const v1 = resolveProfile({ coupons: { sessionShare: 0.4 } });
  assert.equal(v1.cart.items.weights, undefined);
  assert.equal(v1.arrival, undefined);
  // A null removes a learned shape; the parametric one takes over.
  const noWeights = resolveProfile({
    ...learned,
    cart: { ...learned.cart, items: { ...learned.cart.items, weights: null } },
  } as unknown as ProfileInput);
  assert.equal(noWeights.cart.items.weights, undefined);
});

test('a learned shape is what the planner draws from: weights of cart sizes and counts, quantiles per transition', () => {
  const pools = buildPools({ seed: 1, sizes: { products: 100, profileIds: 50 } });
  const profile = resolveProfile({
    lifecycles: { browse: 0, checkout: 1, checkout_cancel: 0, cancel_before_checkout: 0, return: 0, reopen: 0, dry: 0 },
    cart: { items: { min: 2, max: 4, weights: [1, 0, 3] }, quantity: { max: 3, weights: [0, 1, 0] } },
    updates: { min: 1, max: 3, weights: [0, 0, 1] },
    thinkTimeMs: { quantiles: [1000, 1000], transitions: { 'update>close': [7000, 7000] } },
    getShare: 0,
  });
  const planner = createPlanner({ pools, profile, seed: 3 });
  const sizes = new Set<number>();
  for (let i = 0; i < 300; i++) {
    const plan = planner.plan(i);
    assert.deepEqual(
      plan.steps.map((s) => s.step),
      ['open', 'update', 'update', 'update', 'close'],
    );
    assert.deepEqual(
      plan.steps.map((s) => s.at),
      [0, 1000, 2000, 3000, 10_000],
      'open>update falls back to the overall quantiles; update>close has its own',
    );
    const cart = (plan.steps[4]!.body as { customerSession: { cartItems: { quantity: number }[] } }).customerSession
      .cartItems;
    sizes.add(cart.length);
    assert.ok(cart.every((item) => item.quantity === 2));
  }
  assert.deepEqual([...sizes].sort(), [2, 4]);
});

test("what-if edits: named keys, field paths, a kind's share, scales; errors name the edit and the field", () => {
  assert.equal(editProfile(learned, ['couponShare=0.8']).coupons.sessionShare, 0.8);
  const half = editProfile(learned, ['checkoutShare=0.5']);
  const total = Object.values(half.lifecycles).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(half.lifecycles.checkout / total - 0.5) < 1e-9);
  assert.ok(
    Math.abs(half.lifecycles.browse / half.lifecycles.reopen - learned.lifecycles.browse / learned.lifecycles.reopen) <
      1e-9,
    'the others keep their proportions',
  );
  const bigger = editProfile(learned, ['cartScale=2']);
  assert.deepEqual([bigger.cart.items.min, bigger.cart.items.max, bigger.cart.items.weights], [2, 4, [3, 0, 2]]);
  assert.deepEqual(editProfile(learned, ['priceScale=2']).cart.prices?.slice(0, 1), [19.98]);
  const slower = editProfile(learned, ['thinkTimeScale=0.5']);
  assert.equal(slower.thinkTimeMs.min, learned.thinkTimeMs.min / 2);
  assert.equal(slower.thinkTimeMs.quantiles?.[0], learned.thinkTimeMs.min / 2);
  // Editing a parameter that a learned shape stands for drops the shape.
  const uniform = editProfile(learned, ['updates.max=4']);
  assert.deepEqual(uniform.updates, { min: 0, max: 4 });
  assert.equal(editProfile(learned, ['responseContent=["customerSession","coupons"]']).responseContent.length, 2);
  const fails: [string, RegExp][] = [
    ['couponShare=1.5', /^--set couponShare=1\.5: profile\.coupons\.sessionShare: must be ≤ 1$/],
    ['couponShare=lots', /^--set couponShare=lots: must be a number$/],
    ['nope.deep=1', /^--set nope\.deep=1: unknown key \(named keys: couponShare,/],
    ['coupons.colour=1', /^--set coupons\.colour=1: profile\.coupons\.colour: unknown field/],
    ['couponShare', /^--set couponShare: expected key=value/],
    ['dryShare=2', /^--set dryShare=2: must be a share between 0 and 1$/],
  ];
  for (const [edit, message] of fails)
    assert.throws(
      () => editProfile(learned, [edit]),
      (err: Error) => err instanceof ProfileError && message.test(err.message),
      edit,
    );
  assert.throws(() => editProfile(resolveProfile('default'), ['priceScale=2']), /has no learned prices/);
  assert.ok(Object.keys(SHORTHANDS).includes('cancelBeforeCheckoutShare'));
});

test('stageStarts: session i starts where the arrivals reach i, ramps integrated as k6 ramps its rate', () => {
  const flat = stageStarts([{ target: 2, duration: '10s' }], 2);
  assert.deepEqual([0, 1, 2, 19, 20].map(flat.startMs), [0, 500, 1000, 9500, 10_000]);
  assert.equal(flat.startMs(21), Infinity);
  assert.equal(flat.durationMs, 10_000);
  // A ramp from 0 to 4/s over 10 s: 20 sessions, the i-th at √(i × 5) s.
  const ramp = stageStarts([{ target: 4, duration: '10s' }]);
  for (const i of [1, 5, 20]) assert.ok(Math.abs(ramp.startMs(i) - Math.sqrt(i * 5) * 1000) < 1e-6, `session ${i}`);
  const gap = stageStarts([
    { target: 1, duration: '1ms' },
    { target: 1, duration: '10s' },
    { target: 0, duration: '1ms' },
    { target: 0, duration: '5s' },
    { target: 1, duration: '1ms' },
    { target: 1, duration: '5s' },
  ]);
  assert.ok(gap.startMs(10) < 10_002);
  assert.ok(gap.startMs(11) > 15_000, 'nothing starts while the rate is 0');
  assert.equal(gap.peak, 1);
});

test('curveStages and applyRateScale: the recorded curve × the scale, from where it was recorded, for its recorded length', () => {
  const arrival = {
    bucketMinutes: 60,
    sessionsPerSecond: [...Array(24)].map((_, h) => (h >= 9 && h < 12 ? h - 8 : null)),
    start: 9,
  };
  const stages = curveStages(arrival, 5, 60, 9, 3 * 60_000);
  const ms = stages.reduce((s, x) => s + durationMs(x.duration), 0);
  assert.equal(ms, 180_000, 'three hours at 60× last three minutes');
  const arrivals = stageStarts(stages);
  // 5 × (1 + 2 + 3) sessions/s for a minute each.
  assert.ok(Math.abs(arrivals.startMs(5 * 60) - 60_000) < 1000);
  assert.equal(arrivals.startMs(5 * 6 * 60 + 2), Infinity);
  assert.equal(arrivals.peak, 15);
  const profile = resolveProfile({ arrival, profiles: { sessionsPerProfile: { weights: [1, 1], window: 100 } } });
  const run = applyRateScale(parseConfig({ RATE_SCALE: '5', CURVE_SPEED: '60' }), profile);
  assert.deepEqual(run.config.stages, stages);
  assert.equal(
    run.profile.profiles.sessionsPerProfile?.window,
    500,
    "at 5× the traffic, a recording's worth is 5× the sessions",
  );
  assert.match(
    run.note ?? '',
    /the recorded arrival curve × 5 from 09:00 UTC, 60× faster than recorded, for 180 s \(peak 15 sessions\/s\)/,
  );
  const named = applyRateScale(parseConfig({ RATE_SCALE: '2', LOAD: 'spike' }), profile);
  assert.equal(named.config.rate, 6, 'a named shape at 2 × the recorded peak');
  const late = applyRateScale(parseConfig({ RATE_SCALE: '1', DAY_START: '11:00', DURATION: '2h' }), profile);
  assert.deepEqual(
    late.config.stages?.map((s) => s.target),
    [3, 3, 0, 0],
    'from 11:00: one recorded hour (a ramp, then the hold), then none',
  );
  const errors: [Record<string, string>, TrafficProfile, RegExp][] = [
    [
      { RATE_SCALE: '5' },
      resolveProfile('default'),
      /RATE_SCALE needs a learned arrival curve, and profile "default" has none/,
    ],
    [{ RATE_SCALE: '5', RATE: '3' }, profile, /cannot be combined with RATE/],
    [{ CURVE_SPEED: '2' }, profile, /CURVE_SPEED shapes a RATE_SCALE run; set RATE_SCALE too/],
    [{ RATE_SCALE: '1', DAY_START: '20:00' }, profile, /covers no recorded arrivals/],
    [
      { RATE_SCALE: '1', LOAD: 'load', CURVE_SPEED: '2' },
      profile,
      /CURVE_SPEED shapes the arrival curve, which LOAD=load replaces/,
    ],
  ];
  for (const [env, p, message] of errors)
    assert.throws(
      () => applyRateScale(parseConfig(env), p),
      (err: Error) => err instanceof ConfigError && message.test(err.message),
      JSON.stringify(env),
    );
  assert.throws(() => parseConfig({ DAY_START: '25:00' }), /DAY_START must be a time of day HH:MM/);
});

test('cartload run with a learned profile at a scaled arrival curve: the Node engine follows the curve, with what-if edits', async () => {
  // The example export's five sessions arrived within 4.5 minutes of 09:15: 0.0149 sessions/s over
  // that quarter-hour. × 1000, played 300× faster: 14.9 sessions/s for 3 s, the first 0.3 s a ramp
  // up from 0: about 42 sessions.
  const results = join(dir, 'results');
  const lines: string[] = [];
  const res = await runScenario({
    engine: 'node',
    env: { ...NO_K6, ...NO_LATENCY_GATE },
    profile: learnedFile,
    rateScale: 1000,
    curveSpeed: 300,
    thinkScale: 0,
    set: ['couponShare=1'],
    resultsDir: results,
    runId: 'curve',
    say: (l) => lines.push(l),
  });
  assert.equal(res.engine, 'node');
  if (res.engine !== 'node') return;
  assert.equal(res.result.outcome, 'ok', gateSaid(res.result));
  const summary = res.result.summary!;
  const expected = learned.arrival!.sessionsPerSecond[learned.arrival!.start]! * 1000 * 2.85;
  assert.ok(
    Math.abs(summary.sessions.started - expected) <= 1.5,
    `${summary.sessions.started} sessions started, ${expected} expected`,
  );
  assert.equal(summary.sessions.failed, 0, JSON.stringify(summary.notes));
  assert.match(
    lines.join('\n'),
    /following the recorded arrival curve × 1000 from 09:15 UTC, 300× faster than recorded, for 3 s/,
  );
  assert.match(String((summary.options as Record<string, unknown>).profile), /learned \(couponShare=1\)/);
  assert.deepEqual((await readdir(results)).sort(), ['curve']);
  // Bad input is refused before anything starts (exit 2), naming the problem.
  const refused = async (o: Partial<Parameters<typeof runScenario>[0]>, pattern: RegExp): Promise<void> => {
    await assert.rejects(
      runScenario({ engine: 'node', env: NO_K6, resultsDir: join(dir, 'refused'), say: () => undefined, ...o }),
      (err: unknown) => {
        assert.ok(err instanceof CartloadError, String(err));
        assert.equal(err.exitCode, 2);
        assert.match(err.message, pattern);
        return true;
      },
    );
  };
  await refused({ rateScale: 5 }, /--rate-scale 5: needs a learned arrival curve, and profile "default" has none/);
  await refused({ scenario: 'smoke', profile: learnedFile, rateScale: 5 }, /RATE_SCALE does not apply to smoke/);
  await refused({ set: ['getShare=2'] }, /--set getShare=2: profile\.getShare: must be ≤ 1/);
  await assert.rejects(readdir(join(dir, 'refused')), /ENOENT/, 'no results folder');
});

test("the Node engine runs STAGES and LOAD presets now, at the stages' rates", async () => {
  const res = await runScenario({
    engine: 'node',
    env: { ...NO_K6, ...NO_LATENCY_GATE, STAGES: '20:500ms,20:500ms' },
    thinkScale: 0,
    resultsDir: join(dir, 'results-stages'),
    say: () => undefined,
  });
  assert.equal(res.engine, 'node');
  if (res.engine !== 'node') return;
  assert.equal(res.result.outcome, 'ok', gateSaid(res.result));
  // A ramp from 0 to 20/s over half a second (5 sessions), then 20/s for half a second (10).
  assert.ok(
    Math.abs(res.result.summary!.sessions.started - 15) <= 1,
    `${res.result.summary!.sessions.started} started`,
  );
});

test('with k6, a learned profile travels as dist/profile.json and the run variables reach k6', async () => {
  const fake = join(dir, 'fake-k6.sh');
  const record = join(dir, 'fake-k6.out');
  await writeFile(
    fake,
    `#!/bin/sh\nenv | grep -E '^(PROFILE|PROFILE_SET|RATE_SCALE|CURVE_SPEED|DAY_START)=' | sort > "${record}"\nexit 0\n`,
  );
  await chmod(fake, 0o755);
  const dist = join(dir, 'dist');
  const res = await runScenario({
    env: { ...NO_K6, PATH: process.env.PATH, K6_BIN: fake },
    profile: learnedFile,
    rateScale: 5,
    curveSpeed: 24,
    dayStart: '09:15',
    set: ['couponShare=0.8', 'getShare=0.2'],
    resultsDir: join(dir, 'results-k6'),
    distDir: dist,
    say: () => undefined,
  });
  assert.equal(res.engine, 'k6');
  assert.deepEqual((await readFile(record, 'utf8')).trim().split('\n'), [
    'CURVE_SPEED=24',
    'DAY_START=09:15',
    'PROFILE=./profile.json',
    'PROFILE_SET=couponShare=0.8;getShare=0.2',
    'RATE_SCALE=5',
  ]);
  const shipped = JSON.parse(await readFile(join(dist, 'profile.json'), 'utf8'));
  assert.equal(shipped.version, 2);
  assert.deepEqual(resolveProfile(shipped), learned);
});
