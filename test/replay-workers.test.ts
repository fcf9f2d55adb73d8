// cartload replay --workers: N worker threads, one shard each, on one clock. Every recorded step
// reaches the target exactly once and in its session's order; a worker whose first session is
// recorded late still sends it at its recorded offset from the run's start (one timeline, not one
// per worker); the merged folder holds one summary; Ctrl-C stops every worker; options that cannot
// be split are refused with the reason.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { shardOf } from '../engine/hash.ts';
import { replayWithWorkers, workerShard, workersRefusal } from '../orchestrate/replay-workers.ts';
import { firstSentStep, firstStepAt } from '../orchestrate/shared-start.ts';
import type { ReplayEvent } from '../recordings/events.ts';
import type { RunSummary } from '../model/summary.ts';
import { makeEvents } from './fixtures/replay-engine/events.ts';
import { writeRequestLog } from './fixtures/replay-engine/request-log.ts';
import { sessionOfPath, startRecorder } from './fixtures/replay-engine/server.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-workers-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 0, 1);

/** Session IDs that fall in shard `index` of 2. */
function idsIn(index: number, count: number, from = 0): string[] {
  const out: string[] = [];
  for (let k = from; out.length < count; k++) if (shardOf(`w${k}`, 2) === index) out.push(`w${k}`);
  return out;
}

/**
 * 10 sessions of shard 1 over the first quarter second, then 10 of shard 2 from 1 s in: shard 2's first
 * session is recorded 1 s in, and worker 1 has sent everything and ended before worker 2 starts.
 */
function lateShardTwo(): ReplayEvent[] {
  const one = idsIn(1, 10);
  const two = idsIn(2, 10, 1000);
  const events: ReplayEvent[] = [];
  const session = (id: string, at: number): void => {
    for (const e of makeEvents({ sessions: 1, steps: ['open', 'close', 'reopen'], stepMs: 20, t0: T0 + at }))
      events.push({ ...e, sessionId: id, step: { ...e.step, path: e.step.path.replace('/s0', `/${id}`) } });
  };
  one.forEach((id, i) => session(id, i * 25));
  two.forEach((id, i) => session(id, 1000 + i * 25));
  return events.sort((a, b) => a.time - b.time);
}

test("each session ID falls to exactly one worker, inside the user's own --shard", () => {
  for (let id = 0; id < 2000; id++) {
    const sid = `session-${id}`;
    const mine = [1, 2, 3].filter(
      (j) => shardOf(sid, workerShard(j, 3, undefined).count) === workerShard(j, 3, undefined).index,
    );
    assert.equal(mine.length, 1);
    const outer = { index: 2, count: 4 };
    const within = [1, 2, 3].filter((j) => {
      const s = workerShard(j, 3, outer);
      return shardOf(sid, s.count) === s.index;
    });
    assert.equal(within.length, shardOf(sid, 4) === 2 ? 1 : 0, 'a split of shard 2/4, nothing outside it');
  }
});

test("the first step sent is a session's first event that the filters admit; it goes at the shared start plus its offset", () => {
  const events = lateShardTwo();
  const first = (filters: Parameters<typeof firstSentStep>[0], of: ReplayEvent[] = events): number | undefined => {
    const is = firstSentStep(filters);
    return of.find((e) => is(e))?.time;
  };
  assert.equal(first({}), T0);
  assert.equal(first({ from: T0 + 200 }), T0 + 200);
  assert.equal(first({ to: T0 }), undefined);
  assert.equal(
    first(
      {},
      events.filter((e) => shardOf(e.sessionId, 2) === 2),
    ),
    T0 + 1000,
    "the late shard's own first step",
  );
  // A session that began before --from stays out: its later steps are not a first step.
  const straddling = makeEvents({ sessions: 2, gapMs: 100, stepMs: 60, t0: T0 });
  assert.equal(first({ from: T0 + 50 }, straddling), T0 + 100);
  const is = firstSentStep({});
  assert.deepEqual(
    events.slice(0, 4).map((e) => is(e)),
    [true, false, false, false],
    'true once',
  );
  assert.equal(firstStepAt(1_000_000, T0 + 1000, T0, 2), 1_000_500, 'recorded 1 s after the earliest step, at speed 2');
  assert.equal(
    firstStepAt(1_000_000, T0 + 1000, T0, undefined),
    1_000_000,
    '--rate and --asap: every worker starts at once',
  );
});

