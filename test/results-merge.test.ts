// Merging the parts of a split test: percentiles recomputed from the merged histograms (equal to
// the union's within the histogram's precision), counts that add up to the single run's on the
// same traffic (Node engine halves, and real k6 output split in two), thresholds judged again.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { runEngine } from '../engine/index.ts';
import { startTarget } from '../emulator/server/index.ts';
import { createPlanner } from '../generators/planner.ts';
import { buildPools } from '../generators/pools.ts';
import { scaleThinkTimes } from '../orchestrate/run.ts';
import { ResultsCollector } from '../report/data/collector.ts';
import type { Results } from '../report/data/format.ts';
import { mergeResults, MergeError } from '../report/data/merge.ts';
import { summarize } from '../report/data/summarize.ts';
import { TimelineAcc } from '../report/data/timeline.ts';
import { convertK6Csv } from '../report/k6/convert.ts';
import { readRunResults } from '../report/read.ts';
import { replayFile } from '../orchestrate/replay.ts';
import { makeEvents } from './fixtures/replay-engine/events.ts';
import { writeRequestLog } from './fixtures/replay-engine/request-log.ts';
import { startRecorder } from './fixtures/replay-engine/server.ts';
import { mergeRunFolders } from '../report/runs.ts';
import { writeRunFolder } from '../report/write.ts';
import { random } from './fixtures/compare/results.ts';
import { runCartload, runMain } from './helpers/cli.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-merge-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const START = Date.UTC(2026, 10, 25, 20, 0, 0);

function part(
  runId: string,
  samples: number[],
  o: { scenario?: string; thresholds?: Results['thresholds']; options?: Record<string, unknown> } = {},
): Results {
  const c = new ResultsCollector();
  samples.forEach((ms, i) => c.answer(START + i * 7, 'update', 'PUT /v2/customer_sessions/{id}', 200, false, ms));
  return c.finish({
    run: {
      runId,
      engine: 'k6',
      kind: 'scenario',
      scenario: o.scenario ?? 'lifecycle',
      target: 'http://127.0.0.1:3000',
      options: o.options ?? {},
      tools: { cartload: 'test' },
      startedAt: new Date(START).toISOString(),
      endedAt: new Date(START + samples.length * 7).toISOString(),
      durationMs: samples.length * 7,
      interrupted: false,
    },
    thresholds: o.thresholds ?? [],
  });
}

function lognormal(n: number, seed: number, median: number): number[] {
  const r = random(seed);
  return Array.from(
    { length: n },
    () => median * Math.exp(0.7 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())),
  );
}

const exactMs = (values: number[], q: number): number => {
  const us = values.map((v) => Math.round(v * 1000)).sort((a, b) => a - b);
  return us[Math.max(1, Math.ceil(q * us.length)) - 1]! / 1000;
};

test('the merged p99 is the p99 of the union of the samples, within the histogram precision; never an average', () => {
  // Three instances with different speeds (three machines), as k6 segments would be.
  const samples = [lognormal(4000, 1, 8), lognormal(2500, 2, 20), lognormal(150, 3, 60)];
  const merged = summarize(mergeResults(samples.map((s, i) => part(`i${i}`, s))));
  const union = samples.flat();
  for (const [q, key] of [
    [0.5, 'p50'],
    [0.95, 'p95'],
    [0.99, 'p99'],
  ] as const) {
    const want = exactMs(union, q);
    const got = merged.requests.byStep.update!.latency[key];
    assert.ok(Math.abs(got - want) <= want / 256 + 0.001, `${key}: merged ${got} vs union ${want}`);
    assert.equal(merged.requests.latency[key], got);
  }
  const averaged = samples.map((s) => exactMs(s, 0.99)).reduce((a, b) => a + b, 0) / samples.length;
  assert.ok(
    Math.abs(averaged - merged.requests.latency.p99) > 5,
    `averaging p99s (${averaged}) would be far off (${merged.requests.latency.p99})`,
  );
  assert.equal(merged.requests.total, 6650);
  assert.deepEqual(merged.parts, ['i0', 'i1', 'i2']);
});

