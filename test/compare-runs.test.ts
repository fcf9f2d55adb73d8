// compareResults on synthetic runs: a change fails the gate only when it is both large (beyond the
// relative and absolute floors) and beyond the runs' noise (the block bootstrap over time slices);
// bursts, tiny absolute changes and small samples do not cry wolf.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareResults, CompareInputError } from '../report/compare.ts';
import { renderComparison, renderComparisonMarkdown } from '../report/compare-render.ts';
import { synthRun, uniformMs } from './fixtures/compare/results.ts';

const steps = (scale = 1, extra = 0) => ({
  open: { rate: 100, latency: (u: number) => uniformMs(10, 30)(u) * scale + extra },
  update: { rate: 200, latency: (u: number) => uniformMs(8, 20)(u) * scale + extra },
});

test('two runs of the same distribution (different draws) pass: no regression, nothing flagged', () => {
  const c = compareResults(synthRun('a', steps(), { seed: 1 }), synthRun('b', steps(), { seed: 2 }));
  assert.equal(c.ok, true, c.regressions.join('\n'));
  assert.deepEqual(c.noise, []);
  assert.deepEqual(
    c.steps.map((s) => [s.step, s.verdict]),
    [
      ['open', 'ok'],
      ['update', 'ok'],
    ],
  );
  // Both synthetic runs cover the same ten seconds: their slices are resampled in pairs.
  assert.deepEqual(c.steps[0]!.noise, { mode: 'paired', blocks: [10, 10] });
});

test('runs made at different times are resampled each on its own, with the same verdicts', () => {
  const later = Date.UTC(2026, 10, 26, 9, 0, 0);
  const same = compareResults(synthRun('a', steps(), { seed: 1 }), synthRun('b', steps(), { seed: 2, startMs: later }));
  assert.deepEqual(same.steps[0]!.noise, { mode: 'slices', blocks: [10, 10] });
  assert.equal(same.ok, true);
  const slow = compareResults(
    synthRun('a', steps(), { seed: 1 }),
    synthRun('b', steps(1.3), { seed: 2, startMs: later }),
  );
  assert.equal(slow.ok, false);
  const burst = compareResults(
    synthRun('a', steps(), { seed: 1 }),
    synthRun('b', steps(), { seed: 2, startMs: later, burst: { seconds: [6], ms: 120 } }),
  );
  assert.equal(burst.ok, true, burst.regressions.join('\n'));
});

test('side by side, a stall that hits both runs at once cancels out', () => {
  // The same slow second in both runs (one machine, one pause): the tails move together.
  const stalled = { seconds: [4], ms: 150 };
  const c = compareResults(
    synthRun('a', steps(), { seed: 1, burst: stalled }),
    synthRun('b', steps(1.3), { seed: 2, burst: stalled }),
  );
  assert.equal(c.ok, false, 'the real +30% is still caught');
  const p50 = c.steps.find((s) => s.step === 'open')!.metrics.find((m) => m.metric === 'p50')!;
  assert.equal(p50.verdict, 'regression');
  assert.equal(p50.worse, 1);
});

test('a real slowdown (+30% at every second) is a regression, with the reason', () => {
  const c = compareResults(synthRun('a', steps(), { seed: 1 }), synthRun('b', steps(1.3), { seed: 2 }));
  assert.equal(c.ok, false);
  const p95 = c.steps.find((s) => s.step === 'open')!.metrics.find((m) => m.metric === 'p95')!;
  assert.equal(p95.verdict, 'regression');
  assert.ok(p95.relative! > 0.25 && p95.relative! < 0.35, String(p95.relative));
  assert.equal(p95.worse, 1);
  assert.ok(p95.interval![0] > 5, `the whole interval is an increase: ${p95.interval}`);
  assert.match(
    c.regressions.find((r) => r.startsWith('step open: p95'))!,
    /^step open: p95 2\d\.\d+ → 3\d\.\d+ ms \(\+\d+\.\d%, \+\d\.\d\d ms: beyond the floors \(\+20% and \+5 ms\) and beyond noise \(slower in 100\.0% of 1000 resamples\)\)$/,
  );
});

test('one slow second (a pause, a noisy neighbour) makes p99 jump, but it is noise, not a regression', () => {
  const c = compareResults(
    synthRun('a', steps(), { seed: 1 }),
    synthRun('b', steps(), { seed: 2, burst: { seconds: [6], ms: 120 } }),
  );
  assert.equal(c.ok, true, c.regressions.join('\n'));
  const p99 = c.steps.find((s) => s.step === 'update')!.metrics.find((m) => m.metric === 'p99')!;
  assert.ok(p99.relative! > 1, `p99 more than doubled: ${p99.baseline} → ${p99.current}`);
  assert.equal(p99.verdict, 'noise');
  assert.ok(p99.worse! < 0.99);
  assert.ok(c.noise.some((n) => n.startsWith('step update: p99')));
  assert.match(renderComparison(c), /^result: no regression \(\d large changes? within the noise\)$/m);
});

