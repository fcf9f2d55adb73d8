// `cartload run`: the node engine end to end (the CLI's main() in this process, against its own
// local target), the engine choice, k6's exit code passed through, and the errors a user can make.
// The bin's own handling of run (a spawned process: exit codes, --local, --segments) is proven in
// test/run-segments.test.ts.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { runScenario, scaleThinkTimes } from '../orchestrate/run.ts';
import { CartloadError } from '../model/errors.ts';
import { sessionPath, type SessionPlan } from '../model/plan.ts';
import { runMain } from './helpers/cli.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-run-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An environment with no k6 anywhere, whatever this machine has. */
const NO_K6 = { PATH: '/nonexistent', K6_BIN: '', TALON_BASE_URL: '', TALON_API_KEY: '' };

test('cartload run with no k6 on the machine: the node engine runs a short lifecycle test against its own local target', async () => {
  const results = join(dir, 'results-cli');
  const {
    code,
    stdout: out,
    stderr: err,
  } = await runMain(
    ['run', '--duration', '1s', '--rate', '10', '--think-scale', '0', '--results-dir', results, '--no-progress'],
    { env: NO_K6 },
  );
  assert.equal(code, 0, err);
  assert.match(err, /engine: node: no k6 binary/);
  assert.match(err, /target: the local reference target at http:\/\/127\.0\.0\.1:\d+/);
  const [runId] = await readdir(results);
  assert.ok(runId);
  const summary = JSON.parse(await readFile(join(results, runId, 'summary.json'), 'utf8'));
  assert.equal(summary.engine, 'node');
  assert.equal(summary.scenario, 'lifecycle');
  assert.equal(summary.sessions.started, 10, '1 s at 10 sessions/s');
  assert.equal(summary.sessions.failed, 0, JSON.stringify(summary.notes));
  assert.equal(summary.requests.conflicts409, 0);
  assert.ok(summary.thresholds.every((t: { ok: boolean }) => t.ok));
  assert.match(out, /cartload run \S+ \(Node engine\): lifecycle against http:\/\/127\.0\.0\.1/);
  assert.ok(!JSON.stringify(summary).match(/apiKey":"[^[]/), 'no API key in the summary');
});

test('smoke with the node engine: one session of each kind, one at a time', async () => {
  const lines: string[] = [];
  const res = await runScenario({
    scenario: 'smoke',
    engine: 'auto',
    env: NO_K6,
    resultsDir: join(dir, 'results-smoke'),
    say: (l) => lines.push(l),
  });
  assert.equal(res.engine, 'node');
  if (res.engine !== 'node') return;
  assert.equal(res.result.outcome, 'ok', res.result.message);
  assert.equal(res.result.summary?.sessions.started, 7);
  assert.deepEqual(Object.keys(res.result.summary?.sessions.byKind ?? {}).sort(), [
    'browse',
    'cancel_before_checkout',
    'checkout',
    'checkout_cancel',
    'dry',
    'reopen',
    'return',
  ]);
  assert.equal(res.result.summary?.sessions.failed, 0, JSON.stringify(res.result.summary?.notes));
  assert.ok(lines.some((l) => l.startsWith('engine: node')));
});

test('a k6 binary found on K6_BIN runs the built bundle with the scenario variables, and its exit code passes through', async () => {
  // k6 cannot be installed on this machine: a stand-in executable records how it was called, writes
  // the metric stream a real k6 v2.2.1 wrote (test/fixtures/k6/out-csv.sample.csv) where it was
  // asked to, and exits 99 (k6's code for crossed thresholds). It tests the plumbing around k6 (its
  // flags, the conversion after it), not k6. The real k6 runs this same path when present.
  const fake = join(dir, 'fake-k6.sh');
  const record = join(dir, 'fake-k6.out');
  const sample = fileURLToPath(new URL('./fixtures/k6/out-csv.sample.csv', import.meta.url));
  await writeFile(
    fake,
    `#!/bin/sh\nif [ "$1" = version ]; then echo "k6 v2.2.1 (commit/87883075, go1.26, linux/amd64)"; exit 0; fi\n` +
      `echo "$@" > "${record}"\nenv | grep -E '^(TALON_BASE_URL|RUN_ID|RUN_DIR|RESULTS_DIR|RATE|DURATION|SEED|TALON_API_KEY|K6_CSV_TIME_FORMAT)=' | sed 's/^TALON_API_KEY=.*/TALON_API_KEY=set/' | sort >> "${record}"\n` +
      `gzip -c "${sample}" > "\${3#csv=}"\nexit 99\n`,
  );
  await chmod(fake, 0o755);
  const lines: string[] = [];
  const res = await runScenario({
    env: { ...NO_K6, PATH: process.env.PATH, K6_BIN: fake },
    rate: 3,
    duration: '5s',
    seed: 4,
    runId: 'k6-run',
    resultsDir: join(dir, 'results-k6'),
    distDir: join(dir, 'dist'),
    say: (l) => lines.push(l),
  });
  assert.equal(res.engine, 'k6');
  if (res.engine !== 'k6') return;
  assert.equal(res.exitCode, 99);
  const called = (await readFile(record, 'utf8')).trim().split('\n');
  const runDir = join(dir, 'results-k6', 'k6-run');
  assert.equal(called[0], `run --out csv=${join(runDir, 'k6-metrics.csv.gz')} ${join(dir, 'dist', 'lifecycle.js')}`);
  assert.deepEqual(
    called.slice(1).filter((l) => !l.startsWith('TALON_BASE_URL')),
    [
      'DURATION=5s',
      'K6_CSV_TIME_FORMAT=unix_milli',
      'RATE=3',
      `RESULTS_DIR=${join(dir, 'results-k6')}`,
      `RUN_DIR=${runDir}`,
      'RUN_ID=k6-run',
      'SEED=4',
      'TALON_API_KEY=set',
    ],
  );
  // The metric stream became the run's results: results.json, summary.json and the report.
  assert.equal(res.conversionError, undefined);
  assert.deepEqual((await readdir(runDir)).sort(), [
    'k6-metrics.csv.gz',
    'report.html',
    'results.json',
    'summary.json',
    'summary.txt',
  ]);
  const results = JSON.parse(await readFile(join(runDir, 'results.json'), 'utf8'));
  assert.equal(results.run.engine, 'k6');
  assert.equal(results.run.runId, 'k6-run');
  assert.equal(results.run.tools.k6, 'v2.2.1');
  assert.equal(results.requests.count, 17);
  assert.equal(res.results?.requests.byStep.open?.count, 8);
  assert.ok(
    called.some((l) => /^TALON_BASE_URL=http:\/\/127\.0\.0\.1:\d+$/.test(l)),
    'k6 is aimed at the local target',
  );
  assert.ok(
    (await readdir(join(dir, 'results-k6'))).includes('k6-run'),
    'the run folder exists before k6 writes into it',
  );
  assert.ok(lines.some((l) => l.startsWith(`engine: k6: k6 found at ${fake}`)));
});

test('what the node engine cannot run, and bad variables, are bad input naming the problem, before anything starts', async () => {
  const say = (): void => undefined;
  const results = join(dir, 'results-refused');
  const refused = async (o: Partial<Parameters<typeof runScenario>[0]>, pattern: RegExp): Promise<void> => {
    await assert.rejects(
      runScenario({ engine: 'node', env: NO_K6, say, resultsDir: results, ...o }),
      (err: unknown) => {
        assert.ok(err instanceof CartloadError, String(err));
        assert.equal(err.exitCode, 2);
        assert.match(err.message, pattern);
        return true;
      },
    );
  };
  await refused({ scenario: 'capacity' }, /capacity .* needs k6/);
  await refused({ env: { ...NO_K6, VUS: '3' } }, /VUS is a closed k6 model/);
  await refused({ env: { ...NO_K6, RATE: 'fast' } }, /RATE must be a positive number/);
  await refused({ engine: 'k6' }, /--engine k6: no k6/);
  await refused({ profile: join(dir, 'no-such-profile.json') }, /--profile .*no-such-profile\.json/);
  await refused({ resultsDir: '/proc/cartload-nope' }, /--results-dir \/proc\/cartload-nope/);
  await assert.rejects(readdir(results), /ENOENT/, 'no results folder');
});

test('scaleThinkTimes scales each gap and caps it, as the k6 session runner sleeps', () => {
  const plan: SessionPlan = {
    sessionId: 'x',
    kind: 'checkout',
    steps: [0, 1000, 61_000, 62_000].map((at) => ({
      step: 'update' as const,
      method: 'PUT' as const,
      path: sessionPath('x'),
      at,
    })),
  };
  assert.deepEqual(
    scaleThinkTimes(plan, 0.5, 10_000).steps.map((s) => s.at),
    [0, 500, 10_500, 11_000],
  );
  assert.deepEqual(
    scaleThinkTimes(plan, 0, 10_000).steps.map((s) => s.at),
    [0, 0, 0, 0],
  );
});
