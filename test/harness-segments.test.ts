// Execution segments: the harness stripes iterations over k6 instances as k6 does (its own test
// tables are the expected values here), and the lifecycle scenario split over segments with one
// SESSION_PREFIX sends exactly the sessions of the single run: the union of the instances' sessions
// equals the single run's, request for request, and no session is sent by two instances.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildScenarios, PROJECT_ROOT } from '../bundle/index.ts';
import { createTargetCore } from '../emulator/core/index.ts';
import { buildPools, writePools } from '../generators/pools.ts';
import { executionTuple } from './harness/execution-segment.ts';
import { runK6Bundle, type HarnessRequest } from './harness/index.ts';

test('striped offsets and scaled counts are those of k6 (its execution_segment_test.go tables)', () => {
  const cases: [seq: string, seg: string, start: number, offsets: number[], lcd: number][] = [
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0:0.3', 0, [4, 3, 3], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.3:0.5', 1, [4, 6], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.5:0.6', 2, [10], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.9:1', 9, [10], 10],
    ['0,0.2,0.5,0.6,0.7,0.8,0.9,1', '0:0.2', 1, [4, 6], 10],
    ['0,0.2,0.5', '0:0.2', 3, [6, 4], 10],
    ['0,0.2,0.5', '0.2:0.5', 1, [4, 2, 4], 10],
    ['0,2/5,4/5', '2/5:4/5', 1, [3, 2], 5],
    ['', '0:0.2', 1, [5], 5],
    ['', '0:4/10', 1, [2, 3], 5],
    ['', '1/10:5/10', 1, [2, 2, 4, 2], 10],
  ];
  for (const [seq, seg, start, offsets, lcd] of cases) {
    const t = executionTuple(seg, seq);
    assert.deepEqual({ start: t.start, offsets: t.offsets, lcd: t.lcd }, { start, offsets, lcd }, `${seg} in ${seq}`);
  }
  const thirds = '0,1/3,2/3,1';
  const scaled = (seg: string, values: number[]): number[] => values.map((v) => executionTuple(seg, thirds).scale(v));
  assert.deepEqual(scaled('0:1/3', [50, 3, 2, 1, 0]), [17, 1, 1, 1, 0]);
  assert.deepEqual(scaled('1/3:2/3', [50, 3, 2, 1, 0]), [17, 1, 1, 0, 0]);
  assert.deepEqual(scaled('2/3:1', [50, 3, 2, 1, 0]), [16, 1, 0, 0, 0]);
  // The iterators of k6's ExecutionTuple documentation: 0:1/2, 1/2:3/4 and 3/4:1.
  const first = (seg: string, n: number): number[] => {
    const next = executionTuple(seg, '0,1/2,3/4,1').indexes();
    return Array.from({ length: n }, () => next().inTest);
  };
  assert.deepEqual(first('0:1/2', 6), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(first('1/2:3/4', 3), [1, 5, 9]);
  assert.deepEqual(first('3/4:1', 3), [3, 7, 11]);
  assert.throws(() => executionTuple('0:1/3', '0,1/2,1'), /couldn't find segment 0:1\/3 in sequence 0,1\/2,1/);
  assert.throws(() => executionTuple('1/2:1/4', ''), /should be less than its end/);
});

test("over any sequence, the instances' shares of N iterations cover 0..N-1 exactly once", () => {
  const sequences = ['0,1/2,1', '0,1/3,2/3,1', '0,1/4,1/2,3/4,1', '0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0,1/7,3/5,1'];
  for (const seq of sequences) {
    const points = seq.split(',');
    for (const n of [0, 1, 2, 7, 13, 100, 257]) {
      const seen: number[] = [];
      for (let i = 1; i < points.length; i++) {
        const t = executionTuple(`${points[i - 1]}:${points[i]}`, seq);
        const next = t.indexes();
        for (let k = 0; k < t.scale(n); k++) seen.push(next().inTest);
      }
      assert.deepEqual(
        seen.sort((a, b) => a - b),
        Array.from({ length: n }, (_, i) => i),
        `${seq}, ${n} iterations`,
      );
    }
  }
});

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-segments-'));
  // Small pools: which instance sends which session does not depend on their size.
  const pools = join(dir, 'small-pools.json');
  await writePools(
    buildPools({ seed: 3, sizes: { products: 50, validCoupons: 50, loyaltyCards: 50, profileIds: 50 } }),
    pools,
  );
  await buildScenarios({
    rootDir: PROJECT_ROOT,
    entries: [join(PROJECT_ROOT, 'scenarios', 'lifecycle.ts')],
    outDir: dir,
    pools,
  });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Each session's requests (method, path, query and body), in order, by session ID. */
function sessions(requests: HarnessRequest[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of requests) {
    if (r.phase !== 'iteration') continue;
    const id = decodeURIComponent(r.path.split('/')[3] ?? '');
    const list = out.get(id) ?? [];
    list.push(JSON.stringify([r.method, r.path, r.query, r.requestBody]));
    out.set(id, list);
  }
  return out;
}

test("lifecycle over two and over three segments sends the single run's sessions, each exactly once", async () => {
  const ITERATIONS = 23;
  const env = { SESSION_PREFIX: 'seg-proof', SEED: '5', THINK_SCALE: '0' };
  const common = { bundle: join(dir, 'lifecycle.js'), vus: 2, iterations: ITERATIONS, env, record: { samples: false } };
  const single = await runK6Bundle(common);
  assert.equal(single.exitCode, 0);
  const whole = sessions(single.requests);
  assert.equal(whole.size, ITERATIONS);

  for (const seq of ['0,1/2,1', '0,1/4,2/3,1']) {
    const points = seq.split(',');
    // One target for all instances, as in a real distributed run: no session ID collides (no 409).
    const core = createTargetCore();
    const parts: Map<string, string[]>[] = [];
    for (let i = 1; i < points.length; i++) {
      const r = await runK6Bundle({
        ...common,
        core,
        executionSegment: `${points[i - 1]}:${points[i]}`,
        executionSegmentSequence: seq,
      });
      assert.equal(r.exitCode, 0, `${seq} segment ${i}`);
      assert.deepEqual(r.failedChecks.slice(0, 2), [], 'every check passes on the shared target');
      parts.push(sessions(r.requests));
    }
    const union = new Map<string, string[]>();
    for (const part of parts) {
      assert.ok(part.size > 0, `${seq}: every instance ran sessions`);
      for (const [id, reqs] of part) {
        assert.ok(!union.has(id), `${seq}: session ${id} sent by two instances`);
        union.set(id, reqs);
      }
    }
    assert.deepEqual([...union.keys()].sort(), [...whole.keys()].sort(), `${seq}: the same sessions as the single run`);
    for (const [id, reqs] of whole)
      assert.deepEqual(union.get(id), reqs, `${seq}: session ${id} sends the same requests`);
  }
});
