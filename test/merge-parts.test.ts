// Merging the parts of one run: counts add up exactly, the mean is the count-weighted mean, the
// percentiles are bounded by the parts', a threshold fails when any part failed it, and parts of
// different runs or a part without a summary are refused with the file named.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mergeParts, mergeSummaries } from '../orchestrate/merge-parts.ts';
import type { LatencyStats, RunSummary, StepStats } from '../model/summary.ts';

function latency(p50: number, p95: number, p99: number, count: number): LatencyStats {
  return { count, min: p50 / 2, mean: p50 * 1.1, p50, p90: (p50 + p95) / 2, p95, p99, max: p99 * 1.2 };
}

function step(count: number, failed: number, p50: number, p95: number, p99: number, conflicts = 0): StepStats {
  const statuses: Record<string, number> = { '200': count - failed - conflicts };
  if (conflicts > 0) statuses['409'] = conflicts;
  if (failed > 0) statuses['500'] = failed;
  return { count, statuses, latency: latency(p50, p95, p99, count) };
}

/** A summary-only part (no results.json), its totals derived from its steps. */
function summary(runId: string, byStep: Record<string, StepStats>, extra: Partial<RunSummary> = {}): RunSummary {
  let total = 0;
  let failed = 0;
  let conflicts = 0;
  const byStatus: Record<string, number> = {};
  for (const st of Object.values(byStep)) {
    total += st.count;
    for (const [status, n] of Object.entries(st.statuses)) {
      byStatus[status] = (byStatus[status] ?? 0) + n;
      if (!/^2/.test(status)) failed += n;
      if (status === '409') conflicts += n;
    }
  }
  return {
    tool: 'cartload',
    schemaVersion: 2,
    engine: 'k6',
    runId,
    scenario: 'lifecycle',
    startedAt: '2026-11-25T20:00:00.000Z',
    endedAt: '2026-11-25T20:01:00.000Z',
    durationMs: 60_000,
    target: 'http://127.0.0.1:40001',
    options: { scenario: 'lifecycle', rate: 5, duration: '1m', seed: 1 },
    interrupted: false,
    requests: {
      total,
      failed,
      conflicts409: conflicts,
      byStatus,
      byStep,
      byEndpoint: {},
      latency: latency(2, 6, 12, total),
    },
    sessions: { started: 100, completed: 100 - failed, failed, skippedSteps: 0, byKind: {} },
    ...extra,
  };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-merge-parts-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const A = summary(
  'run-1of2',
  { open: step(100, 2, 1.5, 4, 8), close: step(40, 0, 2, 5, 9, 1) },
  {
    startedAt: '2026-11-25T20:00:00.500Z',
    endedAt: '2026-11-25T20:01:00.000Z',
    thresholds: [
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false },
      { metric: 'http_req_duration{step:open}', expression: 'p(95)<500', ok: true },
    ],
    checks: { passes: 300, fails: 2 },
    notes: ['first note'],
  },
);
const B = summary(
  'run-2of2',
  { open: step(60, 0, 1, 3, 20), update: step(10, 0, 1, 1, 1) },
  {
    startedAt: '2026-11-25T20:00:00.000Z',
    endedAt: '2026-11-25T20:01:02.000Z',
    thresholds: [
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: true },
      { metric: 'http_req_duration{step:open}', expression: 'p(95)<500', ok: true },
    ],
    checks: { passes: 200, fails: 0 },
  },
);

