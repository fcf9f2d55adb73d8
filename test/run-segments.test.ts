// `cartload run --segments N`: the segments and commands for N machines (one session namespace,
// one run folder per instance, never the API key), and --local end to end with the k6 harness
// standing in for the k6 binary (k6 cannot be installed here): N processes, each its own execution
// segment, whose sessions are disjoint and together the whole test, merged into one run folder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSegments } from '../orchestrate/run-segments.ts';
import { SCENARIO_VARIABLES, segmentCommands, shellWord, splitSegments } from '../orchestrate/segments.ts';
import type { RunSummary } from '../model/summary.ts';
import { buildPools, writePools } from '../generators/pools.ts';
import { harnessK6Bin } from './harness/paced/k6-standin.ts';
import { runCartload, runMain } from './helpers/cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-segments-run-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("N equal segments in k6's notation, one sequence, one run folder per instance", () => {
  const four = splitSegments(4, 'peak');
  assert.deepEqual(
    four.map((s) => s.segment),
    ['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1'],
  );
  assert.ok(four.every((s) => s.sequence === '0,1/4,1/2,3/4,1'));
  assert.deepEqual(
    four.map((s) => s.runId),
    ['peak-1of4', 'peak-2of4', 'peak-3of4', 'peak-4of4'],
  );
  assert.deepEqual(
    splitSegments(3, 'x').map((s) => s.segment),
    ['0:1/3', '1/3:2/3', '2/3:1'],
  );
  for (const bad of [0, 1, 2.5, 65, Number.NaN])
    assert.throws(() => splitSegments(bad, 'x'), /--segments must be a whole number from 2 to 64/);
});

