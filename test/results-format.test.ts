// The results format as runs write it and readers read it: a real Node engine run's results.json
// agrees with its summary and its slices add up to its totals; long runs coarsen their slices;
// summary.json of results format 1 still reads (and names what it lacks); k6's metric stream
// converts from every time format k6 writes, gzipped too; `cartload convert` and `cartload report`.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runEngine } from '../engine/index.ts';
import { startTarget } from '../emulator/server/index.ts';
import { sessionPath, type SessionPlan } from '../model/plan.ts';
import { ResultsCollector } from '../report/data/collector.ts';
import { MAX_SLICES, RESULTS_VERSION, type Results } from '../report/data/format.ts';
import { LogHistogram } from '../report/data/histogram.ts';
import { parseResults, parseSummary } from '../report/data/parse.ts';
import { summarize } from '../report/data/summarize.ts';
import { convertK6Csv } from '../report/k6/convert.ts';
import { readRun, readRunResults } from '../report/read.ts';
import { runCartload, runMain } from './helpers/cli.ts';

const SAMPLE = fileURLToPath(new URL('./fixtures/k6/out-csv.sample.csv', import.meta.url));
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-format-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const slicesTotal = (r: Results): { n: number; failed: number; latency: number } => {
  let n = 0;
  let failed = 0;
  let latency = 0;
  for (const s of r.timeline.slices) {
    for (const st of Object.values(s.steps)) {
      n += st.n;
      failed += st.failed;
      latency += st.latency.n;
    }
  }
  return { n, failed, latency };
};

test('a Node engine run writes results.json that agrees with its summary; its slices add up to the totals', {
  timeout: 120_000,
}, async () => {
  const target = await startTarget({ knobs: { latency: '2..6', errorRate: 0.1, errorStatus: 503, seed: 3 } });
  try {
    const plan = (i: number): SessionPlan => ({
      sessionId: `fmt-${i}`,
      kind: 'checkout',
      steps: [
        { step: 'open', method: 'PUT', path: sessionPath(`fmt-${i}`), body: { customerSession: { state: 'open' } } },
        { step: 'get', method: 'GET', path: sessionPath(`fmt-${i}`), at: 30 },
      ],
    });
    const res = await runEngine({
      target: target.url,
      apiKey: target.apiKey,
      input: { kind: 'plans', name: 'fmt', plan, durationMs: 1500 },
      timing: { mode: 'rate', rate: 20 },
      resultsDir: dir,
      runId: 'engine',
      scenario: 'fmt',
      options: { rate: 20, apiKey: 'secret-key-value' },
      preflight: false,
    });
    assert.ok(res.summary, res.message);
    assert.deepEqual((await readdir(join(dir, 'engine'))).sort(), [
      'report.html',
      'results.json',
      'summary.json',
      'summary.txt',
    ]);
    const raw = await readFile(join(dir, 'engine', 'results.json'), 'utf8');
    assert.ok(!raw.includes('secret-key-value'), 'no secret in results.json');
    const r = parseResults(JSON.parse(raw), 'results.json');
    assert.equal(r.version, RESULTS_VERSION);
    assert.equal(r.run.engine, 'node');
    assert.equal(r.run.kind, 'scenario');
    assert.equal(r.run.tools.node, process.version);
    assert.ok(r.run.sendingMs !== undefined && r.run.sendingStartedAt !== undefined);
    // summary.json on disk is the view of results.json: the same figures.
    const onDisk = JSON.parse(await readFile(join(dir, 'engine', 'summary.json'), 'utf8'));
    assert.deepEqual(onDisk, JSON.parse(JSON.stringify(summarize(r))));
    assert.deepEqual(res.summary, onDisk);
    assert.equal(r.requests.count, res.summary.requests.total);
    assert.ok(r.requests.failed > 0, 'the target failed some requests (10% 503s)');
    assert.ok(r.timeline.slices.length >= 2, 'more than one slice to add up');
    const t = slicesTotal(r);
    assert.deepEqual(t, { n: r.requests.count, failed: r.requests.failed, latency: r.requests.latency.n });
    // The whole-run histogram is the sum of the slices' (merging is exact).
    const sum = new LogHistogram();
    for (const s of r.timeline.slices)
      for (const st of Object.values(s.steps)) sum.add(LogHistogram.decode(st.latency));
    assert.deepEqual(sum.encode(), r.requests.latency);
    // Paced: lag recorded per slice; sessions counted per slice.
    assert.ok(r.lag && r.lag.lag.n === r.requests.count);
    const started = r.timeline.slices.reduce((n, s) => n + (s.counters?.sessionsStarted ?? 0), 0);
    assert.equal(started, r.sessions.started);
    assert.ok(r.timeline.slices.every((s) => s.t % 1000 === 0));
    // The gate was judged from the histograms: the 10% of 503s crosses the default error-rate gate.
    assert.deepEqual(
      r.thresholds.map((x) => [x.metric, x.expression, x.ok]),
      [['error_rate', 'rate<=0.01', false]],
    );
    assert.equal(res.outcome, 'thresholds');
  } finally {
    await target.close();
  }
});

