// Speed and rate modes, checked through the schedule the engine logs (intended times are computed,
// so they can be compared exactly) and through rules that hold on any machine: nothing is sent
// before its intended time, nothing of a session before its predecessor answered.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runEngine } from '../engine/index.ts';
import type { SessionPlan } from '../model/plan.ts';
import { eventsInput, makeEvents, step } from './fixtures/replay-engine/events.ts';
import { readRequestLog } from './fixtures/replay-engine/results.ts';
import { startRecorder } from './fixtures/replay-engine/server.ts';

let resultsDir: string;
before(async () => {
  resultsDir = await mkdtemp(join(tmpdir(), 'cartload-schedule-'));
});
after(async () => {
  await rm(resultsDir, { recursive: true, force: true });
});

const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-3;

test('--speed 2: each step is intended at its recorded offset ÷ 2 from the run start, and never sent early', async () => {
  const server = await startRecorder();
  try {
    const events = makeEvents({ sessions: 6, gapMs: 40, stepMs: 10 });
    const t0 = events[0]?.time ?? 0;
    const res = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'speed', speed: 2 },
      resultsDir,
      runId: 'speed',
      logRequests: true,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    const log = await readRequestLog(join(resultsDir, 'speed'));
    assert.equal(log.length, events.length);
    const expected = events.map((e) => `${e.sessionId} ${(e.time - t0) / 2}`).sort();
    const actual = log.map((l) => `${l.sessionId.replace(/^cartload-[a-z0-9]+-/, '')} ${l.intended}`).sort();
    assert.deepEqual(actual, expected);
    for (const l of log)
      assert.ok(l.sent >= l.intended, `${l.sessionId} ${l.step} sent ${l.sent} before ${l.intended}`);
    const s = res.summary;
    assert.ok(s?.lag, 'a paced run reports lag');
    assert.equal(s.lag.count, events.length);
    assert.ok(s.lag.min >= 0);
    assert.equal(s.requests.latencyFromIntended?.count, events.length);
  } finally {
    await server.close();
  }
});

test('a step due while its predecessor is in flight waits, and that wait is measured apart from lag', async () => {
  // Steps 10 ms apart, answers after at least 30 ms: every second and third step must wait.
  const server = await startRecorder({ delayMs: () => 30 });
  try {
    const events = makeEvents({ sessions: 4, gapMs: 5, stepMs: 10 });
    const res = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'speed', speed: 1 },
      resultsDir,
      runId: 'waiting',
      logRequests: true,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    assert.equal(server.overlaps, 0);
    assert.equal(res.summary?.lag?.waitingForPredecessor.count, 8);
    assert.ok((res.summary?.lag?.waitingForPredecessor.min ?? 0) > 0);
    const log = await readRequestLog(join(resultsDir, 'waiting'));
    const bySession = new Map<string, typeof log>();
    for (const l of log) bySession.set(l.sessionId, [...(bySession.get(l.sessionId) ?? []), l]);
    for (const [id, steps] of bySession) {
      steps.sort((a, b) => a.sent - b.sent);
      assert.deepEqual(
        steps.map((x) => x.step),
        ['open', 'update', 'close'],
        id,
      );
      for (let i = 1; i < steps.length; i++) {
        assert.ok(
          (steps[i]?.sent ?? 0) >= (steps[i - 1]?.answered ?? Infinity),
          `${id}: step ${i} went before its predecessor answered`,
        );
      }
    }
  } finally {
    await server.close();
  }
});

test('--rate: sessions are intended at i ÷ rate whatever the recorded times, their later steps right behind', async () => {
  const server = await startRecorder();
  try {
    // Recorded an hour apart; at 50 sessions/s they go 20 ms apart.
    const events = makeEvents({ sessions: 8, gapMs: 3_600_000, stepMs: 1000 });
    const res = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'rate', rate: 50 },
      resultsDir,
      runId: 'rate',
      logRequests: true,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    const log = await readRequestLog(join(resultsDir, 'rate'));
    assert.equal(log.length, 24);
    for (const l of log) {
      const i = Number(/-s(\d+)$/.exec(l.sessionId)?.[1]);
      assert.ok(close(l.intended, i * 20), `${l.sessionId} ${l.step} intended at ${l.intended}, expected ${i * 20}`);
      assert.ok(l.sent >= l.intended);
    }
  } finally {
    await server.close();
  }
});

