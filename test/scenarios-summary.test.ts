import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SUMMARY_SCHEMA_VERSION } from '../model/summary.ts';
import { escapeXml, renderJUnit } from '../report/junit.ts';
import { capacityReport } from '../model/capacity.ts';
import { probesFromK6Summary } from '../scenarios/lib/capacity.ts';
import { parseConfig } from '../scenarios/lib/config.ts';
import { allChecks, realThresholds, toRunSummary, type K6SummaryData } from '../scenarios/lib/k6-summary.ts';
import { capacitySteps } from '../scenarios/lib/load.ts';
import { makeK6RunId, resultsPrefix, summaryFiles } from '../scenarios/lib/summary.ts';
import { parseXml } from './xml-wellformed.ts';

// The real data object a k6 v2.2 run handed to handleSummary (test/fixtures/scenarios/k6-handleSummary-data.sample.json).
const realData = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures/scenarios/k6-handleSummary-data.sample.json'), 'utf8'),
) as K6SummaryData;
const endedAt = new Date('2026-11-25T19:16:22.000Z');

test('real k6 summary data becomes a RunSummary', () => {
  const s = toRunSummary(realData, {
    scenario: 'facts',
    runId: 'r1',
    target: 'http://127.0.0.1:18181',
    options: {},
    endedAt,
  });
  assert.equal(s.tool, 'cartload');
  assert.equal(s.schemaVersion, SUMMARY_SCHEMA_VERSION);
  assert.equal(s.engine, 'k6');
  assert.equal(s.durationMs, realData.state.testRunDurationMs);
  assert.equal(s.startedAt, new Date(endedAt.getTime() - realData.state.testRunDurationMs).toISOString());
  assert.equal(s.requests.total, 124);
  assert.equal(s.requests.failed, 4, 'http_req_failed passes are the failed requests');
  assert.equal(s.sessions.started, 60);
  assert.deepEqual(s.checks, { passes: 240, fails: 0 });
  assert.equal(s.requests.latency.p95, realData.metrics.http_req_duration?.values['p(95)']);
  assert.equal(s.requests.latency.p50, realData.metrics.http_req_duration?.values.med);
  assert.equal(s.requests.latency.count, 124, 'without the count stat, the request count stands in');
  assert.deepEqual(
    s.requests.byStep.open?.latency.p95,
    realData.metrics['http_req_duration{step:open}']?.values['p(95)'],
  );
  assert.deepEqual(
    s.thresholds?.map((t) => `${t.metric} ${t.expression} ${t.ok}`),
    [
      'cartload_step_duration p(99)<1000 true',
      'checks rate==1 true',
      'http_req_duration{step:open} p(95)<500 true',
      'http_req_failed rate<0.01 false',
    ],
  );
  assert.ok(s.notes?.some((n) => n.includes('dropped')));
});

test('observers stay out of the thresholds, and the sub-metrics fill the breakdowns', () => {
  const data: K6SummaryData = structuredClone(realData);
  const m = data.metrics;
  m['http_req_duration{step:close}'] = {
    type: 'trend',
    values: { count: 60, avg: 2, min: 1, med: 2, max: 5, 'p(90)': 3, 'p(95)': 4, 'p(99)': 4.5 },
    thresholds: { 'max>=0': { ok: true } },
  };
  m['http_req_failed{step:close}'] = {
    type: 'rate',
    values: { rate: 0.05, passes: 3, fails: 57 },
    thresholds: { 'rate!=-1': { ok: true } },
  };
  m['http_reqs{status:200}'] = {
    type: 'counter',
    values: { count: 120, rate: 40 },
    thresholds: { 'count>=0': { ok: true } },
  };
  m['http_reqs{status:409}'] = {
    type: 'counter',
    values: { count: 3, rate: 1 },
    thresholds: { 'count>=0': { ok: true } },
  };
  m['http_reqs{status:0}'] = {
    type: 'counter',
    values: { count: 1, rate: 0.3 },
    thresholds: { 'count>=0': { ok: true } },
  };
  m.cartload_lifecycles_completed = { type: 'counter', values: { count: 57, rate: 19 } };
  m['cartload_lifecycles_completed{kind:checkout}'] = {
    type: 'counter',
    values: { count: 57, rate: 19 },
    thresholds: { 'count>=0': { ok: true } },
  };
  m['cartload_lifecycles_failed{kind:checkout}'] = {
    type: 'counter',
    values: { count: 3, rate: 1 },
    thresholds: { 'count>=0': { ok: true } },
  };
  m.cartload_conflicts = { type: 'counter', values: { count: 3, rate: 1 } };
  m.cartload_rejected_coupons = { type: 'counter', values: { count: 9, rate: 3 } };
  m.cartload_skipped_steps = { type: 'counter', values: { count: 2, rate: 1 } };
  const s = toRunSummary(data, { scenario: 'x', runId: 'r', target: 't', options: {}, endedAt });
  assert.deepEqual(s.requests.byStep.close, {
    count: 60,
    statuses: { '200': 57, failed: 3 },
    latency: { count: 60, min: 1, mean: 2, p50: 2, p90: 3, p95: 4, p99: 4.5, max: 5 },
  });
  assert.deepEqual(s.requests.byStatus, { '200': 120, '409': 3, error: 1 });
  assert.deepEqual(s.sessions.byKind, { checkout: { completed: 57, failed: 3 } });
  assert.equal(s.sessions.completed, 57);
  assert.equal(s.sessions.skippedSteps, 2);
  assert.equal(s.requests.conflicts409, 3);
  assert.equal(s.rejectedCoupons, 9);
  assert.ok(
    !s.thresholds?.some((t) => t.expression === 'max>=0' || t.expression === 'rate!=-1' || t.expression === 'count>=0'),
  );
  assert.equal(realThresholds(data).length, 4);
});

