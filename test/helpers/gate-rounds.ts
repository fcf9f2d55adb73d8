// Rounds of the regression gate on the local target, for test/compare-gate.test.ts (a few rounds:
// the behaviour) and bench/compare-gate.bench.ts (many: the false-alarm and catch rates). Short
// real runs of the Node engine (fixed sessions, seeded target latency), compared in pairs.
//
// Each round runs three runs side by side, each against its own target: A and A' (the same
// latency) and B (1.3× by default). A/A compares A with A', A/B compares A with B. Side by side, as a CI job
// runs baseline and candidate on one machine: whatever else the machine does hits all three. The
// rates are low so that a busy machine slows the runs without saturating the process.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runEngine } from '../../engine/index.ts';
import { startTarget } from '../../emulator/server/index.ts';
import { sessionPath, type SessionPlan } from '../../model/plan.ts';
import { compareResults, type Comparison } from '../../report/compare.ts';
import { readRunResults } from '../../report/read.ts';
import type { Results } from '../../report/data/format.ts';

/** Several 1 s slices per run: the noise is measured by resampling slices (in pairs: the runs of a round run side by side). */
export const SECONDS = 4;
/** Sessions per second; two steps each: 24 requests per step and run. */
export const RATE = 6;
/** Added latency per request (ms): normal, B's mean and spread 1.3 × A's, so every percentile of it moves by 30%. */
export const A_LATENCY = { mean: 1000, sd: 50 };
export const B_LATENCY = { mean: 1300, sd: 65 };
export const knobP95 = (l: { mean: number; sd: number }): number => l.mean + 1.6449 * l.sd;

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
async function run(dir: string, latency: { mean: number; sd: number }, id: string): Promise<Results> {
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

export interface Round {
  aa: Comparison;
  ab: Comparison;
}

/**
 * `pairs` rounds, `atOnce` rounds at a time, each round's three runs side by side; run folders go
 * in `dir`. `b` is B's added latency (default B_LATENCY, 1.3× A's).
 */
export async function gateRounds(
  dir: string,
  pairs: number,
  atOnce: number,
  b: { mean: number; sd: number } = B_LATENCY,
): Promise<Round[]> {
  // One short run first, unmeasured: the first run in a process also compiles and warms up the
  // code, and would be slower for that alone.
  await run(dir, A_LATENCY, 'warm-up');
  const out: Round[] = [];
  for (let first = 0; first < pairs; first += atOnce) {
    const batch: Promise<Round>[] = [];
    for (let i = first; i < Math.min(pairs, first + atOnce); i++) {
      batch.push(
        Promise.all([run(dir, A_LATENCY, `r${i}-a`), run(dir, A_LATENCY, `r${i}-a2`), run(dir, b, `r${i}-b`)]).then(
          ([a, a2, b]) => ({ aa: compareResults(a, a2), ab: compareResults(a, b) }),
        ),
      );
    }
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

/** The relative changes of `metric` the gate judged over these comparisons. */
export const judged = (cs: Comparison[], metric: string): number[] =>
  cs.flatMap((c) =>
    [...c.overall, ...c.steps.flatMap((s) => s.metrics)]
      .filter((m) => m.metric === metric && m.verdict !== 'info' && m.verdict !== 'too-few')
      .map((m) => m.relative ?? 0),
  );
const pct = (v: number): string => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}%`;
/** `-1.6% to +1.7%`, for the lines the test and the bench print. */
export const changeRange = (xs: number[]): string =>
  xs.length === 0 ? 'not judged (too few answers beyond it)' : `${pct(Math.min(...xs))} to ${pct(Math.max(...xs))}`;