test('two workers: every step once, in session order, on one timeline, the one that finishes first not stopping the other; one merged run folder', {
  timeout: 120_000,
}, async () => {
  const events = lateShardTwo();
  const file = join(dir, 'late.csv');
  await writeRequestLog(file, events);
  const server = await startRecorder();
  try {
    const results = join(dir, 'results');
    const res = await replayWithWorkers({
      file,
      workers: 2,
      target: server.url,
      timing: { mode: 'speed', speed: 1 },
      sessionPrefix: '',
      resultsDir: results,
      runId: 'two',
      logRequests: true,
    });
    assert.equal(res.outcome, 'ok', res.message);
    // Worker 1 ends some 0.7 s before worker 2 sends its first step: its thread's exit must not
    // stop worker 2, whose steps would then go unsent (the check below, and no such note).
    assert.ok(
      !res.summary?.notes?.some((n) => /not sent because the run stopped/.test(n)),
      JSON.stringify(res.summary?.notes),
    );
    const sent = server.received.filter((r) => !r.path.includes('preflight'));
    assert.equal(server.received.length - sent.length, 1, 'one check of the target for the run');
    const key = (method: string, path: string, body: string | undefined): string => `${method} ${path} ${body ?? ''}`;
    const expected = events.map((e) =>
      key(e.step.method, e.step.path, e.step.body === undefined ? '' : JSON.stringify(e.step.body)),
    );
    assert.deepEqual(
      sent.map((r) => key(r.method, r.path, r.body)).sort(),
      expected.sort(),
      'every recorded step exactly once',
    );
    assert.equal(server.overlaps, 0, 'never two steps of one session at once');
    for (const id of new Set(events.map((e) => e.sessionId))) {
      assert.deepEqual(
        sent.filter((r) => sessionOfPath(r.path) === id).map((r) => key(r.method, r.path, r.body)),
        events
          .filter((e) => e.sessionId === id)
          .map((e) => key(e.step.method, e.step.path, e.step.body === undefined ? '' : JSON.stringify(e.step.body))),
        `${id} in order`,
      );
    }
    // One timeline: each worker's steps arrive at their recorded offsets from one start. The median
    // of (arrival − recorded offset) is the start as each worker kept it, plus its typical lag; a
    // worker on its own clock would send the late shard's steps about 1 s early.
    const offsetOf = new Map(
      events.map((e) => [
        key(e.step.method, e.step.path, e.step.body === undefined ? '' : JSON.stringify(e.step.body)),
        e.time - T0,
      ]),
    );
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
    const startOf = (shard: number): number =>
      median(
        sent
          .filter((r) => shardOf(sessionOfPath(r.path), 2) === shard)
          .map((r) => r.at - (offsetOf.get(key(r.method, r.path, r.body)) as number)),
      );
    const apart = startOf(2) - startOf(1);
    // Early is the own-clock signature (about −1,000 ms); late is lag, which a busy machine can
    // stretch past half a second for one worker's thread, so lateness is bounded only loosely.
    assert.ok(apart > -400 && apart < 1500, `worker 2's clock is ${apart.toFixed(0)} ms from worker 1's`);

    const run = join(results, 'two');
    assert.deepEqual((await readdir(join(run, 'parts'))).sort(), ['two-w1of2', 'two-w2of2']);
    const merged = JSON.parse(await readFile(join(run, 'summary.json'), 'utf8')) as RunSummary;
    const parts = await Promise.all(
      ['two-w1of2', 'two-w2of2'].map(
        async (p) => JSON.parse(await readFile(join(run, 'parts', p, 'summary.json'), 'utf8')) as RunSummary,
      ),
    );
    assert.ok(
      parts.every((p) => p.requests.total > 0),
      'both workers sent',
    );
    assert.equal(merged.requests.total, events.length);
    assert.equal(merged.sessions.started, 20);
    assert.equal(merged.sessions.completed, 20);
    assert.equal(merged.filteredSteps?.shard, undefined, "the other worker's steps are not left out of the run");
    const log = (await readFile(join(run, 'requests.csv'), 'utf8')).trim().split('\n');
    assert.equal(log.length, events.length + 1, 'one request log for the run');
    // Its times are on the run's clock: the late shard's first step is intended about 1 s in.
    const lateFirst = log.find((l) => l.startsWith(`${idsIn(2, 1, 1000)[0]},open,`)) as string;
    assert.ok(Math.abs(Number(lateFirst.split(',').at(-3)) - 1000) < 1, lateFirst);
  } finally {
    await server.close();
  }
});

test('an interrupt stops every worker; what was sent is counted once', { timeout: 120_000 }, async () => {
  const file = join(dir, 'slow.csv');
  // Steps that differ in method, path or body, so that a repeat would show.
  await writeRequestLog(file, makeEvents({ sessions: 40, steps: ['open', 'close', 'reopen'], gapMs: 250, stepMs: 50 }));
  const server = await startRecorder();
  try {
    const stop = new AbortController();
    const pending = replayWithWorkers({
      file,
      workers: 2,
      target: server.url,
      timing: { mode: 'speed', speed: 1 },
      resultsDir: join(dir, 'results-stop'),
      runId: 'stop',
      signal: stop.signal,
    });
    for (let i = 0; i < 300 && server.received.length < 8; i++) await sleep(50);
    stop.abort();
    const res = await pending;
    assert.equal(res.outcome, 'interrupted');
    assert.equal(res.summary?.interrupted, true);
    const sent = server.received.filter((r) => !r.path.includes('preflight'));
    assert.ok(sent.length < 120, `stopped early (${sent.length} of 120 steps)`);
    assert.equal(new Set(sent.map((r) => `${r.path} ${r.body}`)).size, sent.length, 'no step twice');
    assert.equal(res.summary?.requests.total, sent.length);
  } finally {
    await server.close();
  }
});

test('what cannot be split over workers is refused, naming the option', async () => {
  assert.match(workersRefusal({ workers: 2, file: '-' }) ?? '', /standard input can be read once/);
  assert.match(workersRefusal({ workers: 2, file: 'a.csv', loops: 2 }) ?? '', /--workers with --loop/);
  assert.match(workersRefusal({ workers: 2, file: 'a.csv', limit: 5 }) ?? '', /--workers with --limit/);
  assert.match(workersRefusal({ workers: 0, file: 'a.csv' }) ?? '', /--workers must be a whole number from 1 to 256/);
  assert.equal(workersRefusal({ workers: 1, file: '-' }), undefined);
  const res = await replayWithWorkers({
    file: '-',
    workers: 2,
    target: 'http://127.0.0.1:9',
    timing: { mode: 'asap' },
    resultsDir: join(dir, 'refused'),
  });
  assert.equal(res.outcome, 'bad-input');
});