test('every variable the scenarios read is passed to the instances, except the ones set per instance or secret', async () => {
  const config = await readFile(join(ROOT, 'scenarios/lib/config.ts'), 'utf8');
  const read = new Set([...config.matchAll(/\((?:\s*env,)?\s*'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1] as string));
  const perInstance = ['SESSION_PREFIX', 'RUN_ID', 'RUN_DIR', 'RESULTS_DIR', 'TALON_API_KEY'];
  assert.deepEqual([...SCENARIO_VARIABLES].sort(), [...read].filter((v) => !perInstance.includes(v)).sort());
});

test('the printed commands: one shared SESSION_PREFIX, per-instance RUN_IDs, shell-safe values, no API key, a profile file beside the bundle', async () => {
  const profile = join(dir, "it's mine.json");
  await writeFile(profile, JSON.stringify({ extends: 'coupon-heavy', name: 'mine' }));
  const env = {
    PATH: '/nonexistent',
    K6_BIN: '',
    TALON_BASE_URL: 'https://staging.example.talon.one',
    TALON_API_KEY: 'very-secret-key',
    THRESHOLDS: '{"http_req_duration{step:close}":["p(95)<300"]}',
    PROFILE: profile,
    PROFILE_SET: "description=it's mine",
  };
  const res = await runSegments({
    scenario: 'lifecycle',
    env,
    segments: 2,
    rate: 30,
    duration: '10m',
    runId: 'peak1',
    distDir: join(dir, 'dist-print'),
    say: () => undefined,
  });
  assert.equal(res.mode, 'commands');
  if (res.mode !== 'commands') return;
  const text = res.commands.join('\n');
  assert.doesNotMatch(text, /very-secret-key/);
  const runs = res.commands.filter((l) => l.includes(' k6 run '));
  assert.equal(runs.length, 2);
  assert.match(
    runs[0] as string,
    /^mkdir -p results\/peak1-1of2 && K6_CSV_TIME_FORMAT=unix_milli k6 run --out csv=results\/peak1-1of2\/k6-metrics\.csv\.gz --execution-segment 0:1\/2 --execution-segment-sequence 0,1\/2,1 /,
  );
  assert.match(
    runs[1] as string,
    /^mkdir -p results\/peak1-2of2 && K6_CSV_TIME_FORMAT=unix_milli k6 run --out csv=results\/peak1-2of2\/k6-metrics\.csv\.gz --execution-segment 1\/2:1 --execution-segment-sequence 0,1\/2,1 /,
  );
  for (const [i, line] of runs.entries()) {
    assert.ok(line.includes(' -e SESSION_PREFIX=cartload-peak1 '), 'one namespace for all instances');
    assert.ok(
      line.includes(` -e RUN_ID=peak1-${i + 1}of2 -e RUN_DIR=results/peak1-${i + 1}of2 `),
      'the folder the line makes is where the instance writes',
    );
    assert.ok(line.includes(' -e RATE=30 -e DURATION=10m '), 'the CLI options reach k6 as variables');
    assert.ok(line.includes(` -e ${shellWord(`THRESHOLDS=${env.THRESHOLDS}`)} `));
    assert.ok(
      line.includes(' -e PROFILE=./profile.json '),
      'the profile file is copied beside the bundle, where k6 opens it',
    );
    assert.ok(line.includes(` -e 'PROFILE_SET=description=it'\\''s mine' `));
    assert.ok(line.endsWith(join(dir, 'dist-print', 'lifecycle.js')));
  }
  assert.match(
    text,
    /^npx cartload convert results\/peak1-1of2\/k6-metrics\.csv\.gz --summary results\/peak1-1of2\/summary\.json --out results\/peak1-1of2\/run$/m,
  );
  assert.match(text, /cartload merge results\/peak1-1of2\/run results\/peak1-2of2\/run --out results\/peak1$/m);
  // The quoting survives a real shell.
  const echo = execFileSync(
    '/bin/sh',
    [
      '-c',
      `printf '%s\\n' ${shellWord(`THRESHOLDS=${env.THRESHOLDS}`)} ${shellWord(`PROFILE_SET=${env.PROFILE_SET}`)}`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(echo, `THRESHOLDS=${env.THRESHOLDS}\nPROFILE_SET=${env.PROFILE_SET}\n`);
  assert.equal(JSON.parse(await readFile(join(dir, 'dist-print', 'profile.json'), 'utf8')).name, 'mine');
  // A profile or edit that every instance would refuse is refused here, before any command is printed.
  const bad = await runSegments({
    scenario: 'lifecycle',
    env: { ...env, PROFILE_SET: 'couponShare=2' },
    segments: 2,
    runId: 'peak2',
    distDir: join(dir, 'dist-print'),
    say: () => undefined,
  });
  assert.equal(bad.mode, 'none');
  if (bad.mode === 'none') assert.match(bad.message, /couponShare=2/);
  assert.deepEqual(
    segmentCommands({
      instances: splitSegments(2, 'r'),
      bundle: 'dist/a b.js',
      vars: {},
      resultsDir: 'out',
      runId: 'r',
    })[1],
    "mkdir -p out/r-1of2 && K6_CSV_TIME_FORMAT=unix_milli k6 run --out csv=out/r-1of2/k6-metrics.csv.gz --execution-segment 0:1/2 --execution-segment-sequence 0,1/2,1 -e RUN_ID=r-1of2 -e RUN_DIR=out/r-1of2 'dist/a b.js'",
  );
});

test('--segments 2 --local: two k6 processes (the harness standing in), disjoint sessions that make the whole test, one merged run', {
  timeout: 180_000,
}, async () => {
  // The harness CLI built, without the TypeScript loader: each instance starts in a fraction of the
  // time (and runs seconds: see K6BinOptions.short).
  const k6 = await harnessK6Bin(join(dir, 'bin'), { short: true });
  const results = join(dir, 'results');
  const said: string[] = [];
  const out: string[] = [];
  // Small pools through POOLS (passed on to every instance): the split does not depend on their
  // size, and each instance's init would parse the build's 1.6 MB.
  const pools = join(dir, 'small-pools.json');
  await writePools(buildPools({ seed: 7, sizes: { products: 50, loyaltyCards: 50, profileIds: 50 } }), pools);
  const res = await runSegments({
    scenario: 'lifecycle',
    env: {
      PATH: process.env.PATH,
      K6_BIN: k6,
      TALON_API_KEY: 'local-key',
      SESSION_PREFIX: 'seg-local',
      POOLS: pools,
    },
    segments: 2,
    local: true,
    rate: 4,
    duration: '3s',
    thinkScale: 0,
    seed: 7,
    runId: 'split',
    resultsDir: results,
    distDir: join(dir, 'dist-local'),
    say: (l) => said.push(l),
    k6Stdout: (c) => out.push(c),
    k6Stderr: (c) => out.push(c),
  });
  assert.equal(res.mode, 'local', JSON.stringify(res));
  if (res.mode !== 'local') return;
  assert.equal(res.exitCode, 0, out.join(''));
  assert.deepEqual(
    res.instances.map((r) => r.exitCode),
    [0, 0],
  );
  assert.ok(
    out.some((c) => c.startsWith('[1/2] ')) && out.some((c) => c.startsWith('[2/2] ')),
    "each instance's output is marked",
  );
  assert.deepEqual((await readdir(join(results, 'split', 'parts'))).sort(), ['split-1of2', 'split-2of2']);
  assert.ok(
    !(await readdir(join(dir, 'dist-local'))).includes('pools.json'),
    'the instances read the POOLS file: no pools are generated beside the bundle',
  );

  const sent = await Promise.all(
    res.instances.map(
      async (r) => JSON.parse(await readFile(join(r.dir, 'sessions.harness.json'), 'utf8')) as string[],
    ),
  );
  const [a, b] = sent as [string[], string[]];
  assert.ok(a.length > 0 && b.length > 0);
  assert.deepEqual(
    a.filter((id) => b.includes(id)),
    [],
    'no session sent by both instances',
  );
  const all = Array.from({ length: 12 }, (_, i) => `seg-local-7-${i}`);
  assert.deepEqual([...a, ...b].sort(), all.sort(), '4/s for 3 s: sessions 0..11, each once');

  const parts = await Promise.all(
    res.instances.map(async (r) => JSON.parse(await readFile(join(r.dir, 'summary.json'), 'utf8')) as RunSummary),
  );
  const merged = JSON.parse(await readFile(join(results, 'split', 'summary.json'), 'utf8')) as RunSummary;
  assert.equal(merged.runId, 'split');
  assert.equal(merged.sessions.started, 12);
  assert.equal(
    merged.requests.total,
    (parts[0] as RunSummary).requests.total + (parts[1] as RunSummary).requests.total,
  );
  assert.equal(merged.requests.failed, 0);
  assert.ok(merged.thresholds && merged.thresholds.length > 0 && merged.thresholds.every((t) => t.ok));
  assert.deepEqual(merged.options.parts, ['split-1of2', 'split-2of2']);
  assert.ok(!JSON.stringify(merged).includes('local-key'), 'no API key in the merged summary');
  assert.ok(
    said.some((l) => /2 instances over execution segments 0:1\/2, 1\/2:1; session IDs seg-local-7-<n>/.test(l)),
  );
});

test('the CLI refuses --local without --segments, and --segments with the Node engine', async () => {
  const env = { PATH: '/nonexistent', K6_BIN: '', TALON_BASE_URL: '', TALON_API_KEY: '' };
  const a = await runCartload(['run', '--local'], { env });
  assert.equal(a.code, 2);
  assert.match(a.stderr, /--local runs the instances of --segments N: add --segments/);
  // One spawn proves the bin maps the refusal to exit 2; the other in this process (the CLI's main).
  const b = await runMain(['run', '--segments', '2', '--engine', 'node'], { env });
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--segments splits a k6 test over k6 instances/);
});
