// `cartload replay` as a user runs it: a spawned CLI over a request-log file, against a loopback
// recorder. SIGINT drains and still writes an interrupted summary; exit codes; no secret leaks.
// Spawned where the process itself is under test (a signal, the exit code 99 the process ends
// with); the bad-input cases run main() in this process, which returns the code the bin exits with.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeEvents } from './fixtures/replay-engine/events.ts';
import { writeRequestLog } from './fixtures/replay-engine/request-log.ts';
import { startRecorder, type RecorderServer } from './fixtures/replay-engine/server.ts';
import { runMain, spawnCartload, type SpawnedCli } from './helpers/cli.ts';

const KEY = 'cli-secret-key-9f8e7d6c5b4a';
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-replay-cli-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cartload(args: string[], env: Record<string, string> = {}): SpawnedCli {
  return spawnCartload(args, { cwd: dir, env: { TALON_API_KEY: KEY, TALON_BASE_URL: '', ...env } });
}

/** main() in this process, as the bin runs it: for the cases where neither a signal nor the process's own exit is under test. */
function inProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runMain(args, { env: { TALON_API_KEY: KEY, TALON_BASE_URL: '' } });
}

async function waitFor(server: RecorderServer, n: number): Promise<void> {
  for (let i = 0; i < 300 && server.received.length < n; i++) await sleep(100);
}

async function runFiles(resultsDir: string): Promise<Record<string, string>> {
  const runs = await readdir(resultsDir);
  assert.equal(runs.length, 1);
  const files: Record<string, string> = {};
  // The run's own files; parts/ holds each worker's folder when the replay ran on several.
  for (const f of await readdir(join(resultsDir, runs[0] as string), { withFileTypes: true }))
    if (f.isFile()) files[f.name] = await readFile(join(resultsDir, runs[0] as string, f.name), 'utf8');
  return files;
}

test('SIGINT stops scheduling, drains, writes an interrupted summary and exits 130', async () => {
  const server = await startRecorder();
  try {
    // 30 sessions 2 s apart: a minute of recorded time, interrupted after the first few steps.
    const file = join(dir, 'slow.csv');
    await writeRequestLog(file, makeEvents({ sessions: 30, gapMs: 2000, stepMs: 100 }));
    const results = join(dir, 'results-sigint');
    const p = cartload(['replay', file, '--target', server.url, '--results-dir', results, '--no-progress']);
    // The preflight GET, then at least three steps.
    await waitFor(server, 4);
    assert.ok(server.received.length >= 4, `the replay started: ${p.stderr()}`);
    p.kill('SIGINT');
    assert.equal(await p.code, 130, p.stderr());
    const files = await runFiles(results);
    const summary = JSON.parse(files['summary.json'] ?? '{}');
    assert.equal(summary.interrupted, true);
    assert.ok(
      summary.requests.total >= 3 && summary.requests.total < 90,
      `${summary.requests.total} requests; ${p.stderr()}`,
    );
    assert.match(files['summary.txt'] ?? '', /INTERRUPTED/);
    assert.match(p.stdout(), /INTERRUPTED/, 'the summary is printed too');
    assert.match(p.stderr(), /SIGINT: stopping/);
    for (const [name, text] of Object.entries({ ...files, stdout: p.stdout(), stderr: p.stderr() }))
      assert.ok(!text.includes(KEY), `${name} leaks the API key`);
    assert.equal(server.received[0]?.headers.authorization, `ApiKey-v1 ${KEY}`);
  } finally {
    await server.close();
  }
});

test('--max-error-rate crossed exits 99; the summary records the threshold', async () => {
  const server = await startRecorder({ status: (r) => (r.body.includes('closed') ? 500 : 200) });
  try {
    const file = join(dir, 'fail.csv');
    await writeRequestLog(file, makeEvents({ sessions: 5, gapMs: 1, stepMs: 1 }));
    const results = join(dir, 'results-99');
    const p = cartload([
      'replay',
      file,
      '--target',
      server.url,
      '--asap',
      '--max-error-rate',
      '0.05',
      '--results-dir',
      results,
    ]);
    assert.equal(await p.code, 99, p.stderr());
    const summary = JSON.parse((await runFiles(results))['summary.json'] ?? '{}');
    assert.deepEqual(summary.thresholds, [
      { metric: 'error_rate', expression: 'rate<=0.05', ok: false, value: 5 / 15 },
    ]);
    assert.equal(summary.requests.failed, 5);
    assert.match(p.stderr(), /thresholds crossed/);
  } finally {
    await server.close();
  }
});

test('bad usage and bad input exit 2 with a message naming the problem; an absent target exits 3', async () => {
  const file = join(dir, 'ok.csv');
  await writeRequestLog(file, makeEvents({ sessions: 1 }));
  const noTarget = await inProcess(['replay', file]);
  assert.equal(noTarget.code, 2);
  assert.match(noTarget.stderr, /--target or TALON_BASE_URL/);
  const badShard = await inProcess(['replay', file, '--target', 'http://127.0.0.1:9', '--shard', '4/3']);
  assert.equal(badShard.code, 2);
  assert.match(badShard.stderr, /--shard 4\/3/);
  const missing = await inProcess(['replay', join(dir, 'nope.csv'), '--target', 'http://127.0.0.1:9']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.csv/);
  const both = await inProcess(['replay', file, '--target', 'http://127.0.0.1:9', '--rate', '5', '--asap']);
  assert.equal(both.code, 2);
  const closed = await startRecorder();
  const url = closed.url;
  await closed.close();
  const down = await inProcess(['replay', file, '--target', url, '--results-dir', join(dir, 'results-down')]);
  assert.equal(down.code, 3);
  assert.match(down.stderr, /did not answer/);
});

test('a bad row with --on-error abort exits 2 naming file and line; with skip it is counted and the rest replays', async () => {
  const server = await startRecorder();
  try {
    const file = join(dir, 'bad.csv');
    await writeRequestLog(file, makeEvents({ sessions: 3, gapMs: 1, stepMs: 1 }));
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n');
    // Line 3 of the file: break its JSON body.
    lines[2] = (lines[2] ?? '').replace('{""customerSession""', '{""customerSession"" oops');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(file, lines.join('\n'));
    const abort = await inProcess([
      'replay',
      file,
      '--target',
      server.url,
      '--asap',
      '--results-dir',
      join(dir, 'results-abort'),
    ]);
    assert.equal(abort.code, 2, abort.stderr);
    assert.match(abort.stderr, /bad\.csv:3/);
    const skip = await inProcess([
      'replay',
      file,
      '--target',
      server.url,
      '--asap',
      '--on-error',
      'skip',
      '--results-dir',
      join(dir, 'results-skip'),
    ]);
    assert.equal(skip.code, 0, skip.stderr);
    const files = await runFiles(join(dir, 'results-skip'));
    const summary = JSON.parse(files['summary.json'] ?? '{}');
    assert.equal(
      Object.values(summary.skippedRows as Record<string, number>).reduce((a, b) => a + b, 0),
      1,
    );
    assert.match(files['row-issues.ndjson'] ?? '', /"line":3/);
  } finally {
    await server.close();
  }
});