test("thresholds are judged again on the merged data; those it cannot say keep the parts' verdict", () => {
  const t = (ok: boolean): Results['thresholds'] => [
    { metric: 'http_req_duration{step:update}', expression: 'p(95)<30', ok },
    { metric: 'http_req_duration{stage:80}', expression: 'p(95)<300', ok },
  ];
  // Fast part passes p95 < 30 ms on its own, slow part fails; together they fail (the union's p95 is above 30 ms).
  const fast = part('fast', lognormal(3000, 4, 8), { thresholds: t(true) });
  const slow = part('slow', lognormal(1000, 5, 40), {
    thresholds: [{ ...t(false)[0]!, ok: false }, { ...t(true)[1]! }],
  });
  const m = mergeResults([fast, slow], { runId: 'm' });
  const value = m.thresholds[0]?.value ?? 0;
  assert.ok(value > 30, `the merged p95 is the value judged: ${value}`);
  assert.deepEqual(m.thresholds, [
    { metric: 'http_req_duration{step:update}', expression: 'p(95)<30', ok: false, value, recomputed: true },
    { metric: 'http_req_duration{stage:80}', expression: 'p(95)<300', ok: true, recomputed: false },
  ]);
  assert.equal(m.run.runId, 'm');
  // With a looser limit the merged run passes though one part failed alone: the merged data decides.
  const loose = mergeResults([
    part('a', lognormal(3000, 4, 8), {
      thresholds: [{ metric: 'http_req_duration', expression: 'p(95)<60', ok: true }],
    }),
    part('b', lognormal(300, 5, 40), {
      thresholds: [{ metric: 'http_req_duration', expression: 'p(95)<60', ok: false }],
    }),
  ]);
  assert.deepEqual(
    loose.thresholds.map(({ value: _, ...t }) => t),
    [{ metric: 'http_req_duration', expression: 'p(95)<60', ok: true, recomputed: true }],
  );
});

test('merge refuses what is not one split test, and lines up time slices of different widths', () => {
  assert.throws(
    () => mergeResults([part('a', [1, 2]), part('b', [1], { scenario: 'smoke' })]),
    (e: unknown) => e instanceof MergeError && /differ in scenario \(lifecycle vs smoke\)/.test(e.message),
  );
  assert.throws(() => mergeResults([part('a', [1, 2]), part('a', [1, 2])]), /run a is given twice/);
  const a = part('a', [5, 6, 7]);
  const b = part('b', [8, 9]);
  const coarse = TimelineAcc.decode(b.timeline);
  coarse.coarsen(5_000);
  b.timeline = coarse.encode();
  const m = mergeResults([a, b]);
  assert.equal(m.timeline.widthMs, 5_000);
  assert.deepEqual(
    m.timeline.slices.map((s) => [s.t, s.steps.update!.n]),
    [[START, 5]],
  );
  const withOptions = mergeResults([
    part('x', [1], { options: { rate: 5, executionSegment: '0:1/2' } }),
    part('y', [1], { options: { rate: 10, executionSegment: '1/2:1' } }),
  ]);
  assert.ok(
    withOptions.notes.some((n) => n === 'the parts ran with different options: rate (5 / 10)'),
    withOptions.notes.join('\n'),
  );
  assert.deepEqual(
    withOptions.run.parts?.map((p) => p.segment),
    ['0:1/2', '1/2:1'],
  );
});