test("counts add up, min/max/mean are exact, percentiles are the highest part's, rates judged on the merged counts", () => {
  const m = mergeSummaries([A, B], 'run');
  assert.equal(m.runId, 'run');
  assert.equal(m.requests.total, A.requests.total + B.requests.total);
  assert.equal(m.requests.failed, 3);
  assert.equal(m.requests.conflicts409, 1);
  assert.deepEqual(m.requests.byStatus, { '200': 207, '409': 1, '500': 2 });
  assert.deepEqual(Object.keys(m.requests.byStep), ['close', 'open', 'update']);
  const open = m.requests.byStep.open!;
  assert.equal(open.count, 160);
  assert.deepEqual(open.statuses, { '200': 158, '500': 2 });
  assert.equal(open.latency.count, 160);
  assert.equal(open.latency.min, 0.5);
  assert.equal(open.latency.max, 24);
  assert.equal(open.latency.mean, Math.round(((1.65 * 100 + 1.1 * 60) / 160) * 1000) / 1000);
  assert.equal(open.latency.p95, 4);
  assert.equal(open.latency.p99, 20);
  assert.equal(m.sessions.started, 200);
  assert.deepEqual(m.checks, { passes: 500, fails: 2 });
  assert.equal(m.startedAt, B.startedAt);
  assert.equal(m.endedAt, B.endedAt);
  assert.equal(m.durationMs, 62_000);
  assert.deepEqual(m.thresholds, [
    { metric: 'http_req_failed', expression: 'rate<0.01', ok: false },
    { metric: 'http_req_duration{step:open}', expression: 'p(95)<500', ok: true },
  ]);
  assert.ok(m.notes?.some((n) => /merged from 2 parts .*upper bound/.test(n)));
  assert.ok(m.notes?.includes('part 1 (run-1of2): first note'));
  // The failed-request rate and the checks' rate are judged on the merged counts: 1 failure in 60
  // fails `rate<0.01` in its part, 1 in 260 passes on the whole run.
  const failing = summary(
    'f',
    { open: step(60, 1, 1, 2, 3) },
    {
      thresholds: [
        { metric: 'error_rate', expression: 'rate<=0.01', ok: false },
        { metric: 'checks', expression: 'rate>=0.99', ok: false },
      ],
      checks: { passes: 97, fails: 3 },
    },
  );
  const clean = summary(
    'c',
    { open: step(200, 0, 1, 2, 3) },
    {
      thresholds: [
        { metric: 'error_rate', expression: 'rate<=0.01', ok: true },
        { metric: 'checks', expression: 'rate>=0.99', ok: true },
      ],
      checks: { passes: 400, fails: 0 },
    },
  );
  assert.deepEqual(
    mergeSummaries([failing, clean], 'fc').thresholds?.map((t) => t.ok),
    [true, true],
  );
  assert.deepEqual(
    mergeSummaries([failing, { ...clean, checks: { passes: 100, fails: 0 } }], 'fc').thresholds?.map((t) => t.ok),
    [true, false],
  );
  assert.throws(
    () => mergeSummaries([A, { ...B, scenario: 'smoke' }], 'x'),
    /the parts ran different things \(lifecycle, smoke\)/,
  );
  assert.throws(() => mergeSummaries([], 'x'), /no parts/);
});

test('mergeParts writes the merged summary.json and summary.txt, and names a part it cannot read', async () => {
  const parts = [join(dir, 'a'), join(dir, 'b')];
  await mkdir(parts[0]!, { recursive: true });
  await mkdir(parts[1]!, { recursive: true });
  await writeFile(join(parts[0]!, 'summary.json'), JSON.stringify(A));
  await writeFile(join(parts[1]!, 'summary.json'), JSON.stringify(B));
  const out = join(dir, 'merged');
  await mkdir(out);
  const r = await mergeParts({ parts, dir: out, runId: 'run', notes: ['two shards'] });
  assert.equal(r.ok, false);
  const written = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
  assert.equal(written.requests.total, 210);
  assert.equal(written.notes[0], 'two shards');
  assert.match(await readFile(join(out, 'summary.txt'), 'utf8'), /FAIL threshold http_req_failed: rate<0\.01/);
  await assert.rejects(
    mergeParts({ parts: [...parts, join(dir, 'missing')], dir: out, runId: 'run' }),
    /missing[/\\]summary\.json: missing/,
  );
  await writeFile(join(dir, 'a', 'summary.json'), '{"tool":"other"}');
  await assert.rejects(mergeParts({ parts, dir: out, runId: 'run' }), /not a cartload summary\.json/);
});
