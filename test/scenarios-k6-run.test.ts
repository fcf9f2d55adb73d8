// The bundles as a CI user runs them with plain `k6 run`, through the harness: on a fresh clone
// after `npm run build` the files handleSummary names are really written (the harness writes them
// as k6 does, unable to create a folder), and each bundle runs under k6's own --vus/--iterations/
// --duration, which replace its scenarios with one that runs the default export.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildScenarios } from '../bundle/index.ts';
import { DEFAULT_RESULTS_DIR } from '../model/conventions.ts';
import { LIFECYCLE_KINDS } from '../model/plan.ts';
import { runK6Bundle, type HarnessResult } from './harness/index.ts';
import { parseXml } from './xml-wellformed.ts';

/** A fresh clone after `npm run build`: dist/ and the results/ folder the build makes. */
let clone: string;
const bundle = (name: string): string => join(clone, 'dist', `${name}.js`);
const BUNDLES = ['smoke', 'lifecycle', 'capacity', 'big-carts', 'dry-run'];

before(async () => {
  clone = await mkdtemp(join(tmpdir(), 'cartload-clone-'));
  // What `npm run build` (cartload build) does from the project's folder.
  await buildScenarios({ outDir: join(clone, 'dist'), resultsDir: join(clone, DEFAULT_RESULTS_DIR), seed: 1 });
});
after(async () => {
  await rm(clone, { recursive: true, force: true });
});

/** The files the stdout summary says it wrote: `results in <prefix>{a,b,c}`. */
function claimed(r: HarnessResult): string[] {
  const m = /results in (\S+?)\{([^}]+)\}/.exec(r.summary.stdout ?? '');
  assert.ok(m, `the summary names its files:\n${r.summary.stdout}`);
  return m[2]!.split(',').map((f) => `${m[1]}${f}`);
}

function assertClaimsHold(r: HarnessResult, cwd: string): void {
  assert.deepEqual(r.summaryWrites?.errors, [], 'k6 could write every file');
  const files = claimed(r);
  assert.deepEqual(
    [...files].sort(),
    Object.keys(r.summary)
      .filter((k) => k !== 'stdout')
      .sort(),
    'the summary claims exactly the files it returned',
  );
  for (const f of files) assert.ok(existsSync(join(cwd, f)), `${f} exists, as the summary says`);
}

test('plain `k6 run dist/smoke.js` after the build leaves every file where its summary says, with and without RUN_ID', async () => {
  const plain = await runK6Bundle({ bundle: bundle('smoke'), iterations: LIFECYCLE_KINDS.length, cwd: clone });
  assert.equal(plain.exitCode, 0);
  assertClaimsHold(plain, clone);
  assert.deepEqual(claimed(plain), [
    'results/smoke-summary.json',
    'results/smoke-summary.txt',
    'results/smoke-junit.xml',
    'results/smoke-k6-summary.json',
  ]);
  assert.equal(parseXml(readFileSync(join(clone, 'results/smoke-junit.xml'), 'utf8')).attrs.failures, '0');

  const named = await runK6Bundle({
    bundle: bundle('smoke'),
    iterations: LIFECYCLE_KINDS.length,
    cwd: clone,
    env: { RUN_ID: 'ci-1234' },
  });
  assertClaimsHold(named, clone);
  assert.ok(existsSync(join(clone, 'results/ci-1234-junit.xml')));
  const summary = JSON.parse(readFileSync(join(clone, 'results/ci-1234-summary.json'), 'utf8')) as { runId: string };
  assert.equal(summary.runId, 'ci-1234');
});

