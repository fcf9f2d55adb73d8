// One rule for `replay` and `run`: a target that answers 500 to everything fails the error-rate gate
// (exit 99) with either command; and dry replays leave out the steps a never-stored session cannot
// take, so the bundled export and the README's CI-gate example pass against the local target.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitCodeFor } from '../cli/results.ts';
import { startTarget } from '../emulator/server/index.ts';
import { runGenerate } from '../generators/run.ts';
import { EXIT } from '../model/errors.ts';
import { replayFile } from '../orchestrate/replay.ts';
import { runScenario } from '../orchestrate/run.ts';
import { makeEvents } from './fixtures/replay-engine/events.ts';
import { writeRequestLog } from './fixtures/replay-engine/request-log.ts';
import { startRecorder } from './fixtures/replay-engine/server.ts';

const EXPORT = resolve(fileURLToPath(import.meta.url), '../../examples/session-export.csv');
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-gate-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a target answering 500 to everything: replay and run both end in the error-rate gate (exit 99)', async () => {
  const server = await startRecorder({ status: () => 500 });
  try {
    const file = join(dir, 'log.csv');
    await writeRequestLog(file, makeEvents({ sessions: 4 }));
    const replay = await replayFile({
      file,
      target: server.url,
      timing: { mode: 'asap' },
      resultsDir: join(dir, 'replay-500'),
    });
    assert.equal(exitCodeFor(replay.outcome), EXIT.thresholdsCrossed, replay.message);
    assert.deepEqual(replay.summary?.thresholds?.[0], {
      metric: 'error_rate',
      expression: 'rate<=0.01',
      ok: false,
      value: 1,
    });
    assert.ok(
      replay.summary?.notes?.some((n) => /preflight check with HTTP 500: it looks unhealthy/.test(n)),
      JSON.stringify(replay.summary?.notes),
    );
    const run = await runScenario({
      engine: 'node',
      env: { PATH: '/nonexistent', TALON_BASE_URL: server.url, TALON_API_KEY: 'k' },
      rate: 5,
      duration: '1s',
      thinkScale: 0,
      resultsDir: join(dir, 'run-500'),
      say: () => undefined,
    });
    assert.equal(run.engine, 'node');
    if (run.engine !== 'node') return;
    assert.equal(exitCodeFor(run.result.outcome), EXIT.thresholdsCrossed, run.result.message);
    assert.ok(run.result.summary?.notes?.some((n) => /looks unhealthy/.test(n)));
  } finally {
    await server.close();
  }
});

test('replay --dry of the bundled session export against the local target: no failure; the steps a dry session cannot take are counted', async () => {
  const target = await startTarget({ apiKey: 'dry-key' });
  try {
    const res = await replayFile({
      file: EXPORT,
      target: target.url,
      apiKey: 'dry-key',
      timing: { mode: 'asap' },
      dry: true,
      resultsDir: join(dir, 'dry-export'),
    });
    assert.equal(res.outcome, 'ok', res.message);
    const s = res.summary;
    assert.equal(s?.requests.failed, 0, JSON.stringify(s?.notes));
    assert.deepEqual(s?.filteredSteps, { 'dry-not-applicable': 3 }, 'the reopen, the return and the cancel');
    assert.equal(target.stats().sessionsStored, 0, 'nothing was stored');
  } finally {
    await target.close();
  }
});

test("the README's CI gate (--dry --sample 0.1 --max-error-rate 0.01) passes on generated traffic against the local target", async () => {
  const file = join(dir, 'traffic.csv');
  await runGenerate({
    sessions: 400,
    format: 'csv',
    out: file,
    // The run above's seed: this process builds the seed's pools once.
    seed: 1,
    stdout: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  const target = await startTarget({ apiKey: 'gate-key' });
  try {
    const res = await replayFile({
      file,
      target: target.url,
      apiKey: 'gate-key',
      timing: { mode: 'asap' },
      dry: true,
      filters: { sample: 0.1 },
      maxErrorRate: 0.01,
      resultsDir: join(dir, 'gate'),
    });
    assert.equal(res.outcome, 'ok', `${res.message} ${JSON.stringify(res.summary?.notes)}`);
    assert.equal(res.summary?.requests.failed, 0);
    assert.ok((res.summary?.sessions.started ?? 0) > 10, `${res.summary?.sessions.started} sessions sampled`);
    assert.ok((res.summary?.filteredSteps?.['dry-not-applicable'] ?? 0) > 0);
  } finally {
    await target.close();
  }
});
