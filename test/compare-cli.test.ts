// `cartload compare` as a user runs it, on run folders (synthetic and real): its outputs (text,
// Markdown, JSON), exit codes, and bad input. The package bin is spawned once per exit code (99, 2)
// to prove the process ends with the code main() returns; the other cases run main() in this
// process, which is what the bin runs.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Comparison } from '../report/compare.ts';
import { summarize } from '../report/data/summarize.ts';
import { writeRunFolder } from '../report/write.ts';
import { synthRun, uniformMs } from './fixtures/compare/results.ts';
import { runCartload, runMain } from './helpers/cli.ts';

let dir: string;
const steps = (scale = 1) => ({
  open: { rate: 20, latency: (u: number) => uniformMs(10, 30)(u) * scale },
  update: { rate: 40, latency: (u: number) => uniformMs(8, 20)(u) * scale },
});
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-compare-'));
  for (const [id, run] of [
    ['base', synthRun('base', steps(), { seed: 1 })],
    ['same', synthRun('same', steps(), { seed: 2 })],
    ['slow', synthRun('slow', steps(1.3), { seed: 3 })],
    ['other', synthRun('other', steps(), { seed: 4, scenario: 'big-carts' })],
  ] as const) {
    await mkdir(join(dir, id));
    await writeRunFolder(join(dir, id), run);
  }
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const env = { TALON_BASE_URL: '', TALON_API_KEY: '' };
/** The package bin, spawned in the runs' folder. */
const spawned = (args: string[]) => runCartload(args, { cwd: dir, env });
/** main() in this process: run folders given by their full paths. */
const at = (...names: string[]) => names.map((n) => join(dir, n));
const cartload = (args: string[]) => runMain(args, { env });

test('a regression exits 99 with a table on stdout, and --json and --markdown files', async () => {
  const json = join(dir, 'cmp.json');
  const md = join(dir, 'cmp.md');
  const r = await spawned(['compare', 'base', 'slow', '--json', json, '--markdown', md]);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /^step +metric +baseline +current +change +noise range +verdict$/m);
  assert.match(
    r.stdout,
    /^open +p95 +2\d\.\d ms +3\d\.\d ms +\+\d\d\.\d% \(\+\d\.\d\d ms\) +\d\.\d\d…\d+\.\d+ ms +regression$/m,
  );
  assert.match(r.stdout, /^regression: step open: p95 /m);
  assert.match(r.stdout, /^result: \d regressions$/m);
  const c = JSON.parse(await readFile(json, 'utf8')) as Comparison;
  assert.equal(c.ok, false);
  assert.equal(c.baseline.runId, 'base');
  assert.match(await readFile(md, 'utf8'), /^### cartload compare: ❌ \d regressions/);
});

test('two runs of the same traffic pass with exit 0; --format picks what stdout gets', async () => {
  let r = await cartload(['compare', ...at('base', join('same', 'results.json'))]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^result: no regression$/m);
  r = await cartload(['compare', ...at('base', 'same'), '--format', 'json']);
  assert.equal((JSON.parse(r.stdout) as Comparison).ok, true);
  r = await cartload(['compare', ...at('base', 'same'), '--format', 'markdown']);
  assert.match(r.stdout, /^### cartload compare: ✅ no regression/);
});

test('the floors are options: the same slowdown passes above a +40% floor', async () => {
  const r = await cartload(['compare', ...at('base', 'slow'), '--max-latency-increase', '40']);
  assert.equal(r.code, 0, r.stdout);
});

test('runs of different scenarios are refused (exit 2) unless --allow-different', async () => {
  let r = await cartload(['compare', ...at('base', 'other')]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /the runs are of different tests \(scenario lifecycle vs scenario big-carts\).*--allow-different/,
  );
  r = await cartload(['compare', ...at('base', 'other'), '--allow-different']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^warning: the runs are of different tests/m);
});

test('two real smoke runs of the Node engine compare, run folders as arguments', async () => {
  for (const id of ['a', 'b']) {
    const run = await cartload([
      'run',
      'smoke',
      '--engine',
      'node',
      '--results-dir',
      join(dir, 'r'),
      '--run-id',
      id,
      '--no-progress',
    ]);
    assert.equal(run.code, 0, run.stderr);
  }
  const r = await cartload(['compare', join(dir, 'r/a'), join(dir, 'r/b'), '--json', join(dir, 'real.json')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const c = JSON.parse(await readFile(join(dir, 'real.json'), 'utf8')) as Comparison;
  const a = JSON.parse(await readFile(join(dir, 'r/a/summary.json'), 'utf8')) as {
    requests: { total: number; byStep: object };
  };
  assert.deepEqual(
    c.steps.map((s) => s.step),
    Object.keys(a.requests.byStep).sort(),
  );
  assert.equal(c.overall.find((m) => m.metric === 'requests')!.baseline, a.requests.total);
  // smoke sends one session per kind: no step reaches 20 requests, and the output says so.
  assert.ok(c.steps.every((s) => s.verdict === 'too-few'));
  assert.match(r.stdout, /^warning: not judged, fewer than 20 requests in a run: /m);
  assert.doesNotMatch(r.stdout, /differ in target/, 'the local target on another port is the same target');
});

test('bad input exits 2 naming the file, the field or the version needed', async () => {
  const notJson = join(dir, 'not.json');
  await writeFile(notJson, 'timestamp,session_id\n');
  let r = await spawned(['compare', notJson, 'base']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not\.json: not valid JSON/);

  // A folder from an older cartload: summary.json only (results format 1).
  await mkdir(join(dir, 'old'));
  await writeFile(
    join(dir, 'old', 'summary.json'),
    JSON.stringify({ ...summarize(synthRun('old', steps())), schemaVersion: 1, engine: 'replay' }),
  );
  r = await cartload(['compare', ...at('old', 'base')]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /old holds summary\.json only: compare needs results\.json \(results format 2, with latency histograms\)/,
  );

  const future = join(dir, 'future.json');
  await writeFile(
    future,
    JSON.stringify({ ...JSON.parse(await readFile(join(dir, 'base', 'results.json'), 'utf8')), version: 3 }),
  );
  r = await cartload(['compare', ...at('base'), future]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /future\.json: version: is 3: written by a newer cartload; this one reads results format 2/);

  r = await cartload(['compare', ...at('nowhere', 'base')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nowhere: no such run folder or file/);

  r = await cartload(['compare', ...at('base', 'same'), '--max-latency-increase', '-5']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^cartload compare: --max-latency-increase -5: must be a number at least 0\n$/);
});
