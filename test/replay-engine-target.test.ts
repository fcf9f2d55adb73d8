// Against the real local target (target/server): many generated sessions in parallel, each in
// order. The target answers 409 to parallel requests of one session (as Talon.One does; its 5 ms
// of added latency makes requests overlap in time if the engine let them), so its 409 count is
// the proof that the engine never overlapped two steps of a session.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createPlanner } from '../generators/planner.ts';
import { buildPools } from '../generators/pools.ts';
import { runEngine } from '../engine/index.ts';
import { scaleThinkTimes } from '../orchestrate/run.ts';
import { startTarget } from '../emulator/server/index.ts';

let resultsDir: string;
let pools: ReturnType<typeof buildPools>;
before(async () => {
  resultsDir = await mkdtemp(join(tmpdir(), 'cartload-target-'));
  // Small pools: 120 sessions need no 5,000-product catalog to overlap their requests.
  pools = buildPools({ seed: 7, sizes: { products: 200, validCoupons: 100, loyaltyCards: 200, profileIds: 200 } });
});
after(async () => {
  await rm(resultsDir, { recursive: true, force: true });
});

test('120 generated sessions, 32 at a time, against the local target: no 409, every session completes', async () => {
  const target = await startTarget({ apiKey: 'engine-target-test-key', knobs: { latency: '5' } });
  try {
    const planner = createPlanner({ pools, seed: 7, sessionPrefix: 'order' });
    const res = await runEngine({
      target: target.url,
      apiKey: target.apiKey,
      // No think time: each session's steps go back to back, the worst case for overlapping them.
      input: { kind: 'plans', name: 'ordering', plan: (i) => scaleThinkTimes(planner.plan(i), 0, 0), limit: 120 },
      timing: { mode: 'asap' },
      connections: 32,
      resultsDir,
    });
    assert.equal(res.outcome, 'ok', res.message);
    const stats = target.stats();
    assert.equal(stats.conflicts409, 0);
    const s = res.summary;
    assert.ok(s);
    assert.equal(s.requests.conflicts409, 0);
    assert.equal(s.sessions.started, 120);
    assert.equal(s.sessions.failed, 0, JSON.stringify(s.notes));
    assert.equal(s.sessions.completed, 120);
    // The preflight GET is the target's one extra request.
    assert.equal(stats.http.requests, s.requests.total + 1);
  } finally {
    await target.close();
  }
});

test('the same run with the session order broken on purpose gets 409s from the target (the check can fail)', async () => {
  const target = await startTarget({ apiKey: 'engine-target-test-key', knobs: { latency: '5' } });
  try {
    const planner = createPlanner({ pools, seed: 7, sessionPrefix: 'clash' });
    // Every "session" here is the same session ID under a fresh name per step: the engine sees
    // independent sessions and sends them in parallel, as a careless load tool would.
    const clash = planner.plan(0);
    const res = await runEngine({
      target: target.url,
      apiKey: target.apiKey,
      input: {
        kind: 'plans',
        name: 'clash',
        plan: (i) => ({
          ...clash,
          sessionId: `alias-${i}`,
          steps: [{ ...(clash.steps[0] as (typeof clash.steps)[0]), at: 0 }],
        }),
        limit: 64,
      },
      timing: { mode: 'asap' },
      connections: 32,
      resultsDir,
      preflight: false,
    });
    assert.ok(target.stats().conflicts409 > 0, 'parallel requests of one session must be refused');
    assert.equal(res.summary?.requests.conflicts409, target.stats().conflicts409);
  } finally {
    await target.close();
  }
});
