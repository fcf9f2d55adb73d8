// Session-consistent filters: --shard (disjoint and complete), --sample, --from/--to, --state,
// --limit. Every step of a session is kept or left out together, and every left-out step is counted.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runEngine, type Filters } from '../engine/index.ts';
import { inSample, parseShard, shardOf } from '../engine/hash.ts';
import type { ReplayEvent } from '../recordings/events.ts';
import { eventsInput, makeEvents } from './fixtures/replay-engine/events.ts';
import { sessionOfPath, startRecorder } from './fixtures/replay-engine/server.ts';

let resultsDir: string;
before(async () => {
  resultsDir = await mkdtemp(join(tmpdir(), 'cartload-filters-'));
});
after(async () => {
  await rm(resultsDir, { recursive: true, force: true });
});

/** Runs the engine over the events with the filters, keeping recorded IDs; returns sessions → steps received, and the summary. */
async function replay(events: ReplayEvent[], filters: Filters) {
  const server = await startRecorder();
  try {
    const res = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'asap' },
      sessionPrefix: '',
      filters,
      resultsDir,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    const sessions = new Map<string, number>();
    for (const r of server.received)
      sessions.set(sessionOfPath(r.path), (sessions.get(sessionOfPath(r.path)) ?? 0) + 1);
    return { sessions, summary: res.summary };
  } finally {
    await server.close();
  }
}

test('--shard i/3: the three shards are disjoint, complete, and keep whole sessions', async () => {
  const events = makeEvents({ sessions: 300, gapMs: 0, stepMs: 0 });
  const shards = [];
  for (let i = 1; i <= 3; i++) shards.push(await replay(events, { shard: { index: i, count: 3 } }));
  const seen = new Set<string>();
  for (const [i, { sessions, summary }] of shards.entries()) {
    assert.ok(sessions.size > 50, `shard ${i + 1} has ${sessions.size} of 300 sessions`);
    for (const [id, steps] of sessions) {
      assert.equal(steps, 3, `${id}: all of a session's steps on one shard`);
      assert.ok(!seen.has(id), `${id} on two shards`);
      seen.add(id);
    }
    assert.equal(summary?.filteredSteps?.shard, (300 - sessions.size) * 3);
  }
  assert.equal(seen.size, 300, 'every session on some shard');
});

test('shardOf and inSample depend only on the session ID', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `session-${i}`);
  const counts = [0, 0, 0, 0];
  for (const id of ids) {
    const s = shardOf(id, 4);
    assert.equal(shardOf(id, 4), s);
    counts[s - 1] = (counts[s - 1] ?? 0) + 1;
  }
  for (const c of counts) assert.ok(c > 400 && c < 600, `uneven shards ${counts.join(',')}`);
  const sampled = ids.filter((id) => inSample(id, 0.25)).length;
  assert.ok(sampled > 400 && sampled < 600, `sample 0.25 kept ${sampled} of 2000`);
  // Sample and shard use independent bits: a half-sample of shard 1/2 is about a quarter.
  const both = ids.filter((id) => inSample(id, 0.5) && shardOf(id, 2) === 1).length;
  assert.ok(both > 400 && both < 600, `sample ∩ shard kept ${both}`);
  assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
  assert.match(String(parseShard('0/3')), /between 1 and n/);
  assert.match(String(parseShard('two')), /i\/n/);
});

test('--sample keeps the same whole sessions every time', async () => {
  const events = makeEvents({ sessions: 200, gapMs: 0, stepMs: 0 });
  const a = await replay(events, { sample: 0.3 });
  const b = await replay(events, { sample: 0.3 });
  assert.deepEqual([...a.sessions.keys()].sort(), [...b.sessions.keys()].sort());
  assert.ok(a.sessions.size > 30 && a.sessions.size < 90, `kept ${a.sessions.size} of 200`);
  for (const n of a.sessions.values()) assert.equal(n, 3);
  assert.equal(a.summary?.filteredSteps?.sample, (200 - a.sessions.size) * 3);
});

test('--from/--to admit sessions by their first step and keep them whole; --limit caps sessions', async () => {
  const t0 = Date.UTC(2026, 0, 1);
  // Sessions every 10 ms, steps 15 ms apart: sessions straddle the window's edges.
  const events = makeEvents({ sessions: 10, gapMs: 10, stepMs: 15, t0 });
  const w = await replay(events, { from: t0 + 25, to: t0 + 65 });
  assert.deepEqual([...w.sessions.keys()].sort(), ['s3', 's4', 's5', 's6']);
  for (const n of w.sessions.values()) assert.equal(n, 3, 'a session that started in the window keeps its later steps');
  assert.equal((w.summary?.filteredSteps?.['before-from'] ?? 0) + (w.summary?.filteredSteps?.['after-to'] ?? 0), 18);
  const l = await replay(events, { limit: 4 });
  assert.deepEqual([...l.sessions.keys()].sort(), ['s0', 's1', 's2', 's3']);
  assert.equal(l.summary?.filteredSteps?.limit, 18);
  assert.equal(l.summary?.sessions.started, 4);
});

test('--state keeps sessions by their final recorded state', async () => {
  const closed = makeEvents({ sessions: 3, prefix: 'c', steps: ['open', 'close'] });
  const open = makeEvents({ sessions: 2, prefix: 'o', steps: ['open', 'update'] });
  const events = [...closed, ...open].sort((a, b) => a.time - b.time);
  const r = await replay(events, { states: ['open'] });
  assert.deepEqual([...r.sessions.keys()].sort(), ['o0', 'o1']);
  assert.equal(r.summary?.filteredSteps?.state, 6);
});
