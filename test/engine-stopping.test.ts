// How a run ends: an interrupt against a target that never answers ends within --drain-timeout
// (in-flight requests are cut, no progress line after stopping); --duration ends a run whatever
// the rate; a rate beyond the engine's ceiling and a run that would send nothing are refused
// before anything starts.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import { EngineOptionError, MAX_RATE, runEngine, validateEngineOptions, type EngineOptions } from '../engine/index.ts';
import type { SessionPlan } from '../model/plan.ts';
import { eventsInput, makeEvents, step } from './fixtures/replay-engine/events.ts';
import { startRecorder } from './fixtures/replay-engine/server.ts';

let resultsDir: string;
before(async () => {
  resultsDir = await mkdtemp(join(tmpdir(), 'cartload-stopping-'));
});
after(async () => {
  await rm(resultsDir, { recursive: true, force: true });
});

const plan = (i: number): SessionPlan => ({
  sessionId: `p-${i}`,
  kind: 'checkout',
  steps: [step(`p-${i}`, 'open'), { ...step(`p-${i}`, 'close'), at: 10 }],
});

test('an interrupt against a target that never answers ends within the drain timeout; progress stops at "stopping"', async () => {
  const interrupt = new AbortController();
  let abortedAt = 0;
  // Every request hangs for 10 min; the first one to arrive triggers the interrupt.
  const server = await startRecorder({
    delayMs: () => {
      if (!interrupt.signal.aborted) setImmediate(() => ((abortedAt = performance.now()), interrupt.abort()));
      return 600_000;
    },
  });
  const writes: { at: number; text: string }[] = [];
  const progress = { isTTY: true, write: (text: string) => writes.push({ at: performance.now(), text }) };
  try {
    const res = await runEngine({
      target: server.url,
      input: eventsInput(makeEvents({ sessions: 20, gapMs: 0, stepMs: 0 })),
      timing: { mode: 'asap' },
      connections: 4,
      timeoutMs: 60_000,
      drainTimeoutMs: 1500,
      resultsDir,
      preflight: false,
      signal: interrupt.signal,
      progress,
    });
    const tookMs = performance.now() - abortedAt;
    assert.equal(res.outcome, 'interrupted', res.message);
    assert.ok(tookMs < 30_000, `ended ${tookMs.toFixed(0)} ms after the interrupt, not when the requests timed out`);
    assert.equal(res.summary?.requests.byStatus.error, 4, 'the 4 requests in flight were cut');
    assert.ok(
      res.summary?.notes?.some((n) => n === '4 requests got no answer: aborted'),
      JSON.stringify(res.summary?.notes),
    );
    assert.equal(res.summary?.sessions.completed, 0);
    const late = writes.filter((w) => w.at > abortedAt && w.text !== '\r\x1b[2K');
    assert.deepEqual(late, [], 'no progress line after stopping');
  } finally {
    await server.close();
  }
});

test('--duration ends the run whatever the rate: sessions not yet begun are dropped, begun ones get the graceful stop', async () => {
  // 40,000 sessions/s for 300 ms against 2 connections answering after 20 ms: the engine cannot
  // keep up, and must still end at the deadline (+ graceful stop), not after 12,000 sessions.
  const server = await startRecorder({ delayMs: () => 20 });
  try {
    const t0 = performance.now();
    const res = await runEngine({
      target: server.url,
      input: { kind: 'plans', name: 'flood', plan, durationMs: 300 },
      timing: { mode: 'rate', rate: 40_000 },
      connections: 2,
      gracefulStopMs: 200,
      maxErrorRate: 1,
      resultsDir,
      preflight: false,
    });
    const tookMs = performance.now() - t0;
    const s = res.summary;
    assert.equal(res.outcome, 'ok', res.message);
    assert.ok(tookMs < 60_000, `took ${tookMs.toFixed(0)} ms`);
    assert.ok(s && s.requests.total < 200, `${s?.requests.total} requests`);
    assert.ok(
      s.notes?.some((n) => /scheduled steps were not sent because the run stopped/.test(n)),
      JSON.stringify(s.notes),
    );
    assert.equal(s.sessions.failed, 0);
    assert.ok(
      s.sessions.completed <= s.requests.total / 2,
      'only sessions whose steps were all sent count as completed',
    );
  } finally {
    await server.close();
  }
});

