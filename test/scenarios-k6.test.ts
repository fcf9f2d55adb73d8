// The scenario bundles under a real k6, when one is installed (PATH or K6_BIN): smoke and a short
// lifecycle against the local target on a free port. Skipped, saying why, on machines without k6.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildScenarios } from '../bundle/index.ts';
import { locateK6, runK6 } from '../harness/k6-binary.ts';
import type { RunSummary } from '../model/summary.ts';
import { startTarget, type RunningTarget } from '../target/server/index.ts';

const k6 = locateK6();
const skip = k6.bin === undefined ? `real k6 not available: ${k6.reason}` : false;

let dir: string;
let target: RunningTarget;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'cartload-k6-'));
  await buildScenarios({ outDir: join(dir, 'dist'), seed: 5 });
  target = await startTarget({ port: 0, apiKey: 'k6-integration-key' });
});
after(async () => {
  if (skip) return;
  await target.close();
  await rm(dir, { recursive: true, force: true });
});

async function runScenario(name: string, runId: string, env: Record<string, string> = {}): Promise<{ code: number | null; summary: RunSummary; output: string }> {
  const results = join(dir, 'results');
  await mkdir(join(results, runId), { recursive: true });
  const r = await runK6(k6.bin as string, ['run', '--quiet', join(dir, 'dist', `${name}.js`)], {
    cwd: dir,
    env: { ...process.env, TALON_BASE_URL: target.url, TALON_API_KEY: target.apiKey, RUN_ID: runId, RESULTS_DIR: results, K6_NO_USAGE_REPORT: 'true', ...env },
    timeoutMs: 120_000,
  });
  const output = `${r.stdout}\n${r.stderr}`;
  const summary = JSON.parse(await readFile(join(results, runId, 'summary.json'), 'utf8')) as RunSummary;
  assert.doesNotMatch(output, new RegExp(target.apiKey), 'the key is never printed');
  return { code: r.code, summary, output };
}

test('real k6: smoke passes every check against the local target', { skip, timeout: 180_000 }, async () => {
  const { code, summary, output } = await runScenario('smoke', 'k6-smoke');
  assert.equal(code, 0, output);
  assert.equal(summary.engine, 'k6');
  assert.equal(summary.sessions.completed, 7);
  assert.equal(summary.checks?.fails, 0);
  assert.match(output, /all thresholds passed/);
});

test('real k6: a short lifecycle run at an open rate passes its thresholds', { skip, timeout: 180_000 }, async () => {
  const { code, summary, output } = await runScenario('lifecycle', 'k6-lifecycle', { RATE: '4', DURATION: '5s', THINK_SCALE: '0.01' });
  assert.equal(code, 0, output);
  assert.ok(summary.sessions.started >= 10, `started ${summary.sessions.started}`);
  assert.equal(summary.sessions.failed, 0);
});