test('a large relative change of a tiny latency is below the absolute floor (the loopback case)', () => {
  const fast = (scale: number) => ({ get: { rate: 50, latency: (u: number) => (0.3 + 0.4 * u) * scale } });
  const c = compareResults(synthRun('a', fast(1), { seed: 1 }), synthRun('b', fast(4), { seed: 2 }));
  const p95 = c.steps[0]!.metrics.find((m) => m.metric === 'p95')!;
  assert.ok(p95.relative! > 2, 'p95 more than tripled');
  assert.equal(p95.verdict, 'ok');
  assert.match(p95.why!, /below the floors \(\+20% and \+5 ms\)/);
  assert.equal(c.ok, true);
  // With no absolute floor the same change is judged, and it is real.
  assert.equal(
    compareResults(synthRun('a', fast(1), { seed: 1 }), synthRun('b', fast(4), { seed: 2 }), {
      minLatencyIncreaseMs: 0,
    }).ok,
    false,
  );
});

test('an improvement beyond the floors and the noise is marked better and passes', () => {
  const c = compareResults(synthRun('a', steps(1.5), { seed: 1 }), synthRun('b', steps(), { seed: 2 }));
  assert.equal(c.ok, true);
  assert.equal(c.steps.find((s) => s.step === 'open')!.verdict, 'better');
});