test('generated plans at --rate: session i starts at i ÷ rate and its steps keep their offsets', async () => {
  const server = await startRecorder();
  try {
    const plan = (i: number): SessionPlan => ({
      sessionId: `gen-${i}`,
      kind: 'checkout',
      steps: [step(`gen-${i}`, 'open'), { ...step(`gen-${i}`, 'close'), at: 15 }],
    });
    const res = await runEngine({
      target: server.url,
      input: { kind: 'plans', name: 'gen', plan, durationMs: 200 },
      timing: { mode: 'rate', rate: 25 },
      resultsDir,
      runId: 'plans',
      logRequests: true,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    const log = await readRequestLog(join(resultsDir, 'plans'));
    assert.equal(res.summary?.sessions.started, 5, '200 ms at 25/s');
    for (const l of log) {
      const i = Number(/gen-(\d+)$/.exec(l.sessionId)?.[1]);
      assert.ok(close(l.intended, i * 40 + (l.step === 'close' ? 15 : 0)), `${l.sessionId} ${l.step} at ${l.intended}`);
    }
    assert.equal(res.summary?.sessions.byKind.checkout?.completed, 5);
  } finally {
    await server.close();
  }
});

test('--loop 2 replays the recording twice, the second pass under fresh IDs after the first', async () => {
  const server = await startRecorder();
  try {
    const events = makeEvents({ sessions: 3, gapMs: 10, stepMs: 2 });
    const res = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'speed', speed: 1 },
      loops: 2,
      sessionPrefix: 'run-',
      resultsDir,
      runId: 'loop',
      logRequests: true,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    const log = await readRequestLog(join(resultsDir, 'loop'));
    assert.equal(log.length, 18);
    const ids = new Set(log.map((l) => l.sessionId));
    assert.deepEqual([...ids].sort(), ['run-L2-s0', 'run-L2-s1', 'run-L2-s2', 'run-s0', 'run-s1', 'run-s2']);
    const firstPassEnd = Math.max(...log.filter((l) => !l.sessionId.includes('L2')).map((l) => l.intended));
    const secondPassStart = Math.min(...log.filter((l) => l.sessionId.includes('L2')).map((l) => l.intended));
    assert.ok(secondPassStart >= firstPassEnd);
    const bad = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'asap' },
      loops: 2,
      sessionPrefix: '',
      resultsDir,
      preflight: false,
    });
    assert.equal(bad.outcome, 'bad-input');
    assert.match(bad.message ?? '', /--keep-session-ids/);
  } finally {
    await server.close();
  }
});

test('--loop 2 as fast as possible: a session that failed in the first pass is a new session in the second, not skipped', async () => {
  // The first pass's s1 fails on its first step and, with no last step marked, stays in the
  // session table as failed; the second pass must still send every step of L2-s1.
  const server = await startRecorder({ status: (r) => (r.path.includes('/run-s1') ? 500 : 200) });
  try {
    const events = makeEvents({ sessions: 3, gapMs: 0, stepMs: 0, last: false });
    const res = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'asap' },
      loops: 2,
      sessionPrefix: 'run-',
      connections: 4,
      resultsDir,
      runId: 'loop-fail',
      logRequests: true,
      preflight: false,
    });
    const log = await readRequestLog(join(resultsDir, 'loop-fail'));
    const perPass = events.length / 3;
    assert.equal(log.filter((l) => l.sessionId === 'run-s1').length, 1, 'the first pass stops s1 at its failed step');
    assert.equal(
      log.filter((l) => l.sessionId === 'run-L2-s1').length,
      perPass,
      'the second pass sends every step of L2-s1',
    );
    assert.equal(res.summary?.sessions.started, 6);
    assert.equal(res.summary?.sessions.failed, 1);
    assert.equal(res.summary?.sessions.skippedSteps, perPass - 1);
  } finally {
    await server.close();
  }
});
