import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runEngine } from '../engine/index.ts';
import { eventsInput, makeEvents } from './fixtures/replay-engine/events.ts';
import { sessionOfPath, startRecorder } from './fixtures/replay-engine/server.ts';

let resultsDir: string;
before(async () => {
  resultsDir = await mkdtemp(join(tmpdir(), 'cartload-engine-'));
});
after(async () => {
  await rm(resultsDir, { recursive: true, force: true });
});

const KEY = 'sekret-key-0123456789abcdef';

test('as fast as possible: every step sent once, in order per session, never two of a session at once', async () => {
  // Random server delays reorder answers across sessions; the engine must still keep each session in order.
  const server = await startRecorder({ delayMs: (r) => (r.body.length + r.path.length) % 7 });
  try {
    const events = makeEvents({ sessions: 40, gapMs: 0, stepMs: 0 });
    const res = await runEngine({
      target: server.url,
      apiKey: KEY,
      input: eventsInput(events),
      timing: { mode: 'asap' },
      connections: 8,
      resultsDir,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    assert.equal(server.overlaps, 0);
    assert.equal(server.received.length, 120);
    const bySession = new Map<string, string[]>();
    for (const r of server.received) {
      const id = sessionOfPath(r.path);
      bySession.set(id, [...(bySession.get(id) ?? []), r.body.includes('closed') ? 'close' : 'open/update']);
    }
    assert.equal(bySession.size, 40);
    for (const [id, steps] of bySession) {
      assert.match(id, /^cartload-[a-z0-9]{6}-s\d+$/, 'recorded IDs are namespaced per run');
      assert.deepEqual(steps, ['open/update', 'open/update', 'close'], id);
    }
    const s = res.summary;
    assert.ok(s);
    assert.equal(s.requests.total, 120);
    assert.equal(s.requests.failed, 0);
    assert.deepEqual(s.requests.byStatus, { '200': 120 });
    assert.equal(s.requests.byStep.close?.count, 40);
    assert.equal(s.requests.byEndpoint['PUT /v2/customer_sessions/{id}']?.count, 120);
    assert.deepEqual(
      { started: s.sessions.started, completed: s.sessions.completed, failed: s.sessions.failed },
      { started: 40, completed: 40, failed: 0 },
    );
    assert.equal(s.lag, undefined, 'no schedule, no lag');
    assert.equal(server.received[0]?.headers.authorization, `ApiKey-v1 ${KEY}`);
  } finally {
    await server.close();
  }
});

test('the results folder holds summary.json and summary.txt, and never the API key', async () => {
  const server = await startRecorder();
  try {
    const res = await runEngine({
      target: server.url,
      apiKey: KEY,
      input: eventsInput(makeEvents({ sessions: 3 })),
      timing: { mode: 'asap' },
      resultsDir,
      runId: 'secrets-check',
      logRequests: true,
      options: { apiKey: KEY, TALON_API_KEY: KEY, speed: 1 },
      preflight: true,
    });
    assert.equal(res.outcome, 'ok', res.message);
    const files = (await readdir(join(resultsDir, 'secrets-check'))).sort();
    assert.deepEqual(files, ['report.html', 'requests.csv', 'results.json', 'summary.json', 'summary.txt']);
    for (const f of files) {
      const text = await readFile(join(resultsDir, 'secrets-check', f), 'utf8');
      assert.ok(!text.includes(KEY), `${f} must not contain the API key`);
    }
    const summary = JSON.parse(await readFile(join(resultsDir, 'secrets-check', 'summary.json'), 'utf8'));
    assert.equal(summary.options.apiKey, '[redacted]');
    assert.equal(summary.options.speed, 1);
    assert.equal(summary.runId, 'secrets-check');
    assert.equal(summary.scenario, 'hand-made.csv');
    const again = await runEngine({
      target: server.url,
      input: eventsInput(makeEvents({ sessions: 1 })),
      timing: { mode: 'asap' },
      resultsDir,
      runId: 'secrets-check',
      preflight: false,
    });
    assert.equal(again.outcome, 'bad-input', 'an existing run folder is never overwritten');
  } finally {
    await server.close();
  }
});

test('--keep-session-ids sends recorded IDs; --dry adds dry=true to updates and leaves out what a never-stored session cannot take', async () => {
  const server = await startRecorder();
  try {
    const events = makeEvents({ sessions: 2, steps: ['open', 'close', 'reopen', 'return'] });
    const res = await runEngine({
      target: server.url,
      input: eventsInput(events),
      timing: { mode: 'asap' },
      resultsDir,
      sessionPrefix: '',
      dry: true,
      preflight: false,
    });
    assert.equal(res.outcome, 'ok', res.message);
    assert.deepEqual(
      server.received.filter((r) => sessionOfPath(r.path) === 's0').map((r) => `${r.method} ${r.path}`),
      ['PUT /v2/customer_sessions/s0?dry=true', 'PUT /v2/customer_sessions/s0?dry=true'],
    );
    assert.deepEqual(
      res.summary?.filteredSteps,
      { 'dry-not-applicable': 4 },
      'the reopen and the return of each session',
    );
  } finally {
    await server.close();
  }
});

test('a target that is not there ends as unavailable before anything runs', async () => {
  const server = await startRecorder();
  const url = server.url;
  await server.close();
  const res = await runEngine({
    target: url,
    input: eventsInput(makeEvents({ sessions: 1 })),
    timing: { mode: 'asap' },
    resultsDir,
    timeoutMs: 2000,
  });
  assert.equal(res.outcome, 'unavailable');
  assert.match(res.message ?? '', /did not answer/);
});

test('a refused API key ends as unavailable and the message does not repeat the key', async () => {
  const server = await startRecorder({ status: () => 401 });
  try {
    const res = await runEngine({
      target: server.url,
      apiKey: KEY,
      input: eventsInput(makeEvents({ sessions: 1 })),
      timing: { mode: 'asap' },
      resultsDir,
    });
    assert.equal(res.outcome, 'unavailable');
    assert.match(res.message ?? '', /refused the API key/);
    assert.ok(!(res.message ?? '').includes(KEY));
  } finally {
    await server.close();
  }
});
