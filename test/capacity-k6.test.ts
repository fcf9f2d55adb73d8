// `cartload capacity --engine k6` against the local target given a ceiling (2 workers × 40 ms =
// 50 requests/s). k6 cannot be installed here: the paced k6 stand-in (test/harness/paced) runs as
// K6_BIN, so the whole k6 path runs as with k6: the capacity bundle built, one `k6 run` per probe
// with the probe's variables, the files its handleSummary writes read back. As in the Node engine's
// test (capacity-node.test.ts), the SLO's latency is set loose so that the ceiling is found by what
// it is, a rate, on a machine whose scheduler alone delays answers by hundreds of ms. Two short
// probes under a learned profile prove the path; how close the search comes to the ceiling with k6
// is measured by bench/capacity.bench.ts (a full search takes a minute and a half here, too long
// for npm test).
import assert from 'node:assert/strict';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildPools } from '../generators/pools.ts';
import { resolveProfile } from '../generators/profiles.ts';
import { runCapacity } from '../orchestrate/capacity/index.ts';
import { formatProfile } from '../orchestrate/learn.ts';
import { learnRecording } from './helpers/recording.ts';
import { startTarget, type RunningTarget } from '../emulator/server/index.ts';
import { standInK6Bin } from './harness/paced/k6-standin.ts';

let dir: string;
let target: RunningTarget;
let k6: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-capacity-k6-'));
  [target, k6] = await Promise.all([
    // In this process: the load comes from the k6 processes, and this one only waits for them.
    startTarget({ apiKey: 'capacity-key', knobs: { capacity: { workers: 2, serviceTime: '40' } } }),
    // Runs of seconds: see K6BinOptions.short.
    standInK6Bin(join(dir, 'bin'), { short: true }),
  ]);
});
after(async () => {
  await target.close();
  await rm(dir, { recursive: true, force: true });
});

test('k6 (the paced stand-in) runs the search: one k6 run per probe, its files read back as probes; a learned profile file travels with the bundle (profile.json beside it) and plans the probes; its arrival curve is refused', {
  timeout: 5 * 60_000,
}, async () => {
  const pools = buildPools({ seed: 2, sizes: { products: 200, profileIds: 50 } });
  const learned = await learnRecording({
    pools,
    profile: resolveProfile('coupon-heavy'),
    seed: 3,
    sessions: 400,
    start: (i) => Date.UTC(2026, 4, 1, 12) + i * 3000,
  });
  const file = join(dir, 'learned.json');
  await writeFile(file, formatProfile(learned.profile));
  const lines: string[] = [];
  const common = {
    engine: 'k6' as const,
    warmup: '1s',
    hold: '1s',
    drain: '1s',
    search: { start: 2, growth: 2, maxProbes: 2 },
    slo: { p95Ms: 5000, p99Ms: 10_000 },
    profile: file,
    resultsDir: dir,
    distDir: join(dir, 'dist'),
    say: (l: string) => lines.push(l),
  };
  // A few VU threads at once: this light load needs few, and each is dear to start.
  const env = {
    PATH: process.env.PATH,
    K6_BIN: k6,
    TALON_BASE_URL: target.url,
    TALON_API_KEY: 'capacity-key',
    CARTLOAD_STANDIN_EAGER_VUS: '2',
  };
  const res = await runCapacity({ ...common, env, runId: 'k6-goal' });
  assert.notEqual(res.engine, 'none', JSON.stringify(res));
  if (res.engine === 'none') return;
  assert.equal(res.engine, 'k6');
  const f = res.file;
  // Two probes, unless the stand-in was short of CPU on a busy machine: then the k6 path says so
  // (from the sessions' start lateness) and stops, claiming no limit of the target.
  assert.ok(f.stoppedBy === 'max-probes' || (f.stoppedBy === 'generator' && f.report.generatorLimit), res.text);
  assert.equal(f.probes[0]?.rate, 2);
  for (const p of f.probes)
    for (const name of ['k6-summary.json', 'summary.json', 'capacity.json'])
      await access(join(dir, 'k6-goal', p.dir!, name));
  assert.ok(
    f.probes.every((p) => p.generator.lagP99Ms !== undefined),
    'every probe says how late k6 started its sessions',
  );
  assert.ok(
    f.probes.every((p) => p.offered.requestsPerSec > 0 && p.achieved.requestsPerSec > 0),
    JSON.stringify(f.probes.map((p) => [p.offered, p.achieved])),
  );
  assert.ok(
    f.probes.every((p) => p.requests > 0 && p.failed === 0),
    JSON.stringify(f.probes),
  );
  assert.match(res.text, /note: k6's own CPU is not in its summary/);
  assert.ok(lines[0]?.startsWith(`engine: k6 (${k6})`), lines.join('\n'));
  assert.equal(
    JSON.parse(await readFile(join(dir, 'dist', 'profile.json'), 'utf8')).name,
    resolveProfile(learned.profile).name,
  );
  const refused = await runCapacity({ ...common, env: { ...env, RATE_SCALE: '2' }, runId: 'k6-learned-curve' });
  assert.equal(refused.engine, 'none');
  if (refused.engine === 'none') assert.match(refused.message, /RATE_SCALE does not apply to capacity/);
});
