// The paced k6 stand-in (test/harness/paced): k6's arrival-rate schedule, and `k6 run` in real
// time against a real target, its files written as k6 writes them and its exit codes.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildScenarios, PROJECT_ROOT } from '../bundle/index.ts';
import { buildPools, writePools } from '../generators/pools.ts';
import { runK6 } from '../orchestrate/k6-binary.ts';
import type { RunSummary } from '../model/summary.ts';
import { startTarget, type RunningTarget } from '../emulator/server/index.ts';
import { standInK6Bin } from './harness/paced/k6-standin.ts';
import { arrivalPlan } from './harness/paced/schedule.ts';

let dir: string;
let target: RunningTarget;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-paced-'));
  // In this process: the requests come from the stand-in's processes, and this one only waits for them.
  target = await startTarget({ apiKey: 'paced-key' });
});
after(async () => {
  await target.close();
  await rm(dir, { recursive: true, force: true });
});

function all(plan: ReturnType<typeof arrivalPlan>): number[] {
  const out: number[] = [];
  const it = plan.starts();
  for (let r = it.next(); !r.done; r = it.next()) out.push(Math.round(r.value));
  return out;
}

test('arrival schedules: constant rate per time unit, linear ramps, the first iteration at 0', () => {
  assert.deepEqual(
    all(
      arrivalPlan({ executor: 'constant-arrival-rate', rate: 30, timeUnit: '1m', duration: '10s', preAllocatedVUs: 1 }),
    ),
    [0, 2000, 4000, 6000, 8000],
  );
  const ramp = all(
    arrivalPlan({
      executor: 'ramping-arrival-rate',
      startRate: 0,
      timeUnit: '1s',
      stages: [{ target: 10, duration: '2s' }],
      preAllocatedVUs: 1,
      maxVUs: 2,
    }),
  );
  assert.deepEqual(ramp, [0, 632, 894, 1095, 1265, 1414, 1549, 1673, 1789, 1897], 'k arrivals by t = 10 t² / 4');
  const warm = arrivalPlan({
    executor: 'ramping-arrival-rate',
    startRate: 10,
    timeUnit: '1s',
    stages: [
      { target: 10, duration: '1s' },
      { target: 10, duration: '1s' },
    ],
    preAllocatedVUs: 1,
    maxVUs: 3,
    gracefulStop: '5s',
  });
  assert.equal(all(warm).length, 20);
  assert.deepEqual([warm.durationMs, warm.gracefulStopMs, warm.maxVUs], [2000, 5000, 3]);
  assert.throws(() => arrivalPlan({ executor: 'constant-vus', vus: 1, duration: '1s' }), /arrival-rate scenarios only/);
});

test('k6 run in real time: sessions at the scenario’s rate, summary files where handleSummary puts them, k6’s exit codes', {
  timeout: 5 * 60_000,
}, async () => {
  const dist = join(dir, 'dist');
  // Small pools: the stand-in's pacing does not depend on their size, and every k6 process reads them.
  const pools = join(dir, 'pools.json');
  await writePools(
    buildPools({ seed: 1, sizes: { products: 50, validCoupons: 50, loyaltyCards: 50, profileIds: 50, cities: 20 } }),
    pools,
  );
  await buildScenarios({
    rootDir: PROJECT_ROOT,
    entries: [join(PROJECT_ROOT, 'scenarios', 'lifecycle.ts')],
    outDir: dist,
    pools,
  });
  // Runs of seconds: see K6BinOptions.short.
  const bin = await standInK6Bin(join(dir, 'bin'), { short: true });
  await mkdir(join(dir, 'results', 'paced'), { recursive: true });
  const env = {
    PATH: process.env.PATH,
    TALON_BASE_URL: target.url,
    TALON_API_KEY: 'paced-key',
    RUN_DIR: join(dir, 'results', 'paced'),
    RUN_ID: 'paced',
  };
  const started = Date.now();
  const r = await runK6(
    bin,
    [
      'run',
      '--quiet',
      '-e',
      'RATE=5',
      '-e',
      'DURATION=1s',
      '-e',
      'THINK_SCALE=0',
      '-e',
      'PRE_ALLOCATED_VUS=2',
      '-e',
      'MAX_VUS=2',
      join(dist, 'lifecycle.js'),
    ],
    { env, timeoutMs: 4 * 60_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /cartload run paced \(k6\): lifecycle/);
  const summary = JSON.parse(await readFile(join(dir, 'results', 'paced', 'summary.json'), 'utf8')) as RunSummary;
  const k6 = JSON.parse(await readFile(join(dir, 'results', 'paced', 'k6-summary.json'), 'utf8')) as {
    metrics: Record<string, { values: { count: number } } | undefined>;
  };
  // 1 s at 5 sessions/s: each started, or dropped for want of a free VU (k6's rule) on a machine too busy to start VU threads in time.
  assert.equal(summary.sessions.started + (k6.metrics.dropped_iterations?.values.count ?? 0), 5);
  assert.equal(summary.sessions.failed, 0, JSON.stringify(summary.notes));
  assert.ok(summary.durationMs >= 1000, `a paced run lasts as long as its scenario: ${summary.durationMs} ms`);
  assert.ok(Date.now() - started >= 1000);

  // One VU thread besides VU 0: setup() fails before any iteration needs one.
  const down = await runK6(bin, ['run', '-e', 'PRE_ALLOCATED_VUS=1', '-e', 'MAX_VUS=1', join(dist, 'lifecycle.js')], {
    env: { ...env, TALON_BASE_URL: 'http://127.0.0.1:9' },
    timeoutMs: 4 * 60_000,
  });
  assert.equal(down.code, 107, 'setup() refuses an unreachable target: k6 exits 107');
  assert.match(down.stderr, /unreachable/);
  const bad = await runK6(bin, ['run', '--vus', '3', join(dist, 'lifecycle.js')], { env, timeoutMs: 60_000 });
  assert.equal(bad.code, 255);
  assert.match(bad.stderr, /the flag --vus is not emulated/);
});