test('JUnit: one test case per check and per threshold, failures for the failed ones, valid and escaped XML', () => {
  const xml = renderJUnit({
    name: 'cartload <smoke> & "friends"',
    checks: [
      { name: 'open: status 200', path: '::open: status 200', passes: 7, fails: 0 },
      { name: "close: state 'closed' <ok>", path: '::lifecycle::close', passes: 5, fails: 2 },
    ],
    thresholds: [
      { metric: 'http_req_failed', expression: 'rate<0.01', ok: false, observed: 'rate=0.0323' },
      { metric: 'http_req_duration{step:open}', expression: 'p(95)<500', ok: true },
    ],
    durationMs: 3000.3,
    timestamp: '2026-11-25T19:16:19.000Z',
  });
  const root = parseXml(xml);
  assert.equal(root.name, 'testsuites');
  assert.equal(root.attrs.name, 'cartload <smoke> & "friends"');
  assert.equal(root.attrs.tests, '4');
  assert.equal(root.attrs.failures, '2');
  const [checks, thresholds] = root.children;
  assert.equal(checks?.attrs.tests, '2');
  assert.equal(checks?.attrs.failures, '1');
  assert.equal(checks?.attrs.time, '3.000');
  assert.equal(checks?.attrs.timestamp, '2026-11-25T19:16:19');
  const failedCheck = checks?.children[1];
  assert.equal(failedCheck?.attrs.name, 'lifecycle › close');
  assert.equal(failedCheck?.children[0]?.name, 'failure');
  assert.match(failedCheck?.children[0]?.attrs.message ?? '', /2 of 7 failed/);
  assert.equal(checks?.children[0]?.children.length, 0, 'a passing check has no failure');
  assert.equal(thresholds?.children[0]?.attrs.name, 'http_req_failed: rate<0.01');
  assert.match(thresholds?.children[0]?.children[0]?.text ?? '', /rate=0\.0323/);
  assert.equal(thresholds?.children[1]?.children.length, 0);
  assert.equal(escapeXml('a\u0001b<'), 'ab&lt;', 'characters XML cannot carry are dropped');
});

