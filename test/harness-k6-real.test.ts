// The real thing, wherever it exists: builds the scenarios and runs `smoke` and a short `lifecycle`
// under a real k6 binary (K6_BIN, or k6 on PATH) against the local target on a free port, and
// checks k6's exit code and the results files handleSummary wrote. Skipped, with the reason, on
// machines without k6 (such as the project's own: k6 cannot be installed there).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildScenarios } from '../bundle/index.ts';
import { locateK6, runK6 } from '../orchestrate/k6-binary.ts';
import { startTarget } from '../emulator/server/index.ts';

const k6 = locateK6();

interface Run {
  code: number | null;
  output: string;
  results: string;
}

test('smoke and a short lifecycle pass under real k6 against the local target', { timeout: 300_000 }, async (t) => {
  if ('reason' in k6) {
    t.skip(`k6 not found on PATH or K6_BIN: ${k6.reason}`);
    return;
  }
  const bin = k6.bin;
  const dir = mkdtempSync(join(tmpdir(), 'cartload-k6-real-'));
  const target = await startTarget({ port: 0 });
  try {
    const { bundles } = await buildScenarios({ outDir: join(dir, 'dist') });
    const file = (name: string): string => {
      const b = bundles.find((x) => x.name === name);
      assert.ok(b, `the build made dist/${name}.js`);
      return b.file;
    };
    const run = async (name: string, runId: string, env: Record<string, string>): Promise<Run> => {
      const results = join(dir, 'results');
      // k6's handleSummary does not create folders.
      mkdirSync(join(results, runId), { recursive: true });
      const r = await runK6(bin, ['run', '--no-color', file(name)], {
        cwd: dir,
        timeoutMs: 240_000,
        env: {
          ...process.env,
          TALON_BASE_URL: target.url,
          TALON_API_KEY: target.apiKey,
          RESULTS_DIR: results,
          RUN_ID: runId,
          K6_NO_USAGE_REPORT: 'true',
          ...env,
        },
      });
      return { code: r.code, output: `${r.stdout}\n${r.stderr}`, results: join(results, runId) };
    };

    const smoke = await run('smoke', 'smoke-real', {});
    assert.equal(smoke.code, 0, `k6 run dist/smoke.js exited ${smoke.code}:\n${smoke.output}`);
    assertResults(smoke, 'smoke');

    const lifecycle = await run('lifecycle', 'lifecycle-real', { RATE: '2', DURATION: '5s', THINK_SCALE: '0' });
    assert.equal(lifecycle.code, 0, `k6 run dist/lifecycle.js exited ${lifecycle.code}:\n${lifecycle.output}`);
    assertResults(lifecycle, 'lifecycle');
    assert.ok(!`${smoke.output}${lifecycle.output}`.includes(target.apiKey), 'k6 never printed the API key');
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function assertResults(run: Run, scenario: string): void {
  for (const f of ['summary.json', 'summary.txt', 'junit.xml', 'k6-summary.json']) {
    assert.ok(existsSync(join(run.results, f)), `${scenario}: ${f} was written to ${run.results}`);
  }
  const summary = JSON.parse(readFileSync(join(run.results, 'summary.json'), 'utf8')) as { tool: string; engine: string; scenario: string; requests: { total: number } };
  assert.equal(summary.tool, 'cartload');
  assert.equal(summary.engine, 'k6');
  assert.equal(summary.scenario, scenario);
  assert.ok(summary.requests.total > 0, `${scenario}: requests were sent`);
  assert.match(readFileSync(join(run.results, 'junit.xml'), 'utf8'), /<testsuites?[\s>]/);
}
