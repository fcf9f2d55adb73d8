// The failure rules: a failed step (non-2xx, no answer) fails its session, whose later steps are
// skipped and counted, never sent into a wrong state; 409s are counted apart; --max-error-rate.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runEngine, type Timing } from '../engine/index.ts';
import { eventsInput, makeEvents } from './fixtures/replay-engine/events.ts';
import { sessionOfPath, startRecorder, type Received } from './fixtures/replay-engine/server.ts';

let resultsDir: string;
before(async () => {
  resultsDir = await mkdtemp(join(tmpdir(), 'cartload-failures-'));
});
after(async () => {
  await rm(resultsDir, { recursive: true, force: true });
});

const index = (r: Received): number => Number(/s(\d+)$/.exec(sessionOfPath(r.path))?.[1]);
const isUpdate = (r: Received): boolean => r.body.includes('"open"');

/** Odd sessions: the 2nd step (update) fails with `status`. */
function failingServer(status: number) {
  const seen = new Map<number, number>();
  return startRecorder({
    status: (r) => {
      const i = index(r);
      const n = (seen.get(i) ?? 0) + 1;
      seen.set(i, n);
      return i % 2 === 1 && n === 2 && isUpdate(r) ? status : 200;
    },
  });
}

// asap: the close steps wait in their session's queue when the update fails; paced: they arrive
// from the reader after the failure and are dropped as they come. Both paths must count them.
for (const timing of [{ mode: 'asap' }, { mode: 'speed', speed: 1 }] as Timing[]) {
  test(`${timing.mode}: a 500 fails its session; the session's later steps are skipped and counted`, async () => {
    const server = await failingServer(500);
    try {
      const events = makeEvents({ sessions: 10, gapMs: 2, stepMs: 20 });
      const res = await runEngine({
        target: server.url,
        input: eventsInput(events),
        timing,
        connections: 4,
        maxErrorRate: 1,
        resultsDir,
        preflight: false,
      });
      assert.equal(res.outcome, 'ok', res.message);
      const s = res.summary;
      assert.ok(s);
      assert.equal(server.received.length, 25, '10 opens, 10 updates, 5 closes');
      assert.equal(
        server.received.filter((r) => r.body.includes('closed') && index(r) % 2 === 1).length,
        0,
        'no close sent for a failed session',
      );
      assert.deepEqual(s.requests.byStatus, { '200': 20, '500': 5 });
      assert.equal(s.requests.failed, 5);
      assert.deepEqual(
        {
          started: s.sessions.started,
          completed: s.sessions.completed,
          failed: s.sessions.failed,
          skipped: s.sessions.skippedSteps,
        },
        { started: 10, completed: 5, failed: 5, skipped: 5 },
      );
      assert.deepEqual(s.sessions.byKind.recorded, { completed: 5, failed: 5 });
      assert.ok(
        s.notes?.some((n) => n.includes('PUT /v2/customer_sessions/{id} → 500') && n.includes('on purpose')),
        'the first failure is explained',
      );
    } finally {
      await server.close();
    }
  });
}

test('409s are counted apart and fail their session', async () => {
  const server = await failingServer(409);
  try {
    const res = await runEngine({
      target: server.url,
      input: eventsInput(makeEvents({ sessions: 6 })),
      timing: { mode: 'asap' },
      resultsDir,
      preflight: false,
    });
    assert.equal(res.summary?.requests.conflicts409, 3);
    assert.equal(res.summary?.sessions.failed, 3);
  } finally {
    await server.close();
  }
});

test('a request that gets no answer within the timeout fails its session as an error', async () => {
  const server = await startRecorder({ delayMs: (r) => (index(r) === 0 && r.body.includes('closed') ? 2000 : 0) });
  try {
    const res = await runEngine({
      target: server.url,
      input: eventsInput(makeEvents({ sessions: 2 })),
      timing: { mode: 'asap' },
      timeoutMs: 200,
      resultsDir,
      preflight: false,
    });
    const s = res.summary;
    assert.equal(s?.requests.byStatus.error, 1);
    assert.equal(s?.requests.byStep.close?.statuses.error, 1);
    assert.equal(s?.sessions.failed, 1);
    assert.ok(s?.notes?.some((n) => n.includes('timeout')));
  } finally {
    await server.close();
  }
});

test('a non-2xx answer that repeats the recorded status is expected, not a failure', async () => {
  const server = await startRecorder({ status: (r) => (r.body.includes('closed') ? 400 : 200) });
  try {
    const events = makeEvents({ sessions: 3 }).map((e) =>
      e.step.step === 'close' ? { ...e, step: { ...e.step, recordedStatus: 400 } } : e,
    );
    const res = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'asap' },
      resultsDir,
      maxErrorRate: 0,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok');
    assert.equal(res.summary?.requests.failed, 0);
    assert.equal(res.summary?.requests.byStatus['400'], 3);
    assert.equal(res.summary?.sessions.failed, 0);
  } finally {
    await server.close();
  }
});

test('--max-error-rate: crossing it is the outcome "thresholds", staying under it is "ok"', async () => {
  const server = await failingServer(500);
  try {
    const events = makeEvents({ sessions: 10 });
    // 5 failed of 25 requests = 0.2
    const over = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'asap' },
      maxErrorRate: 0.1,
      resultsDir,
      preflight: false,
    });
    assert.equal(over.outcome, 'thresholds');
    assert.deepEqual(over.summary?.thresholds, [
      { metric: 'error_rate', expression: 'rate<=0.1', ok: false, value: 0.2 },
    ]);
  } finally {
    await server.close();
  }
  const server2 = await failingServer(500);
  try {
    const under = await runEngine({
      target: server2.url,
      input: eventsInput(makeEvents({ sessions: 10 })),
      timing: { mode: 'asap' },
      maxErrorRate: 0.25,
      resultsDir,
      preflight: false,
    });
    assert.equal(under.outcome, 'ok');
    assert.equal(under.summary?.thresholds?.[0]?.ok, true);
  } finally {
    await server2.close();
  }
});

test('sessions idle for longer than sessionIdleMs are forgotten, but a failed one stays and its later steps stay skipped', async () => {
  // 5,000 sessions without last-step marks (a request log), 10 s apart; session 1 fails at once
  // and has one more step a whole hour later, long after the idle sweep ran.
  const events = makeEvents({ sessions: 5000, steps: ['open'], gapMs: 10_000, last: false });
  const t0 = events[0]?.time ?? 0;
  const late = makeEvents({ sessions: 2, steps: ['close'], t0: t0 + 3_600_000 * 24, last: false }).filter(
    (e) => e.sessionId === 's1',
  );
  const server = await startRecorder({ status: (r) => (sessionOfPath(r.path) === 's1' ? 500 : 200) });
  try {
    const res = await runEngine({
      target: server.url,
      input: eventsInput([...events, ...late]),
      timing: { mode: 'asap' },
      sessionPrefix: '',
      sessionIdleMs: 60_000,
      resultsDir,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    assert.equal(
      server.received.filter((r) => sessionOfPath(r.path) === 's1').length,
      1,
      'the failed session gets nothing more',
    );
    assert.equal(res.summary?.sessions.skippedSteps, 1);
    assert.ok(
      res.summary?.notes?.some((n) => /sessions idle for more than 1 min of recorded time were forgotten/.test(n)),
      JSON.stringify(res.summary?.notes),
    );
  } finally {
    await server.close();
  }
});