test('summaryFiles writes the four files into RESULTS_DIR named after RUN_ID, and a short stdout summary, never the key', () => {
  const config = parseConfig({ RUN_ID: 'ci-42', RESULTS_DIR: 'out/', TALON_API_KEY: 'k-very-secret' });
  const files = summaryFiles(realData, { scenario: 'smoke', config, now: endedAt });
  // Flat in RESULTS_DIR: a folder per run would need a folder k6 cannot create.
  assert.deepEqual(Object.keys(files).sort(), [
    'out/ci-42-junit.xml',
    'out/ci-42-k6-summary.json',
    'out/ci-42-summary.json',
    'out/ci-42-summary.txt',
    'stdout',
  ]);
  const summary = JSON.parse(files['out/ci-42-summary.json'] as string) as {
    runId: string;
    scenario: string;
    options: Record<string, unknown>;
  };
  assert.equal(summary.runId, 'ci-42');
  assert.equal(summary.scenario, 'smoke');
  assert.equal(summary.options.apiKey, '[redacted]');
  assert.deepEqual(JSON.parse(files['out/ci-42-k6-summary.json'] as string), realData);
  parseXml(files['out/ci-42-junit.xml'] as string);
  assert.match(files.stdout as string, /cartload run ci-42 \(k6\): smoke/);
  assert.match(files.stdout as string, /FAIL threshold http_req_failed: rate<0\.01/);
  assert.match(files.stdout as string, /1 threshold\(s\) crossed: k6 exits 99/);
  assert.match(
    files.stdout as string,
    /results in out\/ci-42-\{summary\.json,summary\.txt,junit\.xml,k6-summary\.json\}/,
  );
  for (const text of Object.values(files)) assert.doesNotMatch(text, /k-very-secret/);

  const unnamed = summaryFiles(realData, { scenario: 'smoke', config: parseConfig({}), now: endedAt, random: () => 0 });
  assert.ok('results/smoke-summary.json' in unnamed, 'without RUN_ID the files are named after the scenario');
  const id = (JSON.parse(unnamed['results/smoke-summary.json'] as string) as { runId: string }).runId;
  assert.equal(
    id,
    makeK6RunId(new Date(endedAt.getTime() - realData.state.testRunDurationMs), () => 0),
  );
  assert.match(id, /^\d{8}-\d{6}-[a-z0-9]{6}$/);

  // RUN_DIR: a folder made for the run (by cartload run, or an init container) takes the plain names.
  const inRunDir = summaryFiles(realData, {
    scenario: 'smoke',
    config: parseConfig({ RUN_ID: 'ci-42', RUN_DIR: '/runs/ci-42/' }),
    now: endedAt,
  });
  assert.deepEqual(Object.keys(inRunDir).sort(), [
    '/runs/ci-42/junit.xml',
    '/runs/ci-42/k6-summary.json',
    '/runs/ci-42/summary.json',
    '/runs/ci-42/summary.txt',
    'stdout',
  ]);
  assert.equal(resultsPrefix({ resultsDir: 'results', runDir: '/' }, 'smoke'), '/', 'the root folder is not doubled');
});

test('the capacity report finds the highest rate that met the SLO at every step up to it', () => {
  const steps = capacitySteps(10, 10, 4, '1m', '10s');
  const data: K6SummaryData = {
    metrics: {},
    root_group: { name: '', path: '', groups: [], checks: [] },
    state: { testRunDurationMs: 280_000 },
  };
  const step = (rate: number, p95: number, failed: number, started: number): void => {
    data.metrics[`http_req_duration{stage:${rate}}`] = {
      type: 'trend',
      values: { count: started * 3, med: p95 / 2, 'p(95)': p95, 'p(99)': p95 * 1.5 },
    };
    data.metrics[`http_req_failed{stage:${rate}}`] = {
      type: 'rate',
      values: {
        rate: failed,
        passes: Math.round(failed * started * 3),
        fails: started * 3 - Math.round(failed * started * 3),
      },
    };
    data.metrics[`iterations{stage:${rate}}`] = { type: 'counter', values: { count: started } };
  };
  step(10, 80, 0, 600);
  step(20, 150, 0.001, 1200);
  step(30, 640, 0.002, 1800);
  step(40, 300, 0, 2400); // lower latency after the break does not make 40/s sustainable
  const SLO = { p95Ms: 500, p99Ms: 1000, errorRate: 0.01 };
  const report = capacityReport(probesFromK6Summary(data, steps), SLO);
  assert.equal(report.sustainable?.sessionsPerSec, 20);
  assert.equal(report.breaking?.sessionsPerSec, 30);
  assert.deepEqual(
    report.verdicts.map((r) => r.ok),
    [true, true, false, true],
  );
  assert.match(report.verdicts[2]?.reasons.join() ?? '', /p95 640 ms ≥ 500/);
  assert.match(
    report.verdict,
    /^highest sustainable rate 20 sessions\/s \(60 req\/s\); the SLO broke at 30 sessions\/s/,
  );

  step(10, 80, 0, 300); // half the sessions finished...
  assert.equal(
    capacityReport(probesFromK6Summary(data, steps), SLO).sustainable?.sessionsPerSec,
    20,
    '...which alone says nothing',
  );
  data.metrics.dropped_iterations = { type: 'counter', values: { count: 280 } }; // ...and k6 had no VU for the rest
  const short = capacityReport(probesFromK6Summary(data, steps), SLO);
  assert.equal(short.verdicts[0]?.ok, false);
  assert.equal(
    short.verdicts[0]?.limit,
    'generator',
    'the generator, not the target, fell short: the step is judged neither way',
  );
  assert.equal(short.generatorLimit?.sessionsPerSec, 10);
  assert.match(short.verdicts[0]?.reasons.join() ?? '', /k6 dropped 280 sessions for want of a free VU/);
});

test('allChecks walks nested groups', () => {
  assert.deepEqual(
    allChecks(realData.root_group).map((c) => c.path),
    ['::lifecycle::status is 200', '::lifecycle::state matches'],
  );
});
