// compareRuns on typed summaries: what passes, what is flagged, what is left unjudged and why.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareRuns, renderComparison, validateSummary, CompareInputError } from '../report/compare.ts';
import { BASELINE, CURRENT, step, summary } from './fixtures/compare/summaries.ts';

const base = summary('a', { open: step(100, 0, 1, 4, 8), update: step(200, 0, 1, 3, 6) });

test('an improvement passes and is marked better', () => {
  const cur = summary('b', { open: step(100, 0, 1, 2, 4), update: step(200, 0, 1, 3, 6) });
  const c = compareRuns(base, cur);
  assert.equal(c.ok, true);
  assert.deepEqual(c.regressions, []);
  assert.equal(c.steps.find((s) => s.step === 'open')?.verdict, 'better');
  assert.equal(c.steps.find((s) => s.step === 'update')?.verdict, 'ok');
});

test('a latency regression in one step is flagged for that step only', () => {
  const c = compareRuns(BASELINE, CURRENT);
  assert.equal(c.ok, false);
  assert.deepEqual(
    c.steps.map((s) => [s.step, s.verdict]),
    [['close', 'better'], ['open', 'ok'], ['reopen', 'too-few'], ['update', 'regression']],
  );
  assert.equal(c.regressions.length, 2);
  assert.match(c.regressions[0]!, /^step update: p95 3\.50 → 4\.90 ms \(\+40\.0%, tolerance \+20%\)$/);
  const p99 = c.steps.find((s) => s.step === 'update')!.metrics.find((m) => m.metric === 'p99')!;
  assert.ok(Math.abs(p99.relative! - 3 / 7) < 1e-9);
});

test('the latency tolerance is an option, and an increase exactly at it passes', () => {
  const cur = summary('b', { open: step(100, 0, 1, 4.8, 8), update: step(200, 0, 1, 3, 6) });
  assert.equal(compareRuns(base, cur).ok, true, '+20% is within the default +20%');
  assert.equal(compareRuns(base, cur, { maxLatencyIncrease: 0.1 }).ok, false);
  assert.equal(compareRuns(BASELINE, CURRENT, { maxLatencyIncrease: 0.5 }).ok, true);
});

test('steps with too few requests are shown, not judged, and said so', () => {
  const c = compareRuns(BASELINE, CURRENT);
  const reopen = c.steps.find((s) => s.step === 'reopen')!;
  assert.equal(reopen.metrics.find((m) => m.metric === 'p95')!.verdict, 'too-few');
  assert.ok(c.warnings.some((w) => w.includes('fewer than 20 requests') && w.includes('reopen (5 → 5)')));
  assert.ok(!c.regressions.some((r) => r.includes('reopen')));
  // With a lower bar the same 3× slower step is judged.
  assert.ok(compareRuns(BASELINE, CURRENT, { minRequests: 5 }).regressions.some((r) => r.startsWith('step reopen: p95')));
});

test('a step in one run only is flagged as new or missing', () => {
  const cur = summary('b', { open: step(100, 0, 1, 4, 8), return: step(30, 0, 1, 2, 3) });
  const c = compareRuns(base, cur);
  assert.equal(c.ok, false);
  assert.equal(c.steps.find((s) => s.step === 'return')?.verdict, 'new');
  assert.equal(c.steps.find((s) => s.step === 'update')?.verdict, 'missing');
  assert.deepEqual(c.regressions, [
    'step return: only in the current run (30 requests)',
    'step update: missing from the current run (200 requests in the baseline)',
  ]);
  const text = renderComparison(c);
  assert.match(text, /^return +requests +- +30 +- +new$/m);
  assert.match(text, /^update +requests +200 +- +- +missing$/m);
});

test('an error-rate increase beyond the tolerance (percentage points) is flagged, per step and overall', () => {
  // update: 0 → 2 of 200 failed = +1 pp; overall 0 → 2 of 300 = +0.67 pp.
  const cur = summary('b', { open: step(100, 0, 1, 4, 8), update: step(200, 2, 1, 3, 6) });
  const c = compareRuns(base, cur);
  assert.deepEqual(c.regressions, [
    'overall: error rate 0.00% → 0.67% (+0.67 pp, tolerance 0.5 pp)',
    'step update: error rate 0.00% → 1.00% (+1.00 pp, tolerance 0.5 pp)',
  ]);
  assert.equal(compareRuns(base, cur, { maxErrorRateIncrease: 1 }).ok, true);
  // 409s count as failures in the error rate and are reported on their own.
  const conflicts = summary('c', { open: step(100, 0, 1, 4, 8), update: step(200, 0, 1, 3, 6, 1) });
  const cc = compareRuns(base, conflicts);
  assert.equal(cc.ok, true, '1 of 200 is +0.5 pp, within the tolerance');
  assert.deepEqual(cc.overall.find((m) => m.metric === '409s')!.current, 1);
});

test('runs of another engine, scenario, target or rate are compared with a warning', () => {
  const cur = summary('b', base.requests.byStep, {
    engine: 'k6',
    target: 'https://staging.example.talon.one',
    options: { ...base.options, rate: 10, sessionPrefix: 'other' },
  });
  const c = compareRuns(base, cur);
  assert.equal(c.ok, true);
  assert.equal(c.warnings.length, 3);
  assert.match(c.warnings[0]!, /engine \(node → k6\)/);
  assert.match(c.warnings[1]!, /target \(http:\/\/127\.0\.0\.1:40001 → https:\/\/staging/);
  assert.match(c.warnings[2]!, /options \(rate 5 → 10\)/, 'the session prefix differs on every run and is not mentioned');
  const both = compareRuns({ ...base, interrupted: true }, { ...base, interrupted: true });
  assert.deepEqual(both.warnings, [
    'the baseline run was interrupted: it holds only part of its traffic',
    'the current run was interrupted: it holds only part of its traffic',
  ]);
  // The local target runs on a new port every time: loopback URLs differing only in port are one target.
  assert.deepEqual(compareRuns(BASELINE, CURRENT).warnings.filter((w) => w.includes('target')), []);
});

test('validateSummary names the file and the field', () => {
  assert.throws(() => validateSummary([], 'x.json'), { name: 'CompareInputError', message: /^x\.json: \(top level\): not a cartload summary\.json/ });
  assert.throws(() => validateSummary({ ...BASELINE, schemaVersion: 2 }, 'x.json'), { message: 'x.json: schemaVersion: is 2; this cartload reads schemaVersion 1' });
  const broken = structuredClone(BASELINE) as unknown as { requests: { byStep: { open: { latency: { p95?: number } } } } };
  delete broken.requests.byStep.open.latency.p95;
  assert.throws(() => validateSummary(broken, 'y.json'), (e: unknown) => e instanceof CompareInputError && e.message === 'y.json: requests.byStep.open.latency.p95: must be a number');
  assert.equal(validateSummary(JSON.parse(JSON.stringify(BASELINE)), 'ok.json').runId, 'baseline');
});

test("a summary written when the Node engine was called 'replay' reads as engine 'node'", () => {
  const old = JSON.parse(JSON.stringify({ ...BASELINE, engine: 'replay' }));
  assert.equal(validateSummary(old, 'old/summary.json').engine, 'node');
  assert.ok(!compareRuns(validateSummary(old, 'old/summary.json'), BASELINE).warnings.some((w) => /differ in engine/.test(w)), 'no "differ in engine" warning');
});