const base = (over: Partial<EngineOptions>): EngineOptions => ({
  target: 'http://127.0.0.1:9',
  input: eventsInput([]),
  timing: { mode: 'asap' },
  ...over,
});

test('validateEngineOptions names the flag and throws a CartloadError with exit code 2, before anything starts', () => {
  const cases: [Partial<EngineOptions>, RegExp][] = [
    [
      { timing: { mode: 'rate', rate: 1e9 } },
      new RegExp(`--rate 1000000000: above the Node engine's ceiling of ${MAX_RATE.toLocaleString('en')} sessions/s`),
    ],
    [{ timing: { mode: 'rate', rate: Number.NaN } }, /--rate must be a number above 0/],
    [{ timing: { mode: 'speed', speed: 0 } }, /--speed/],
    [{ connections: 0 }, /--connections/],
    [{ timeoutMs: 0 }, /--timeout/],
    [{ drainTimeoutMs: -1 }, /--drain-timeout/],
    [{ sessionIdleMs: Number.NaN }, /--session-idle/],
    [{ loops: 1.5 }, /--loop/],
    [{ maxErrorRate: 2 }, /--max-error-rate/],
    [{ filters: { sample: 0 } }, /--sample/],
    [{ filters: { limit: 0 } }, /--limit/],
    [{ filters: { from: 5, to: 5 } }, /--from must be before --to/],
    [{ target: 'ftp://x' }, /--target ftp:\/\/x/],
    [{ target: 'nope' }, /--target "nope" is not a URL/],
    [{ runId: '../up' }, /--run-id/],
    [{ input: { kind: 'plans', name: 'p', plan, durationMs: 0 } }, /--duration 0s sends nothing/],
  ];
  for (const [over, message] of cases) {
    assert.throws(
      () => validateEngineOptions(base(over)),
      (err: unknown) => err instanceof EngineOptionError && err.exitCode === 2 && message.test(err.message),
      JSON.stringify(over),
    );
  }
  assert.doesNotThrow(() => validateEngineOptions(base({ timing: { mode: 'rate', rate: MAX_RATE } })));
});

test('a run that would send nothing is bad input: no results folder, no request (not even the preflight)', async () => {
  const server = await startRecorder();
  try {
    const empty = await runEngine({
      target: server.url,
      input: eventsInput([], 'header-only.csv'),
      timing: { mode: 'asap' },
      resultsDir,
      runId: 'empty',
    });
    assert.equal(empty.outcome, 'bad-input');
    assert.match(empty.message ?? '', /header-only\.csv: nothing to send: it holds no steps/);
    const filtered = await runEngine({
      target: server.url,
      input: eventsInput(makeEvents({ sessions: 3 })),
      timing: { mode: 'asap' },
      filters: { from: Date.UTC(2030, 0, 1) },
      resultsDir,
      runId: 'filtered',
    });
    assert.equal(filtered.outcome, 'bad-input');
    assert.match(filtered.message ?? '', /nothing to send: every step was left out \(before-from: 9\)/);
    const zero = await runEngine({
      target: server.url,
      input: { kind: 'plans', name: 'p', plan, durationMs: 0 },
      timing: { mode: 'rate', rate: 5 },
      resultsDir,
      runId: 'zero',
    });
    assert.equal(zero.outcome, 'bad-input');
    assert.match(zero.message ?? '', /--duration 0s/);
    assert.deepEqual(
      await readdir(resultsDir).then((d) => d.filter((x) => ['empty', 'filtered', 'zero'].includes(x))),
      [],
    );
    assert.equal(server.received.length, 0);
  } finally {
    await server.close();
  }
});