test("real k6 output split in two halves merges into exactly the whole run's results", async () => {
  const csv = fileURLToPath(new URL('./fixtures/k6/out-csv.sample.csv', import.meta.url));
  const lines = (await readFile(csv, 'utf8')).trimEnd().split('\n');
  const [header, ...rows] = lines;
  const half = Math.floor(rows.length / 2);
  const first = join(dir, 'first.csv');
  const second = join(dir, 'second.csv');
  await writeFile(first, [header, ...rows.slice(0, half)].join('\n'));
  await writeFile(second, [header, ...rows.slice(half)].join('\n'));
  const whole = await convertK6Csv({ csv, runId: 'whole' });
  const merged = mergeResults([
    await convertK6Csv({ csv: first, runId: 'first' }),
    await convertK6Csv({ csv: second, runId: 'second' }),
  ]);
  assert.deepEqual(
    merged.requests,
    whole.requests,
    'counts, statuses and histograms per step and endpoint are the same',
  );
  assert.deepEqual(merged.timeline, whole.timeline);
  assert.deepEqual(merged.counters, whole.counters);
  assert.deepEqual(merged.sessions, whole.sessions);
  assert.equal(whole.requests.count, 17);
});

test("k6 runner folders that kept k6's metric stream (k6-metrics.csv.gz) merge as converted, without a convert step", async () => {
  const csv = fileURLToPath(new URL('./fixtures/k6/out-csv.sample.csv', import.meta.url));
  const [header, ...rows] = (await readFile(csv, 'utf8')).trimEnd().split('\n');
  const half = Math.floor(rows.length / 2);
  const pods = [join(dir, 'pods', 'runner-1'), join(dir, 'pods', 'runner-2')];
  for (const [i, pod] of pods.entries()) {
    await mkdir(pod, { recursive: true });
    const part = i === 0 ? rows.slice(0, half) : rows.slice(half);
    await writeFile(join(pod, 'k6-metrics.csv.gz'), gzipSync([header, ...part].join('\n')));
  }
  const whole = await convertK6Csv({ csv, runId: 'whole' });
  const read = await readRunResults(pods[0] as string, 'merge');
  assert.equal(read.run.runId, 'runner-1', 'without a summary, named after its folder (the pod)');
  const merged = await mergeRunFolders(pods, { out: join(dir, 'pods', 'all'), runId: 'all' });
  assert.deepEqual(merged.results.requests, whole.requests);
  assert.deepEqual(merged.results.timeline, whole.timeline);
});

test('replay shards of one file merge their read-side counts once: nothing left out by the shards, the sample once', {
  timeout: 120_000,
}, async () => {
  const file = join(dir, 'shards.csv');
  await writeRequestLog(file, makeEvents({ sessions: 60, gapMs: 1 }));
  const server = await startRecorder();
  try {
    const common = {
      file,
      target: server.url,
      timing: { mode: 'asap' as const },
      resultsDir: join(dir, 'shards'),
      preflight: false,
    };
    const run = async (runId: string, filters: Record<string, unknown>): Promise<Results> => {
      // The options the CLI records with a run (the merge reads the shard from them).
      const f = { sample: 0.5, ...filters };
      const r = await replayFile({ ...common, runId, filters: f, options: { file, filters: f } });
      assert.equal(r.outcome, 'ok', r.message);
      return readRunResults(r.dir as string, 'merge');
    };
    const whole = await run('whole', {});
    const a = await run('a', { shard: { index: 1, count: 2 } });
    const b = await run('b', { shard: { index: 2, count: 2 } });
    const m = mergeResults([a, b], { runId: 'ab' });
    assert.equal(m.requests.count, whole.requests.count);
    assert.deepEqual(m.filteredSteps, whole.filteredSteps, 'the sample once, nothing left out by the shards');
    assert.ok(!m.notes.some((n) => /different options/.test(n)), JSON.stringify(m.notes));
  } finally {
    await server.close();
  }
});

