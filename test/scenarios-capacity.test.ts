import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../bundle/index.ts';
import type { CapacityFile } from '../model/capacity.ts';
import { capacityFromRun, CapacityInputError } from '../orchestrate/capacity-report.ts';
import { capacitySummary, probesFromK6Summary } from '../scenarios/lib/capacity.ts';
import { parseConfig } from '../scenarios/lib/config.ts';
import type { K6SummaryData } from '../scenarios/lib/k6-summary.ts';
import { capacitySteps } from '../scenarios/lib/load.ts';
import { runMain } from './helpers/cli.ts';

const SLO = { p95Ms: 500, p99Ms: 1000, errorRate: 0.01 };
const config = parseConfig({ RUN_ID: 'run1' });
const steps = capacitySteps(10, 10, 3, '1m', '10s');
let dir: string;

/** A capacity run's handleSummary data: p95 80, 250, 640 ms at 10, 20, 30 sessions/s, 3 requests a session. */
function runData(): K6SummaryData {
  const data: K6SummaryData = {
    metrics: {},
    root_group: { name: '', path: '', groups: [], checks: [] },
    state: { testRunDurationMs: 210_000 },
  };
  for (const [rate, p95] of [
    [10, 80],
    [20, 250],
    [30, 640],
  ] as const) {
    const requests = rate * 180;
    data.metrics[`http_req_duration{stage:${rate}}`] = {
      type: 'trend',
      values: { count: requests, med: p95 / 2, 'p(95)': p95, 'p(99)': p95 * 1.2, max: p95 * 2 },
      thresholds: { 'max>=0': { ok: true } },
    };
    data.metrics[`http_req_failed{stage:${rate}}`] = {
      type: 'rate',
      values: { rate: 0, passes: 0, fails: requests },
      thresholds: { 'rate!=-1': { ok: true } },
    };
    data.metrics[`http_reqs{stage:${rate}}`] = {
      type: 'counter',
      values: { count: requests },
      thresholds: { 'count>=0': { ok: true } },
    };
    data.metrics[`iterations{stage:${rate}}`] = {
      type: 'counter',
      values: { count: rate * 60 },
      thresholds: { 'count>=0': { ok: true } },
    };
  }
  data.metrics['vus_max'] = { type: 'gauge', values: { value: 40, min: 5, max: 40 } };
  return data;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-capacity-'));
  const data = runData();
  const extra = capacitySummary(data, steps, config);
  await mkdir(join(dir, 'run1'));
  await writeFile(join(dir, 'run1', 'k6-summary.json'), JSON.stringify(data));
  await writeFile(join(dir, 'run1', 'capacity.json'), extra.files['capacity.json'] as string);
  // Without RUN_ID, handleSummary writes flat files named after the scenario.
  await writeFile(join(dir, 'capacity-k6-summary.json'), JSON.stringify(data));
  await writeFile(join(dir, 'capacity-capacity.json'), extra.files['capacity.json'] as string);
  // capacity.json as runs wrote it before it carried the probes: the steps, the SLO, the old report.
  await mkdir(join(dir, 'old'));
  await writeFile(join(dir, 'old', 'k6-summary.json'), JSON.stringify(data));
  await writeFile(
    join(dir, 'old', 'capacity.json'),
    JSON.stringify({ steps, slo: SLO, report: { rows: [], sustainable: 20, breaking: 30 } }),
  );
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('each step of a k6 capacity run is a probe: offered and achieved in sessions/s and requests/s, latency, errors', () => {
  const probes = probesFromK6Summary(runData(), steps, 600);
  assert.deepEqual(
    probes.map((p) => p.rate),
    [10, 20, 30],
  );
  const p = probes[1]!;
  assert.deepEqual(p.offered, { sessionsPerSec: 20, requestsPerSec: 60 });
  assert.deepEqual(p.achieved, { sessionsPerSec: 20, requestsPerSec: 60 });
  assert.deepEqual(p.latency, { count: 3600, p50: 125, p95: 250, p99: 300, max: 500 });
  assert.equal(p.generator.delivered, true);
  assert.equal(p.generator.vusMax, 40);
});

test('handleSummary adds capacity.json with the probes, the SLO and the report', () => {
  const extra = capacitySummary(runData(), steps, config);
  const file = JSON.parse(extra.files['capacity.json'] as string) as CapacityFile & { steps: unknown };
  assert.deepEqual(file.steps, steps);
  assert.deepEqual(file.slo, SLO);
  assert.equal(file.kind, 'capacity');
  assert.equal(file.engine, 'k6');
  assert.equal(file.probes.length, 3);
  assert.equal(file.report.sustainable?.sessionsPerSec, 20);
  assert.equal(file.report.sustainable?.requestsPerSec, 60);
  assert.equal(file.report.breaking?.sessionsPerSec, 30);
  assert.match(
    extra.notes[0] as string,
    /^capacity: highest sustainable rate 20 sessions\/s \(60 req\/s\); the SLO broke at 30 sessions\/s/,
  );
  assert.match(extra.text, /p95 latency \(log scale/);
});

test('capacityFromRun judges a run again from its folder, capacity.json or k6-summary.json, under the run SLO or another', async () => {
  const same = await capacityFromRun(join(dir, 'run1'));
  assert.equal(same.file.report.sustainable?.sessionsPerSec, 20);
  assert.deepEqual(same.slo, SLO);
  const strict = await capacityFromRun(join(dir, 'run1', 'k6-summary.json'), { p95Ms: 200 });
  assert.equal(strict.file.report.sustainable?.sessionsPerSec, 10);
  assert.deepEqual(strict.slo, { ...SLO, p95Ms: 200 });
  const lax = await capacityFromRun(join(dir, 'capacity-k6-summary.json'), { p95Ms: 1000, p99Ms: 2000 });
  assert.equal(lax.file.report.sustainable?.sessionsPerSec, 30);
  assert.match(lax.verdict, /the SLO held at every rate tried/);
  const direct = await capacityFromRun(join(dir, 'run1', 'capacity.json'));
  assert.equal(direct.file.report.breaking?.sessionsPerSec, 30);
  const old = await capacityFromRun(join(dir, 'old'), { p95Ms: 200 });
  assert.equal(
    old.file.report.sustainable?.sessionsPerSec,
    10,
    'an older capacity.json is read with its k6-summary.json',
  );
});

test('missing or foreign files are bad input naming the file', async () => {
  await assert.rejects(
    capacityFromRun(join(dir, 'nope')),
    (e: unknown) => e instanceof CapacityInputError && /nope: no such run folder/.test(e.message),
  );
  await mkdir(join(dir, 'not-capacity'));
  await writeFile(join(dir, 'not-capacity', 'k6-summary.json'), JSON.stringify(runData()));
  await assert.rejects(
    capacityFromRun(join(dir, 'not-capacity')),
    /not-capacity\/capacity\.json: cannot read the capacity file \(ENOENT\)/,
  );
  await writeFile(join(dir, 'broken-capacity.json'), '{');
  await assert.rejects(
    capacityFromRun(join(dir, 'broken-capacity.json')),
    /broken-capacity\.json: the capacity file is not valid JSON/,
  );
  await writeFile(join(dir, 'other-capacity.json'), '{"rows":[]}');
  await assert.rejects(capacityFromRun(join(dir, 'other-capacity.json')), /neither "probes" .* nor "steps"/);
  await assert.rejects(capacityFromRun(join(dir, 'run1'), { errorRate: -1 }), /SLO errorRate: must be a number ≥ 0/);
});

test('cartload capacity-report prints the probes, the chart and the verdict; bad input exits 2', async () => {
  // The bin once (exit 0, the text); --json and the bad input through main() in this process.
  const ok = spawnSync(
    process.execPath,
    ['bin/cartload.mjs', 'capacity-report', join(dir, 'run1'), '--p95-ms', '200'],
    {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /capacity under the SLO p95 < 200 ms, p99 < 1000 ms, failed < 1%/);
  assert.match(ok.stdout, /highest sustainable rate 10 sessions\/s \(30 req\/s\); the SLO broke at 20 sessions\/s/);
  const json = await runMain(['capacity-report', join(dir, 'run1'), '--json']);
  assert.equal(json.code, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as CapacityFile).report.sustainable?.sessionsPerSec, 20);
  const bad = await runMain(['capacity-report', join(dir, 'nope')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cartload capacity-report: .*nope: no such run folder or file/);
});
