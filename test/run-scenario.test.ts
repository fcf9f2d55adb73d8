// `cartload run`: the node engine end to end (a spawned CLI against its own local target), the
// engine choice, k6's exit code passed through, and the errors a user can make.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runScenario, scaleThinkTimes } from '../orchestrate/run.ts';
import { sessionPath, type SessionPlan } from '../model/plan.ts';
import { runCartload } from './helpers/cli.ts';

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
  const { code, stdout: out, stderr: err } = await runCartload(
    ['run', '--duration', '2s', '--rate', '5', '--think-scale', '0', '--results-dir', results, '--no-progress'],
    { cwd: dir, env: NO_K6, timeoutMs: 90_000 },
  );
  assert.equal(code, 0, err);
  assert.match(err, /engine: node: no k6 binary/);
  assert.match(err, /target: the local reference target at http:\/\/127\.0\.0\.1:\d+/);
  const [runId] = await readdir(results);
  assert.ok(runId);
  const summary = JSON.parse(await readFile(join(results, runId, 'summary.json'), 'utf8'));
  assert.equal(summary.engine, 'replay');
  assert.equal(summary.scenario, 'lifecycle');
  assert.equal(summary.sessions.started, 10, '2 s at 5 sessions/s');
  assert.equal(summary.sessions.failed, 0, JSON.stringify(summary.notes));
  assert.equal(summary.requests.conflicts409, 0);
  assert.ok(summary.thresholds.every((t: { ok: boolean }) => t.ok));
  assert.match(out, /cartload run \S+ \(Node engine\): lifecycle against http:\/\/127\.0\.0\.1/);
  assert.ok(!JSON.stringify(summary).match(/apiKey":"[^[]/), 'no API key in the summary');
});

test('smoke with the node engine: one session of each kind, one at a time', async () => {
  const lines: string[] = [];
  const res = await runScenario({ scenario: 'smoke', engine: 'auto', env: NO_K6, resultsDir: join(dir, 'results-smoke'), say: (l) => lines.push(l) });
  assert.equal(res.engine, 'node');
  if (res.engine !== 'node') return;
  assert.equal(res.result.outcome, 'ok', res.result.message);
  assert.equal(res.result.summary?.sessions.started, 7);
  assert.deepEqual(Object.keys(res.result.summary?.sessions.byKind ?? {}).sort(), ['browse', 'cancel_before_checkout', 'checkout', 'checkout_cancel', 'dry', 'reopen', 'return']);
  assert.equal(res.result.summary?.sessions.failed, 0, JSON.stringify(res.result.summary?.notes));
  assert.ok(lines.some((l) => l.startsWith('engine: node')));
});

test('a k6 binary found on K6_BIN runs the built bundle with the scenario variables, and its exit code passes through', async () => {
  // k6 cannot be installed on this machine: a stand-in executable records how it was called and
  // exits 99 (k6's code for crossed thresholds). The real k6 runs this same path when present.
  const fake = join(dir, 'fake-k6.sh');
  const record = join(dir, 'fake-k6.out');
  await writeFile(fake, `#!/bin/sh\necho "$@" > "${record}"\nenv | grep -E '^(TALON_BASE_URL|RUN_ID|RESULTS_DIR|RATE|DURATION|SEED|TALON_API_KEY)=' | sed 's/^TALON_API_KEY=.*/TALON_API_KEY=set/' | sort >> "${record}"\nexit 99\n`);
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
  assert.equal(called[0], `run ${join(dir, 'dist', 'lifecycle.js')}`);
  assert.deepEqual(called.slice(1).filter((l) => !l.startsWith('TALON_BASE_URL')), ['DURATION=5s', 'RATE=3', `RESULTS_DIR=${join(dir, 'results-k6')}`, 'RUN_ID=k6-run', 'SEED=4', 'TALON_API_KEY=set']);
  assert.ok(called.some((l) => /^TALON_BASE_URL=http:\/\/127\.0\.0\.1:\d+$/.test(l)), 'k6 is aimed at the local target');
  assert.ok((await readdir(join(dir, 'results-k6'))).includes('k6-run'), 'the run folder exists before k6 writes into it');
  assert.ok(lines.some((l) => l.startsWith(`engine: k6: k6 found at ${fake}`)));
});

test('what the node engine cannot run, and bad variables, are bad input naming the problem', async () => {
  const say = (): void => undefined;
  const capacity = await runScenario({ scenario: 'capacity', engine: 'node', env: NO_K6, say });
  assert.equal(capacity.engine, 'none');
  assert.match(capacity.why, /capacity .* needs k6/);
  const vus = await runScenario({ engine: 'node', env: { ...NO_K6, VUS: '3' }, say });
  assert.match(vus.why, /VUS is a closed k6 model/);
  const rate = await runScenario({ engine: 'node', env: { ...NO_K6, RATE: 'fast' }, say });
  assert.match(rate.why, /RATE must be a positive number/);
  const forced = await runScenario({ engine: 'k6', env: NO_K6, say });
  assert.match(forced.why, /--engine k6: no k6/);
});

test('scaleThinkTimes scales each gap and caps it, as the k6 session runner sleeps', () => {
  const plan: SessionPlan = {
    sessionId: 'x',
    kind: 'checkout',
    steps: [0, 1000, 61_000, 62_000].map((at) => ({ step: 'update' as const, method: 'PUT' as const, path: sessionPath('x'), at })),
  };
  assert.deepEqual(scaleThinkTimes(plan, 0.5, 10_000).steps.map((s) => s.at), [0, 500, 10_500, 11_000]);
  assert.deepEqual(scaleThinkTimes(plan, 0, 10_000).steps.map((s) => s.at), [0, 0, 0, 0]);
});
