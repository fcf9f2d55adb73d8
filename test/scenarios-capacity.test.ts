import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PROJECT_ROOT } from '../bundle/index.ts';
import { capacityFromRun, CapacityInputError } from '../orchestrate/capacity-report.ts';
import { capacitySummary, type CapacityFile } from '../scenarios/lib/capacity.ts';
import type { K6SummaryData } from '../scenarios/lib/k6-summary.ts';
import { capacitySteps } from '../scenarios/lib/load.ts';

const SLO = { p95Ms: 500, p99Ms: 1000, errorRate: 0.01 };
const steps = capacitySteps(10, 10, 3, '1m', '10s');
let dir: string;

/** A capacity run's handleSummary data: p95 80, 250, 640 ms at 10, 20, 30 sessions/s. */
function runData(): K6SummaryData {
  const data: K6SummaryData = { metrics: {}, root_group: { name: '', path: '', groups: [], checks: [] }, state: { testRunDurationMs: 210_000 } };
  for (const [rate, p95] of [
    [10, 80],
    [20, 250],
    [30, 640],
  ] as const) {
    data.metrics[`http_req_duration{stage:${rate}}`] = { type: 'trend', values: { count: rate * 180, 'p(95)': p95, 'p(99)': p95 * 1.2 }, thresholds: { 'max>=0': { ok: true } } };
    data.metrics[`http_req_failed{stage:${rate}}`] = { type: 'rate', values: { rate: 0, passes: 0, fails: rate * 180 }, thresholds: { 'rate!=-1': { ok: true } } };
    data.metrics[`iterations{stage:${rate}}`] = { type: 'counter', values: { count: rate * 60 }, thresholds: { 'count>=0': { ok: true } } };
  }
  return data;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-capacity-'));
  const data = runData();
  const extra = capacitySummary(data, steps, SLO);
  await mkdir(join(dir, 'run1'));
  await writeFile(join(dir, 'run1', 'k6-summary.json'), JSON.stringify(data));
  await writeFile(join(dir, 'run1', 'capacity.json'), extra.files['capacity.json'] as string);
  // Without RUN_ID, handleSummary writes flat files named after the scenario.
  await writeFile(join(dir, 'capacity-k6-summary.json'), JSON.stringify(data));
  await writeFile(join(dir, 'capacity-capacity.json'), extra.files['capacity.json'] as string);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('handleSummary adds capacity.json with the steps, the SLO and the report', () => {
  const extra = capacitySummary(runData(), steps, SLO);
  const file = JSON.parse(extra.files['capacity.json'] as string) as CapacityFile;
  assert.deepEqual(file.steps, steps);
  assert.deepEqual(file.slo, SLO);
  assert.equal(file.report.sustainable, 20);
  assert.equal(file.report.breaking, 30);
  assert.deepEqual(extra.notes, ['capacity: highest sustainable rate 20 sessions/s; the SLO broke at 30/s']);
});

test('capacityFromRun recomputes the report from a run folder or its k6-summary.json, under the run SLO or another', async () => {
  const same = await capacityFromRun(join(dir, 'run1'));
  assert.equal(same.report.sustainable, 20);
  assert.deepEqual(same.slo, SLO);
  const strict = await capacityFromRun(join(dir, 'run1', 'k6-summary.json'), { p95Ms: 200 });
  assert.equal(strict.report.sustainable, 10);
  assert.deepEqual(strict.slo, { ...SLO, p95Ms: 200 });
  const lax = await capacityFromRun(join(dir, 'capacity-k6-summary.json'), { p95Ms: 1000, p99Ms: 2000 });
  assert.equal(lax.report.sustainable, 30);
  assert.match(lax.verdict, /the SLO held at every step/);
});

test('missing or foreign files are bad input naming the file', async () => {
  await assert.rejects(capacityFromRun(join(dir, 'nope')), (e: unknown) => e instanceof CapacityInputError && /nope: no such run folder/.test(e.message));
  await mkdir(join(dir, 'not-capacity'));
  await writeFile(join(dir, 'not-capacity', 'k6-summary.json'), JSON.stringify(runData()));
  await assert.rejects(capacityFromRun(join(dir, 'not-capacity')), /not-capacity\/capacity\.json: cannot read the capacity file \(ENOENT\)/);
  await writeFile(join(dir, 'broken-k6-summary.json'), '{');
  await assert.rejects(capacityFromRun(join(dir, 'broken-k6-summary.json')), /broken-k6-summary\.json: the k6 summary is not valid JSON/);
  await assert.rejects(capacityFromRun(join(dir, 'run1'), { errorRate: -1 }), /SLO errorRate: must be a number ≥ 0/);
});

test('cartload capacity-report prints the steps and the verdict; bad input exits 2', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/cartload.mjs', 'capacity-report', ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
  const ok = run(join(dir, 'run1'), '--p95-ms', '200');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /SLO: p95 < 200 ms, p99 < 1000 ms, failed < 1%/);
  assert.match(ok.stdout, /highest sustainable rate 10 sessions\/s; the SLO broke at 20\/s/);
  const json = run(join(dir, 'run1'), '--json');
  assert.equal(json.status, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as { sustainable: number }).sustainable, 20);
  const bad = run(join(dir, 'nope'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /cartload capacity-report: .*nope: no such run folder or file/);
});
