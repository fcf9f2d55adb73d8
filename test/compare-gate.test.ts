// The regression gate, end to end on the local target: short real runs of the Node engine (fixed
// sessions, seeded target latency), compared in pairs (test/helpers/gate-rounds.ts). Identical
// setups (A/A) must never fail the gate; a target whose added latency is twice A's must always be
// caught. The verdict, not the timing, carries the test: nothing here asserts a duration. A few
// rounds prove the behaviour; the rates over many rounds (false alarms, and catches of a target
// only 1.3× slower, p95 +30%) are measured by bench/compare-gate.bench.ts. On a machine loaded far
// past its cores, the runs' own jitter is as wide as a 30% change, and the gate rightly calls such
// a change noise: the test's B stays clear of that.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { A_LATENCY, changeRange, gateRounds, judged, knobP95, type Round } from './helpers/gate-rounds.ts';

const PAIRS = 3;
/**
 * One round at a time: every run and its target share this process, and on a machine loaded far
 * past its cores the process's own queue (four rounds, twelve runs at once) outgrew the target's
 * latency and hid B's.
 */
const AT_ONCE = 1;
/** B's added latency: twice A's, so every percentile of it doubles. */
const B_TWICE = { mean: 2 * A_LATENCY.mean, sd: 2 * A_LATENCY.sd };

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-gate-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let rounds: Promise<Round[]> | undefined;
/** All rounds side by side, run once for both tests. */
const allRounds = (): Promise<Round[]> => (rounds ??= gateRounds(dir, PAIRS, AT_ONCE, B_TWICE));

test(`${PAIRS} A/A pairs of short runs on the local target: no regression`, { timeout: 900_000 }, async (t) => {
  const cs = (await allRounds()).map((r) => r.aa);
  const flagged = cs.filter((c) => !c.ok);
  t.diagnostic(
    `A/A: ${flagged.length} of ${cs.length} pairs flagged; ${cs.reduce((n, c) => n + c.noise.length, 0)} large changes judged noise; p50 changes ${changeRange(judged(cs, 'p50'))}, p95 ${changeRange(judged(cs, 'p95'))}`,
  );
  assert.deepEqual(
    flagged.map((c) => c.regressions),
    [],
  );
  // 24 answers per step and run: p50 is judged (20 needed), p95 and p99 are not (200 and 1000).
  assert.ok(
    cs.every((c) =>
      c.steps.every(
        (s) => s.metrics.find((m) => m.metric === 'p50')?.verdict !== 'too-few' && s.noise?.mode === 'paired',
      ),
    ),
    "every step's p50 was judged, from slices resampled in pairs",
  );
});

test(`${PAIRS} A/B pairs, B's target latency 2× (p95 +100%): every one caught`, { timeout: 900_000 }, async (t) => {
  assert.ok(Math.abs(knobP95(B_TWICE) / knobP95(A_LATENCY) - 2) < 0.001, "B's added latency has twice A's p95");
  const cs = (await allRounds()).map((r) => r.ab);
  const caught = cs.filter((c) => !c.ok);
  t.diagnostic(
    `A/B: ${caught.length} of ${cs.length} pairs caught (${Math.min(...cs.map((c) => c.regressions.length))} to ${Math.max(...cs.map((c) => c.regressions.length))} regressions each); p50 changes ${changeRange(judged(cs, 'p50'))}, p95 ${changeRange(judged(cs, 'p95'))}`,
  );
  const missed = cs
    .filter((c) => c.ok)
    .map(
      (c) =>
        `${c.current.runId}: ${c.noise.join('; ') || 'no large change'}; ${[
          ...c.overall,
          ...c.steps.flatMap((st) => st.metrics.map((m) => ({ ...m, metric: `${st.step} ${m.metric}` }))),
        ]
          .filter((m) => m.unit === 'ms')
          .map((m) => `${m.metric} ${m.baseline}→${m.current} ${m.verdict} worse ${m.worse}`)
          .join(', ')}`,
    );
  assert.equal(caught.length, cs.length, missed.join('\n'));
  for (const c of caught)
    assert.ok(
      c.regressions.every((r) => / ms \(.*beyond noise/.test(r)),
      c.regressions.join('\n'),
    );
});