test('error rates: a steady increase is a regression, one failing second is noise', () => {
  const failing = (rate: number) => ({
    open: { rate: 20, latency: uniformMs(10, 30), errorRate: rate },
    update: { rate: 40, latency: uniformMs(8, 20), errorRate: rate },
  });
  const steady = compareResults(synthRun('a', failing(0), { seed: 1 }), synthRun('b', failing(0.05), { seed: 2 }));
  assert.equal(steady.ok, false);
  assert.ok(
    steady.regressions.some((r) =>
      /^overall: error rate 0\.00% → [4-6]\.\d\d% \(\+[4-6]\.\d\d pp: beyond the floor/.test(r),
    ),
    steady.regressions.join('\n'),
  );
  const burst = compareResults(
    synthRun('a', failing(0), { seed: 1 }),
    synthRun('b', failing(0), { seed: 2, burst: { seconds: [3], fail: true } }),
  );
  assert.equal(burst.ok, true, burst.regressions.join('\n'));
  assert.ok(burst.noise.some((n) => n.startsWith('overall: error rate 0.00% → 10.00%')));
});

test('the verdict is deterministic: the same runs give the same comparison', () => {
  const a = synthRun('a', steps(), { seed: 1, burst: { seconds: [2], ms: 40 } });
  const b = synthRun('b', steps(1.15), { seed: 2 });
  assert.deepEqual(compareResults(a, b), compareResults(a, b));
});

test('steps with too few requests are shown, not judged; a step in one run only is new or missing', () => {
  const few = { ...steps(), reopen: { rate: 1, latency: uniformMs(5, 6) } };
  // 4× slower, but still within the other steps' range: the overall tail does not move.
  const slowFew = { ...steps(), reopen: { rate: 1, latency: uniformMs(20, 24) } };
  const c = compareResults(synthRun('a', few, { seconds: 10 }), synthRun('b', slowFew, { seconds: 10, seed: 2 }));
  assert.equal(c.steps.find((s) => s.step === 'reopen')!.verdict, 'too-few');
  assert.ok(c.warnings.some((w) => w === 'not judged, fewer than 20 requests in a run: reopen (10 → 10)'));
  assert.equal(c.ok, true);
  const more = { ...steps(), return: { rate: 5, latency: uniformMs(5, 6) } };
  const d = compareResults(synthRun('a', steps()), synthRun('b', more, { seed: 2 }));
  assert.equal(d.steps.find((s) => s.step === 'return')!.verdict, 'new');
  assert.deepEqual(d.regressions, ['step return: only in the current run (50 requests)']);
  const e = compareResults(synthRun('a', more), synthRun('b', steps(), { seed: 2 }));
  assert.deepEqual(e.regressions, ['step return: missing from the current run (50 requests in the baseline)']);
});

test('runs of different scenarios or profiles are refused unless allowed; other differences warn', () => {
  const a = synthRun('a', steps());
  assert.throws(
    () => compareResults(a, synthRun('b', steps(), { scenario: 'big-carts' })),
    (e: unknown) =>
      e instanceof CompareInputError &&
      /different tests \(scenario lifecycle vs scenario big-carts\).*--allow-different/.test(e.message),
  );
  assert.throws(
    () => compareResults(a, synthRun('b', steps(), { profile: 'black-friday' })),
    /profile default vs black-friday/,
  );
  const allowed = compareResults(a, synthRun('b', steps(), { profile: 'black-friday', seed: 2 }), {
    allowDifferent: true,
  });
  assert.match(allowed.warnings[0]!, /compared anyway \(--allow-different\)/);
  const k6 = synthRun('b', steps(), { engine: 'k6', seed: 2 });
  k6.run.target = 'https://staging.example.talon.one';
  k6.run.options = { ...k6.run.options, rate: 10 };
  k6.run.interrupted = true;
  const w = compareResults(a, k6).warnings;
  assert.deepEqual(w.slice(0, 4), [
    'the runs differ in engine (node → k6): their latencies are measured differently',
    'the runs differ in target (http://127.0.0.1:40001 → https://staging.example.talon.one)',
    'the runs differ in options (rate 5 → 10): their figures are less comparable',
    'the current run was interrupted: it holds only part of its traffic',
  ]);
});

test('very short runs fall back to resampling single requests, and say so', () => {
  const c = compareResults(synthRun('a', steps(), { seconds: 2 }), synthRun('b', steps(1.3), { seconds: 2, seed: 2 }));
  assert.equal(c.steps[0]!.noise?.mode, 'requests');
  assert.ok(c.warnings.some((w) => w.includes('estimated from single requests')));
  assert.equal(c.ok, false, 'a +30% shift over 40 requests is still caught');
});

test('Markdown for a pull-request comment: the verdict first, the changes with their reasons, all figures folded', () => {
  const c = compareResults(synthRun('a', steps(), { seed: 1 }), synthRun('b', steps(1.3), { seed: 2 }));
  const md = renderComparisonMarkdown(c);
  assert.match(md, /^### cartload compare: ❌ \d regressions\n/);
  assert.match(
    md,
    /^\| open \| p95 \| 2\d\.\d+ ms \| 3\d\.\d+ ms \| \+\d+\.\d% \(\+\d\.\d\d ms\) \| ❌ regression \| .*beyond noise/m,
  );
  assert.match(md, /<details><summary>All figures<\/summary>/);
  const ok = renderComparisonMarkdown(compareResults(synthRun('a', steps()), synthRun('b', steps(), { seed: 2 })));
  assert.match(ok, /^### cartload compare: ✅ no regression\n/);
  assert.match(ok, /No figure changed beyond the floors\./);
});

test('--percentiles chooses what is judged: a tail that only pauses moved can be left to the eye', () => {
  // The same traffic, but the current run's slowest 4% of requests hit a pause of 300 ms in every second.
  const tail = { open: { rate: 100, latency: (u: number) => (u > 0.96 ? 300 : 10 + 10 * u) } };
  const c = compareResults(
    synthRun('a', { open: { rate: 100, latency: uniformMs(10, 20) } }, { seed: 1 }),
    synthRun('b', tail, { seed: 2 }),
  );
  assert.equal(c.ok, false);
  assert.ok(
    c.regressions.every((r) => / p99 /.test(r)),
    c.regressions.join('\n'),
  );
  const withoutP99 = compareResults(
    synthRun('a', { open: { rate: 100, latency: uniformMs(10, 20) } }, { seed: 1 }),
    synthRun('b', tail, { seed: 2 }),
    { percentiles: [50, 95] },
  );
  assert.equal(withoutP99.ok, true);
  const p99 = withoutP99.steps[0]!.metrics.find((m) => m.metric === 'p99')!;
  assert.equal(p99.verdict, 'info', 'p99 is still shown');
  assert.ok(p99.relative! > 5);
});

test('a percentile with fewer than 10 answers beyond it in a run is shown, not judged (p99 of 96 requests is their maximum)', () => {
  // 96 requests over 12 s; the current run's 5 slowest are 60–85 ms (a busier runner), the rest as before.
  const few = (slow: boolean) => ({
    cancel: { rate: 8, latency: (u: number) => (slow && u > 0.95 ? 60 + 500 * (u - 0.95) : 0.5 + 10 * u) },
  });
  const c = compareResults(
    synthRun('a', few(false), { seconds: 12, seed: 1 }),
    synthRun('b', few(true), { seconds: 12, seed: 2 }),
  );
  const p99 = c.steps[0]!.metrics.find((m) => m.metric === 'p99')!;
  assert.equal(p99.verdict, 'too-few');
  assert.ok(p99.relative! > 3, 'the max moved a lot');
  assert.ok(
    c.warnings.some((w) =>
      w.endsWith('p95 of cancel (96 → 96 answers, 200 needed), p99 of cancel (96 → 96 answers, 1000 needed)'),
    ),
    c.warnings.join('\n'),
  );
  assert.equal(c.steps[0]!.metrics.find((m) => m.metric === 'p50')!.verdict, 'ok');
  assert.equal(c.ok, true);
  // With a smaller tail minimum the same change is judged.
  assert.notEqual(
    compareResults(
      synthRun('a', few(false), { seconds: 12, seed: 1 }),
      synthRun('b', few(true), { seconds: 12, seed: 2 }),
      { minTail: 0.5 },
    ).steps[0]!.metrics.find((m) => m.metric === 'p99')!.verdict,
    'too-few',
  );
});
