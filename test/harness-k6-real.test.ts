// The real thing, wherever it exists: builds the scenarios as `npm run build` does (dist/ and the
// results/ folder) and runs them under a real k6 binary (K6_BIN, or k6 on PATH) against the local
// target on a free port, as a CI user would: plain `k6 run dist/smoke.js` (no folder made by hand),
// with RUN_ID, a short `lifecycle`, and `--vus 2 --iterations 9` on every bundle; it checks k6's exit
// code and the files handleSummary wrote. Skipped, with the reason, on machines without k6 (such as
// the project's own: k6 cannot be installed there).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildScenarios } from '../bundle/index.ts';
import { DEFAULT_RESULTS_DIR } from '../model/conventions.ts';
import { locateK6, runK6 } from '../orchestrate/k6-binary.ts';
import { startTarget } from '../emulator/server/index.ts';

const k6 = locateK6();

test('plain k6 run leaves its files; smoke, a short lifecycle and every bundle under --vus/--iterations pass under real k6', {
  timeout: 300_000,
}, async (t) => {
  if ('reason' in k6) {
    t.skip(`k6 not found on PATH or K6_BIN: ${k6.reason}`);
    return;
  }
  const bin = k6.bin;
  const dir = mkdtempSync(join(tmpdir(), 'cartload-k6-real-'));
  const target = await startTarget({ port: 0 });
  try {
    const { bundles } = await buildScenarios({
      outDir: join(dir, 'dist'),
      resultsDir: join(dir, DEFAULT_RESULTS_DIR),
    });
    const file = (name: string): string => {
      const b = bundles.find((x) => x.name === name);
      assert.ok(b, `the build made dist/${name}.js`);
      return b.file;
    };
    const run = async (
      args: string[],
      env: Record<string, string>,
    ): Promise<{ code: number | null; output: string }> => {
      const r = await runK6(bin, ['run', '--no-color', ...args], {
        cwd: dir,
        timeoutMs: 240_000,
        env: {
          ...process.env,
          TALON_BASE_URL: target.url,
          TALON_API_KEY: target.apiKey,
          K6_NO_USAGE_REPORT: 'true',
          ...env,
        },
      });
      return { code: r.code, output: `${r.stdout}\n${r.stderr}` };
    };

    const smoke = await run([file('smoke')], {});
    assert.equal(smoke.code, 0, `k6 run dist/smoke.js exited ${smoke.code}:\n${smoke.output}`);
    assert.doesNotMatch(smoke.output, /could not open/, 'k6 wrote every file');
    assertResults(join(dir, 'results', 'smoke-'), 'smoke');

    const named = await run([file('smoke')], { RUN_ID: 'ci-7' });
    assert.equal(named.code, 0, named.output);
    assertResults(join(dir, 'results', 'ci-7-'), 'smoke');

    const lifecycle = await run([file('lifecycle')], {
      RUN_ID: 'lifecycle-real',
      RATE: '2',
      DURATION: '5s',
      THINK_SCALE: '0',
    });
    assert.equal(lifecycle.code, 0, `k6 run dist/lifecycle.js exited ${lifecycle.code}:\n${lifecycle.output}`);
    assertResults(join(dir, 'results', 'lifecycle-real-'), 'lifecycle');

    for (const b of bundles) {
      const flagged = await run(['--vus', '2', '--iterations', '9', b.file], {
        RUN_ID: `flags-${b.name}`,
        THINK_SCALE: '0',
      });
      assert.equal(
        flagged.code,
        0,
        `k6 run --vus 2 --iterations 9 dist/${b.name}.js exited ${flagged.code}:\n${flagged.output}`,
      );
      assert.doesNotMatch(flagged.output, /not found in exports/);
    }
    assert.ok(!`${smoke.output}${lifecycle.output}`.includes(target.apiKey), 'k6 never printed the API key');
  } finally {
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The four files, flat in results/ under `prefix` (`results/smoke-`, `results/<RUN_ID>-`). */
function assertResults(prefix: string, scenario: string): void {
  for (const f of ['summary.json', 'summary.txt', 'junit.xml', 'k6-summary.json']) {
    assert.ok(existsSync(`${prefix}${f}`), `${scenario}: ${prefix}${f} was written`);
  }
  const summary = JSON.parse(readFileSync(`${prefix}summary.json`, 'utf8')) as {
    tool: string;
    engine: string;
    scenario: string;
    requests: { total: number };
  };
  assert.equal(summary.tool, 'cartload');
  assert.equal(summary.engine, 'k6');
  assert.equal(summary.scenario, scenario);
  assert.ok(summary.requests.total > 0, `${scenario}: requests were sent`);
  assert.match(readFileSync(`${prefix}junit.xml`, 'utf8'), /<testsuites?[\s>]/);
}
