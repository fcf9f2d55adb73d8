// `cartload compare` as a user runs it: the CLI (spawned once, in this process otherwise) on the
// committed fixtures, on two real smoke runs made at test time, and on bad input.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Comparison } from '../report/compare.ts';
import { BASELINE, CURRENT } from './fixtures/compare/summaries.ts';
import { runCartload, runMain } from './helpers/cli.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const FIX = join(ROOT, 'test/fixtures/compare');
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-compare-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cartload = (args: string[]) => runMain(args, { env: { PATH: '/nonexistent', K6_BIN: '' } });
const spawned = (args: string[]) => runCartload(args, { cwd: dir, env: { TALON_BASE_URL: '', TALON_API_KEY: '' } });

test('the JSON fixtures are the typed summaries written out', async () => {
  assert.deepEqual(JSON.parse(await readFile(join(FIX, 'baseline.json'), 'utf8')), BASELINE);
  assert.deepEqual(JSON.parse(await readFile(join(FIX, 'current.json'), 'utf8')), CURRENT);
});

test('a regression exits 99 with a table on stdout and the comparison in --json', async () => {
  const json = join(dir, 'cmp.json');
  const r = await spawned(['compare', join(FIX, 'baseline.json'), join(FIX, 'current.json'), '--json', json]);
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /^step +metric +baseline +current +change +verdict$/m);
  assert.match(r.stdout, /^update +p95 +3\.50 ms +4\.90 ms +\+40\.0% +regression$/m);
  assert.match(r.stdout, /^close +p95 +5\.00 ms +3\.00 ms +-40\.0% +better$/m);
  assert.match(r.stdout, /^result: 2 regressions$/m);
  const c = JSON.parse(await readFile(json, 'utf8')) as Comparison;
  assert.equal(c.ok, false);
  assert.equal(c.regressions.length, 2);
  assert.equal(c.baseline.runId, 'baseline');
});

test('within a wider tolerance the same runs pass with exit 0', async () => {
  const r = await cartload(['compare', join(FIX, 'baseline.json'), join(FIX, 'current.json'), '--max-latency-increase', '50']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^result: no regression$/m);
});

test('two real smoke runs of the Node engine compare, run folders as arguments', async () => {
  for (const id of ['a', 'b']) {
    const run = await cartload(['run', 'smoke', '--engine', 'node', '--results-dir', join(dir, 'r'), '--run-id', id, '--no-progress']);
    assert.equal(run.code, 0, run.stderr);
  }
  const r = await cartload(['compare', join(dir, 'r/a'), join(dir, 'r/b/summary.json'), '--json', join(dir, 'real.json')]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const c = JSON.parse(await readFile(join(dir, 'real.json'), 'utf8')) as Comparison;
  const a = JSON.parse(await readFile(join(dir, 'r/a/summary.json'), 'utf8')) as { requests: { total: number; byStep: object } };
  assert.deepEqual(c.steps.map((s) => s.step), Object.keys(a.requests.byStep).sort());
  assert.equal(c.overall.find((m) => m.metric === 'requests')!.baseline, a.requests.total);
  // smoke sends one session per kind: no step reaches 20 requests, and the output says so.
  assert.ok(c.steps.every((s) => s.verdict === 'too-few'));
  assert.match(r.stdout, /^warning: not judged, fewer than 20 requests in a run: /m);
  assert.doesNotMatch(r.stdout, /differ in target/, 'the local target on another port is the same target');
});

test('bad input exits 2 naming the file (and the field)', async () => {
  const notJson = join(dir, 'not.json');
  await writeFile(notJson, 'timestamp,session_id\n');
  let r = await cartload(['compare', notJson, join(FIX, 'current.json')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`${notJson.replace(/[.\\/]/g, '\\$&')}: not a cartload summary\\.json: not valid JSON`));

  const v2 = join(dir, 'v2.json');
  await writeFile(v2, JSON.stringify({ ...BASELINE, schemaVersion: 2 }));
  r = await cartload(['compare', join(FIX, 'baseline.json'), v2]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /v2\.json: schemaVersion: is 2; this cartload reads schemaVersion 1/);

  r = await cartload(['compare', join(dir, 'nowhere'), join(FIX, 'current.json')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nowhere: no such run folder or file/);

  r = await cartload(['compare', join(FIX, 'baseline.json'), join(FIX, 'current.json'), '--max-latency-increase', '-5']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^cartload compare: --max-latency-increase -5: must be a number at least 0\n$/);
});