test('a long run coarsens its slices to the next width, never holding more than MAX_SLICES', () => {
  const c = new ResultsCollector();
  const start = Date.UTC(2026, 0, 1);
  // 40 minutes, one request every 2 s.
  for (let s = 0; s < 2400; s += 2)
    c.answer(start + s * 1000, 'update', 'PUT /v2/customer_sessions/{id}', 200, false, 5);
  const r = c.finish({
    run: {
      runId: 'long',
      engine: 'node',
      kind: 'scenario',
      scenario: 'x',
      target: 't',
      options: {},
      tools: {},
      startedAt: '',
      endedAt: '',
      durationMs: 0,
      interrupted: false,
    },
  });
  assert.equal(r.timeline.widthMs, 5_000);
  assert.ok(r.timeline.slices.length <= MAX_SLICES);
  assert.equal(
    r.timeline.slices.reduce((n, s) => n + s.steps.update!.n, 0),
    1200,
  );
  assert.ok(r.timeline.slices.every((s) => s.t % 5_000 === 0));
});

test('summary.json of results format 1 still reads for figures and reports; merge and compare name the version they need', async () => {
  const old = join(dir, 'old');
  await mkdir(old);
  const v1 = {
    ...summarize(await convertK6Csv({ csv: SAMPLE, runId: 'old' })),
    schemaVersion: 1,
    engine: 'replay',
  };
  // Version 1 had no per-step `failed`: it is the non-2xx statuses.
  for (const st of Object.values(v1.requests.byStep)) delete (st as { failed?: number }).failed;
  await writeFile(join(old, 'summary.json'), JSON.stringify(v1));
  const view = await readRun(old);
  assert.equal(view.results, undefined);
  assert.equal(view.summary.engine, 'node');
  assert.equal(view.summary.requests.byStep.bad?.failed, 1);
  await assert.rejects(
    readRunResults(old, 'merge'),
    /holds summary\.json only: merge needs results\.json \(results format 2/,
  );
  assert.throws(
    () => parseSummary({ ...v1, schemaVersion: 3 }, 's.json'),
    /schemaVersion: is 3: written by a newer cartload; this one reads schemaVersion 1 and 2 \(upgrade cartload\)/,
  );
  assert.throws(
    () => parseResults(v1, 's.json'),
    /this is a summary\.json \(results format 1\); results\.json \(results format 2\) is needed/,
  );
  const r = await convertK6Csv({ csv: SAMPLE });
  assert.throws(
    () => parseResults({ ...r, requests: { ...r.requests, latency: { ...r.requests.latency, n: 1 } } }, 'r.json'),
    /r\.json: requests\.latency: n is 1 but the buckets hold 17/,
  );
  assert.throws(
    () => parseResults({ ...r, timeline: { widthMs: 7, slices: [] } }, 'r.json'),
    /timeline\.widthMs: must be one of 1000, 5000/,
  );
});

test("k6's metric stream converts from every time format k6 writes, and gzipped", async () => {
  const text = await readFile(SAMPLE, 'utf8');
  const base = await convertK6Csv({ csv: SAMPLE, runId: 'x' });
  assert.equal(base.timeline.slices[0]!.t, 1795634179000);
  // The same rows with the timestamp column in each of k6's timeFormat values.
  const formats: Record<string, (s: number) => string> = {
    unix_milli: (s) => String(s * 1000 + 250),
    unix_micro: (s) => String(s * 1_000_000 + 250_000),
    unix_nano: (s) => `${s}250000000`,
    rfc3339: (s) => new Date(s * 1000 + 250).toISOString().replace('Z', '+00:00'),
  };
  for (const [name, f] of Object.entries(formats)) {
    const lines = text.trimEnd().split('\n');
    const rewritten = [
      lines[0],
      ...lines.slice(1).map((l) => l.replace(/^([^,]+),(\d+),/, (_, m: string, s: string) => `${m},${f(Number(s))},`)),
    ].join('\n');
    const file = join(dir, `${name}.csv`);
    await writeFile(file, rewritten);
    const r = await convertK6Csv({ csv: file, runId: 'x' });
    assert.deepEqual(r.requests, base.requests, name);
    assert.equal(r.timeline.slices[0]!.t, 1795634179000, name);
    assert.equal(r.run.endedAt, new Date(1795634179250).toISOString(), `${name}: the end is known to the millisecond`);
  }
  const gz = join(dir, 'k6-metrics.csv.gz');
  await writeFile(gz, gzipSync(text));
  assert.deepEqual((await convertK6Csv({ csv: gz, runId: 'x' })).requests, base.requests);
  const bad = join(dir, 'bad.csv');
  await writeFile(bad, 'timestamp,session_id\n1,2\n');
  await assert.rejects(convertK6Csv({ csv: bad }), /bad\.csv:1: not k6 CSV output \(no metric_name column/);
  await writeFile(bad, `${text.split('\n')[0]}\nhttp_reqs,yesterday,1,,,,true,,GET,x,HTTP/1.1,s,,200,,,x,,\n`);
  await assert.rejects(convertK6Csv({ csv: bad }), /bad\.csv:2: timestamp "yesterday" is not a time k6 writes/);
  await assert.rejects(convertK6Csv({ csv: join(dir, 'none.csv') }), /none\.csv: no such file/);
});

test('the converter reads what k6 says per request: every status per step, failures by expected_response, checks, sessions', async () => {
  const r = await convertK6Csv({
    csv: SAMPLE,
    summary: fileURLToPath(new URL('./fixtures/harness/k6-handleSummary-data.sample.json', import.meta.url)),
  });
  assert.deepEqual(Object.keys(r.requests.byStep), ['bad', 'close', 'open']);
  assert.deepEqual(r.requests.byStep.bad, { ...r.requests.byStep.bad!, count: 1, failed: 1, statuses: { '400': 1 } });
  assert.deepEqual(r.requests.byEndpoint['PUT /v2/customer_sessions/{id}']?.statuses, { '200': 16 });
  assert.deepEqual(
    { passed: r.counters.checksPassed, failed: r.counters.checksFailed, iterations: r.counters.iterations },
    { passed: 30, failed: undefined, iterations: 7 },
  );
  assert.equal(r.sessions.started, 7);
  // k6's own verdicts, from its summary data (the observers left out); its exact test duration.
  assert.deepEqual(
    r.thresholds.map((t) => `${t.metric} ${t.expression} ${t.ok}`),
    [
      'checks rate==1 true',
      'http_req_duration{step:open} p(95)<500 true',
      'cartload_step_duration p(99)<1000 true',
      'http_req_failed rate<0.01 false',
    ],
  );
  assert.equal(r.run.durationMs, 3000);
});

test('cartload convert writes a run folder from k6 output; cartload report rewrites a report', {
  timeout: 120_000,
}, async () => {
  // The bin once (a relative --results-dir resolved in its working folder, exit 0); the rest
  // through main() in this process (the same code, a spawn's cost saved).
  const c = await runCartload(
    ['convert', SAMPLE, '--results-dir', 'conv', '--run-id', 'k6run', '--target', 'http://127.0.0.1:3000'],
    { cwd: dir },
  );
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /^cartload run k6run \(k6\): lifecycle against http:\/\/127\.0\.0\.1:3000/m);
  assert.match(c.stderr, /results: .*conv\/k6run/);
  assert.deepEqual((await readdir(join(dir, 'conv', 'k6run'))).sort(), [
    'report.html',
    'results.json',
    'summary.json',
    'summary.txt',
  ]);
  const conv = join(dir, 'conv');
  const again = await runMain(['convert', SAMPLE, '--results-dir', conv, '--run-id', 'k6run']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /--run-id k6run: .*conv\/k6run already holds a run/);
  await rm(join(conv, 'k6run', 'report.html'));
  const rep = await runMain(['report', join(conv, 'k6run')]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout.trim(), /conv\/k6run\/report\.html$/);
  const html = await readFile(join(conv, 'k6run', 'report.html'), 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
  const missing = await runMain(['report', join(dir, 'nowhere')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nowhere: no such run folder or file/);
});
