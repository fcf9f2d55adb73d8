// The regression gate's error rates on the local target: BENCH_PAIRS (default 20) rounds of short
// real Node engine runs, ten rounds at a time, each round three runs side by side (A, A' with the
// same target latency, B with 1.3× it: p95 +30%). Prints how many A/A pairs the gate flagged (false
// alarms, goal 0) and how many A/B pairs it caught (goal all), with the ranges of the p50 and p95
// changes it judged. test/compare-gate.test.ts runs a few rounds for the behaviour; this is the rate.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeRange, gateRounds, judged } from '../test/helpers/gate-rounds.ts';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 20);
const AT_ONCE = 10;

const dir = await mkdtemp(join(tmpdir(), 'cartload-gate-bench-'));
try {
  const started = performance.now();
  const rounds = await gateRounds(dir, PAIRS, AT_ONCE);
  const aa = rounds.map((r) => r.aa);
  const ab = rounds.map((r) => r.ab);
  const flagged = aa.filter((c) => !c.ok).length;
  const caught = ab.filter((c) => !c.ok).length;
  console.log(`${PAIRS} rounds in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(
    `A/A (same latency): ${flagged} of ${aa.length} flagged (false alarms, goal 0); p50 changes ${changeRange(judged(aa, 'p50'))}`,
  );
  console.log(
    `A/B (latency 1.3×): ${caught} of ${ab.length} caught (goal ${ab.length}); p50 changes ${changeRange(judged(ab, 'p50'))}, p95 ${changeRange(judged(ab, 'p95'))}`,
  );
  if (flagged > 0 || caught < ab.length) process.exitCode = 1;
} finally {
  await rm(dir, { recursive: true, force: true });
}
