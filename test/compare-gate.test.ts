// The regression gate, end to end on the local target: short real runs of the Node engine (fixed
// sessions, seeded target latency), compared in pairs. Identical setups (A/A) must never fail the
// gate; a target whose added latency is 1.3× (its p95 30% higher) must always be caught.
//
// Each round runs three runs side by side, each against its own target: A and A' (the same
// latency) and B (1.3×). A/A compares A with A', A/B compares A with B. Side by side, as a CI job
// runs baseline and candidate on one machine: whatever else the machine does hits all three. The
// verdict, not the timing, carries the test: nothing here asserts a duration, and the rates are
// low so that a busy machine slows the runs without saturating the process.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runEngine } from '../engine/index.ts';
import { startTarget } from '../emulator/server/index.ts';
import { sessionPath, type SessionPlan } from '../model/plan.ts';
import { compareResults, type Comparison } from '../report/compare.ts';
import { readRunResults } from '../report/read.ts';
import type { Results } from '../report/data/format.ts';

const PAIRS = 20;
/** Several 1 s slices per run: the noise is measured by resampling slices (in pairs: the runs of a round run side by side). */
const SECONDS = 4;
/** Sessions per second; two steps each: 24 requests per step and run. */
const RATE = 6;
/** Rounds (of three runs each) at once. */
const AT_ONCE = 10;
/** Added latency per request (ms): normal, B's mean and spread 1.3 × A's, so every percentile of it moves by 30%. */
const A_LATENCY = { mean: 1000, sd: 50 };
const B_LATENCY = { mean: 1300, sd: 65 };
const knobP95 = (l: { mean: number; sd: number }): number => l.mean + 1.6449 * l.sd;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-gate-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ITEM = { name: 'Socks', sku: 'SKU-1', quantity: 1, price: 9.5 };
/** The same two-step session in every run: open, close. */
function plan(id: string): SessionPlan {
  const path = sessionPath(id);
  return {
    sessionId: id,
    kind: 'checkout',
    steps: [
      { step: 'open', method: 'PUT', path, body: { customerSession: { state: 'open', cartItems: [ITEM] } } },
      { step: 'close', method: 'PUT', path, body: { customerSession: { state: 'closed', cartItems: [ITEM, ITEM] } } },
    ],
  };
}

/** One run against a target of its own (no state shared with the runs beside it). */
async function run(latency: { mean: number; sd: number }, id: string): Promise<Results> {
  const target = await startTarget({ knobs: { latency: `normal:${latency.mean}:${latency.sd}`, seed: 1 } });
  try {
    const res = await runEngine({
      target: target.url,
      apiKey: target.apiKey,
      input: { kind: 'plans', name: 'gate', plan: (i) => plan(`${id}-${i}`), durationMs: SECONDS * 1000 },
      timing: { mode: 'rate', rate: RATE },
      connections: 32,
      resultsDir: dir,
      runId: id,
      scenario: 'gate',
      options: { profile: 'gate', rate: RATE },
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', `${id}: ${res.message ?? ''}`);
    assert.equal(res.summary?.requests.failed, 0, `${id}: ${res.summary?.notes?.join('; ')}`);
    return await readRunResults(join(dir, id), 'compare');
  } finally {
    await target.close();
  }
}

interface Round {
  aa: Comparison;
  ab: Comparison;
}

let rounds: Promise<Round[]> | undefined;
/** All rounds, run once for both tests: AT_ONCE rounds at a time, each round's three runs side by side. */
function allRounds(): Promise<Round[]> {
  rounds ??= (async () => {
    // One short run first, unmeasured: the first run in a process also compiles and warms up the
    // code, and would be slower for that alone.
    await run(A_LATENCY, 'warm-up');
    const out: Round[] = [];
    for (let first = 0; first < PAIRS; first += AT_ONCE) {
      const batch: Promise<Round>[] = [];
      for (let i = first; i < Math.min(PAIRS, first + AT_ONCE); i++) {
        batch.push(
          Promise.all([run(A_LATENCY, `r${i}-a`), run(A_LATENCY, `r${i}-a2`), run(B_LATENCY, `r${i}-b`)]).then(
            ([a, a2, b]) => ({ aa: compareResults(a, a2), ab: compareResults(a, b) }),
          ),
        );
      }
      out.push(...(await Promise.all(batch)));
    }
    return out;
  })();
  return rounds;
}

const judged = (cs: Comparison[], metric: string): number[] =>
  cs.flatMap((c) =>
    [...c.overall, ...c.steps.flatMap((s) => s.metrics)]
      .filter((m) => m.metric === metric && m.verdict !== 'info' && m.verdict !== 'too-few')
      .map((m) => m.relative ?? 0),
  );
const pct = (v: number): string => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`;
const range = (xs: number[]): string =>
  xs.length === 0 ? 'not judged (too few answers beyond it)' : `${pct(Math.min(...xs))} to ${pct(Math.max(...xs))}`;

test(`${PAIRS} A/A pairs of short runs on the local target: no regression`, { timeout: 900_000 }, async (t) => {
  const cs = (await allRounds()).map((r) => r.aa);
  const flagged = cs.filter((c) => !c.ok);
  t.diagnostic(
    `A/A: ${flagged.length} of ${cs.length} pairs flagged; ${cs.reduce((n, c) => n + c.noise.length, 0)} large changes judged noise; p50 changes ${range(judged(cs, 'p50'))}, p95 ${range(judged(cs, 'p95'))}`,
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

test(`${PAIRS} A/B pairs, B's target latency 1.3× (p95 +30%): every one caught`, { timeout: 900_000 }, async (t) => {
  assert.ok(
    Math.abs(knobP95(B_LATENCY) / knobP95(A_LATENCY) - 1.3) < 0.001,
    "B's added latency has a p95 30% above A's",
  );
  const cs = (await allRounds()).map((r) => r.ab);
  const caught = cs.filter((c) => !c.ok);
  t.diagnostic(
    `A/B: ${caught.length} of ${cs.length} pairs caught (${Math.min(...cs.map((c) => c.regressions.length))} to ${Math.max(...cs.map((c) => c.regressions.length))} regressions each); p50 changes ${range(judged(cs, 'p50'))}, p95 ${range(judged(cs, 'p95'))}`,
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