test('k6 cannot create folders: without the build’s results/ every file fails as in k6, and the run still exits 0', async () => {
  const elsewhere = await mkdtemp(join(tmpdir(), 'cartload-no-results-'));
  try {
    const r = await runK6Bundle({ bundle: bundle('smoke'), iterations: LIFECYCLE_KINDS.length, cwd: elsewhere });
    assert.equal(r.exitCode, 0, 'k6 only logs what it could not write');
    assert.deepEqual(r.summaryWrites?.written, []);
    assert.ok(
      r.summaryWrites?.errors.includes("could not open 'results/smoke-junit.xml': no such file or directory"),
      JSON.stringify(r.summaryWrites),
    );
    assert.equal(r.summaryWrites?.errors.length, 4);

    // RUN_DIR names a folder someone made (cartload run does): plain names inside it.
    await mkdir(join(elsewhere, 'run-7'));
    const inDir = await runK6Bundle({
      bundle: bundle('smoke'),
      iterations: LIFECYCLE_KINDS.length,
      cwd: elsewhere,
      env: { RUN_ID: 'run-7', RUN_DIR: 'run-7' },
    });
    assertClaimsHold(inDir, elsewhere);
    assert.ok(existsSync(join(elsewhere, 'run-7', 'summary.json')));
  } finally {
    await rm(elsewhere, { recursive: true, force: true });
  }
});

test('every bundle runs one whole session per iteration under k6 run --vus 2 --iterations 9', async () => {
  for (const name of BUNDLES) {
    const r = await runK6Bundle({
      bundle: bundle(name),
      flags: { vus: 2, iterations: 9 },
      env: { THINK_SCALE: '0', RATE: '1' },
    });
    assert.deepEqual(
      r.scenario,
      { name: 'default', executor: 'shared-iterations', exec: 'default', env: {}, tags: {} },
      `${name}: the flags replace the scenarios`,
    );
    assert.deepEqual(Object.keys(r.options.scenarios as object), ['default']);
    assert.deepEqual(r.errors, [], `${name}: no iteration threw`);
    assert.deepEqual(r.failedChecks.slice(0, 2), [], `${name}: every check passed`);
    assert.equal(r.iterations.completed, 9);
    const sessions = new Set(r.requests.filter((q) => q.phase === 'iteration').map((q) => q.path.split('/')[3]));
    assert.equal(sessions.size, 9, `${name}: nine sessions`);
    assert.equal(
      new Set(r.requests.filter((q) => q.phase === 'iteration').map((q) => q.vu)).size,
      2,
      `${name}: over two VUs`,
    );
    assert.equal(r.exitCode, 0, `${name}: ${JSON.stringify(r.thresholds.filter((t) => !t.ok))}`);
  }
});

test('--duration makes a constant-vus `default`; --vus alone keeps the script’s scenarios, as in k6', async () => {
  const timed = await runK6Bundle({
    bundle: bundle('lifecycle'),
    flags: { vus: 3, duration: '30s' },
    iterations: 6,
    env: { THINK_SCALE: '0' },
  });
  assert.deepEqual((timed.options.scenarios as Record<string, unknown>).default, {
    executor: 'constant-vus',
    vus: 3,
    duration: '30s',
  });
  assert.equal(timed.iterations.completed, 6);
  assert.deepEqual(timed.failedChecks, []);
  const vusOnly = await runK6Bundle({
    bundle: bundle('lifecycle'),
    flags: { vus: 3 },
    iterations: 2,
    env: { THINK_SCALE: '0' },
  });
  assert.equal(vusOnly.scenario.name, 'lifecycle');
});

test('a script without a default export is refused under --iterations with k6’s message', async () => {
  const file = join(clone, 'dist', 'no-default.js');
  await writeFile(
    file,
    `export const options = { scenarios: { s: { executor: 'shared-iterations', exec: 'named' } } };\nexport function named() {}\n`,
  );
  await assert.rejects(
    runK6Bundle({ bundle: file, flags: { vus: 4, iterations: 60 } }),
    /executor default: function 'default' not found in exports/,
  );
  const own = await runK6Bundle({ bundle: file });
  assert.equal(own.iterations.completed, 1, 'its own scenario still runs');
});
