// A learned profile in the k6 lifecycle bundle, through the harness (the k6 test double): shipped as
// dist/profile.json by the build and compiled once per test into the model every VU plans from, it
// plans byte for byte the sessions of the Node planner, its what-if edits (PROFILE_SET) apply, every check passes against the local target's core, and RATE_SCALE turns the
// recorded arrival curve into ramping-arrival-rate stages that k6 accepts.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildScenarios, PROJECT_ROOT } from '../bundle/index.ts';
import { createTargetCore } from '../emulator/core/index.ts';
import { editProfile } from '../generators/profile-edit.ts';
import { createPlanner } from '../generators/planner.ts';
import { buildPools, validatePools, writePools } from '../generators/pools.ts';
import { resolveProfile, type TrafficProfile } from '../generators/profiles.ts';
import { formatProfile } from '../orchestrate/learn.ts';
import { K6Test, runK6Bundle, validateK6Options } from './harness/index.ts';
import { learnRecording } from './helpers/recording.ts';

const KEY = 'learn-k6-key';
let dir: string;
let learned: TrafficProfile;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-learn-k6-'));
  // A request log of 1,500 coupon-heavy sessions over 25 minutes, learned with every feature: transitions, prices, categories, repeat customers, the curve.
  const pools = buildPools({ seed: 6, sizes: { products: 500, profileIds: 150 } });
  const r = await learnRecording({
    pools,
    profile: resolveProfile('coupon-heavy'),
    seed: 2,
    sessions: 1500,
    start: (i) => Date.UTC(2026, 4, 1, 18) + i * 1000,
  });
  learned = resolveProfile(r.profile);
  const file = join(dir, 'learned.json');
  await writeFile(file, formatProfile(r.profile));
  // The bundle ships the recording's own small pools: the test compares its sessions with the
  // Node planner's from the same pools.json, whatever their size.
  const poolsFile = join(dir, 'recorded-pools.json');
  await writePools(pools, poolsFile);
  await buildScenarios({
    rootDir: PROJECT_ROOT,
    outDir: join(dir, 'dist'),
    entries: [join(PROJECT_ROOT, 'scenarios', 'lifecycle.ts')],
    pools: poolsFile,
    profile: file,
  });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the bundle plans a learned profile as the Node planner does, with PROFILE_SET applied, and every check passes', async () => {
  const bundle = join(dir, 'dist', 'lifecycle.js');
  const env = {
    PROFILE: './profile.json',
    PROFILE_SET: 'couponShare=1;getShare=0',
    SESSION_PREFIX: 'learned',
    SEED: '3',
    THINK_SCALE: '0',
  };
  const r = await runK6Bundle({ bundle, iterations: 30, vus: 3, core: createTargetCore(), apiKey: KEY, env });
  assert.equal(r.exitCode, 0, JSON.stringify(r.thresholds.filter((t) => !t.ok)));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.failedChecks.slice(0, 3), []);
  const pools = validatePools(JSON.parse(await readFile(join(dir, 'dist', 'pools.json'), 'utf8')), 'pools.json');
  const planner = createPlanner({
    pools,
    profile: editProfile(learned, ['couponShare=1', 'getShare=0']),
    seed: 3,
    sessionPrefix: 'learned',
  });
  for (let i = 0; i < 30; i++) {
    const sent = r.requests.filter((q) => q.phase === 'iteration' && q.iteration === i);
    const plan = planner.plan(i);
    // Byte for byte: the bodies k6 sent (built as text from the compiled model) are JSON.stringify of the Node planner's objects.
    assert.deepEqual(
      sent.map((q) => [q.method, q.path.split('?')[0], q.requestText]),
      plan.steps.map((s) => [s.method, s.path, s.body === undefined ? null : JSON.stringify(s.body)]),
      `session ${i}`,
    );
    assert.ok(
      sent.some(
        (q) =>
          (q.requestBody as { customerSession?: { couponCodes?: string[] } } | undefined)?.customerSession?.couponCodes,
      ),
      `session ${i} sends coupons (couponShare=1)`,
    );
  }
});

test('RATE_SCALE: k6 gets the recorded arrival curve as ramping-arrival-rate stages', async () => {
  const t = new K6Test({
    bundle: join(dir, 'dist', 'lifecycle.js'),
    env: { PROFILE: './profile.json', RATE_SCALE: '5', CURVE_SPEED: '10' },
    validateOptions: false,
  });
  await t.prepare();
  const exports = Object.keys(t.vu0.exports).filter((k) => typeof t.vu0.exports[k] === 'function');
  assert.deepEqual(validateK6Options(t.state.options, { exports, metrics: t.state.metrics.types() }), []);
  const sc = (
    t.state.options as {
      scenarios: Record<string, { executor: string; stages: { target: number; duration: string }[]; timeUnit: string }>;
    }
  ).scenarios.lifecycle!;
  assert.equal(sc.executor, 'ramping-arrival-rate');
  // 25 minutes from 18:00, one session a second: two quarter-hours at 1/s (the second partly recorded), × 5, 10× faster.
  const perSecond = learned.arrival!.sessionsPerSecond.slice(72, 74) as number[];
  assert.equal(learned.arrival!.start, 72);
  const unit = sc.timeUnit === '1s' ? 1 : sc.timeUnit === '1m' ? 60 : 3600;
  const holds = sc.stages.filter((_, i) => i % 2 === 1).map((s) => s.target / unit);
  holds.forEach((rate, i) => assert.ok(Math.abs(rate - 5 * (perSecond[i] as number)) < 0.01, `bucket ${i}: ${rate}/s`));
});