test('the Node engine: two halves of the same sessions, merged, equal the single run in counts', {
  timeout: 120_000,
}, async () => {
  // Small pools: the merged counts do not depend on the catalog's size.
  const pools = buildPools({
    seed: 3,
    sizes: { products: 200, validCoupons: 100, loyaltyCards: 200, profileIds: 200 },
  });
  const planner = createPlanner({ pools, seed: 3, sessionPrefix: 'seg' });
  const N = 60;
  const runOn = async (
    runId: string,
    indices: (i: number) => number,
    limit: number,
    url: string,
    apiKey: string,
  ): Promise<Results> => {
    const res = await runEngine({
      target: url,
      apiKey,
      input: { kind: 'plans', name: 'segments', plan: (i) => scaleThinkTimes(planner.plan(indices(i)), 0, 0), limit },
      timing: { mode: 'asap' },
      connections: 8,
      resultsDir: dir,
      runId,
      scenario: 'segments',
      options: { segment: runId },
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    return readRunResults(join(dir, runId), 'merge');
  };
  const single = await startTarget();
  const shared = await startTarget();
  try {
    const whole = await runOn('whole', (i) => i, N, single.url, single.apiKey);
    // Two instances side by side against one target, as two k6 segments would be.
    const [h1, h2] = await Promise.all([
      runOn('half-1', (i) => i, N / 2, shared.url, shared.apiKey),
      runOn('half-2', (i) => N / 2 + i, N / 2, shared.url, shared.apiKey),
    ]);
    const merged = mergeResults([h1, h2], { runId: 'halves' });
    const counts = (r: Results) => ({
      total: r.requests.count,
      failed: r.requests.failed,
      statuses: r.requests.statuses,
      byStep: Object.fromEntries(
        Object.entries(r.requests.byStep).map(([k, t]) => [
          k,
          { count: t.count, failed: t.failed, statuses: t.statuses },
        ]),
      ),
      byEndpoint: Object.fromEntries(Object.entries(r.requests.byEndpoint).map(([k, t]) => [k, t.count])),
      sessions: r.sessions,
    });
    assert.deepEqual(counts(merged), counts(whole));
    assert.ok(whole.requests.count > N, `${whole.requests.count} requests`);
    assert.equal(
      merged.timeline.slices.reduce((n, s) => n + Object.values(s.steps).reduce((m, st) => m + st.n, 0), 0),
      whole.requests.count,
      'every request is in a slice',
    );
    assert.deepEqual(
      merged.run.parts?.map((p) => [p.runId, p.segment]),
      [
        ['half-1', 'half-1'],
        ['half-2', 'half-2'],
      ],
    );
  } finally {
    await Promise.all([single.close(), shared.close()]);
  }
});

test('cartload merge writes one run folder and exits 99 when a merged threshold is crossed', async () => {
  const fail = [{ metric: 'http_req_duration', expression: 'p(95)<30', ok: true }];
  for (const [id, samples] of [
    ['p1', lognormal(2000, 6, 8)],
    ['p2', lognormal(1000, 7, 40)],
  ] as const) {
    await mkdir(join(dir, 'cli', id), { recursive: true });
    await writeRunFolder(join(dir, 'cli', id), part(id, samples, { thresholds: fail }));
  }
  const r = await runCartload(['merge', 'cli/p1', 'cli/p2', '--results-dir', 'cli', '--run-id', 'both'], { cwd: dir });
  assert.equal(r.code, 99, r.stderr);
  assert.match(r.stdout, /^cartload run both \(k6\): lifecycle/m);
  assert.match(r.stdout, /FAIL threshold http_req_duration: p\(95\)<30/);
  assert.deepEqual((await readdir(join(dir, 'cli', 'both'))).sort(), [
    'report.html',
    'results.json',
    'summary.json',
    'summary.txt',
  ]);
  // The refusals through main() in this process: the spawn above proves the bin exits with main()'s code.
  const cli = (p: string): string => join(dir, 'cli', p);
  const again = await runMain(['merge', cli('p1'), cli('p2'), '--out', cli('both')]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /already holds files/);
  const one = await runMain(['merge', cli('p1')]);
  assert.equal(one.code, 2);
  assert.match(one.stderr, /merge needs at least two runs/);
});
