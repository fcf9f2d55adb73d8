// The bounded reorder window (sortWindowMs): nearly sorted input comes out sorted and complete while
// the file is still being read; a row later than the window is reported; stopping early cleans up;
// `cartload replay --sort-window` passes it through.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import {
  readRecording,
  RecordingError,
  type ReadRecordingOptions,
  type ReplayEvent,
  type RowIssue,
} from '../recordings/index.ts';
import { startRecorder } from './fixtures/replay-engine/server.ts';
import { runMain } from './helpers/cli.ts';

const BASE = Date.UTC(2026, 2, 14, 9);

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cartload-window-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const HEADER = 'timestamp,session_id,method,path,body';
/** One request-log row: session s<i> opens at BASE + ms. */
const row = (i: number, ms: number): string =>
  `${new Date(BASE + ms).toISOString()},s${i},PUT,/v2/customer_sessions/s${i},"{""customerSession"":{}}"`;

/** Session i at i·100 ms, each row moved less than `jitter` rows away from its place (deterministic). */
function nearlySorted(n: number, jitter: number): string[] {
  let seed = 12_345;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const rows = Array.from({ length: n }, (_, i) => ({ i, key: i + random() * jitter }));
  rows.sort((a, b) => a.key - b.key);
  return rows.map(({ i }) => row(i, i * 100));
}

async function collect(options: ReadRecordingOptions): Promise<ReplayEvent[]> {
  const out: ReplayEvent[] = [];
  for await (const e of readRecording(options)) out.push(e);
  return out;
}

const brief = (events: ReplayEvent[]): Array<[number, string, number]> =>
  events.map((e) => [e.time, e.sessionId, e.source.line]);

test('sorted and slightly shuffled input come out sorted and complete, the same as the full sort', async (t) => {
  const dir = await tempDir(t);
  for (const jitter of [0, 5]) {
    const file = join(dir, `jitter-${jitter}.csv`);
    await writeFile(file, [HEADER, ...nearlySorted(300, jitter)].join('\n') + '\n');
    const full = await collect({ file, onError: 'abort' });
    // 5 rows of 100 ms apart at most: a 600 ms window holds every displaced row.
    const windowed = await collect({ file, onError: 'abort', sortWindowMs: 600 });
    assert.equal(windowed.length, 300);
    assert.deepEqual(brief(windowed), brief(full));
    assert.ok(windowed.every((e, k) => k === 0 || (windowed[k - 1] as ReplayEvent).time <= e.time));
    if (jitter > 0)
      assert.notDeepEqual(
        windowed.map((e) => e.source.line),
        windowed.map((_, k) => k + 2),
        'the input really was out of order',
      );
  }
});

test('events come out while the input is still being read', async () => {
  // About 400 KB: more than the read-ahead of the streams between the input and the parser.
  const rows = [HEADER, ...nearlySorted(4_000, 3)];
  let sent = 0;
  // One row a chunk, as a pipe would trickle them.
  const stdin = Readable.from(
    (function* () {
      for (const r of rows) {
        sent++;
        yield `${r}\n`;
      }
    })(),
  );
  const firstSeenAfter: number[] = [];
  let count = 0;
  for await (const _e of readRecording({ file: '-', stdin, onError: 'abort', sortWindowMs: 1_000 })) {
    if (count++ === 0) firstSeenAfter.push(sent);
  }
  assert.equal(count, 4_000);
  assert.ok(
    (firstSeenAfter[0] as number) < rows.length / 2,
    `first event after ${firstSeenAfter[0]} of ${rows.length} rows`,
  );
});

test('a row later than the window is reported as out of order (skip) or stops the read (abort)', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'late.csv');
  const rows = Array.from({ length: 50 }, (_, i) => row(i, i * 100));
  rows.splice(40, 0, row(99, 1_000)); // line 42: 3.0 s behind the row before it (3.9 s)
  await writeFile(file, [HEADER, ...rows].join('\n') + '\n');
  const issues: RowIssue[] = [];
  const events = await collect({ file, onError: 'skip', onIssue: (i) => issues.push(i), sortWindowMs: 500 });
  assert.deepEqual(
    issues.map((i) => [i.line, i.reason]),
    [[42, 'out-of-order']],
  );
  assert.match(
    issues[0]?.message ?? '',
    /late\.csv:42: out of order: the row's time is 2900 ms before the newest row read before it, more than the sort window of 500 ms/,
  );
  assert.equal(events.length, 50, 'every other row is replayed');
  assert.ok(!events.some((e) => e.sessionId === 's99'));
  await assert.rejects(collect({ file, onError: 'abort', sortWindowMs: 500 }), (err) => {
    assert.ok(err instanceof RecordingError);
    assert.equal(err.issue.reason, 'out-of-order');
    assert.equal(err.issue.line, 42);
    return true;
  });
  // The same row inside a wider window is put in its place.
  const wide = await collect({ file, onError: 'abort', sortWindowMs: 3_000 });
  assert.equal(wide.length, 51);
  assert.equal(
    wide.findIndex((e) => e.sessionId === 's99'),
    11,
    'after s10, which has the same time and comes first in the file',
  );
});

/** How many of this process's open file descriptors point at `file` (Linux /proc). */
async function openFds(file: string): Promise<number> {
  let n = 0;
  for (const fd of await readdir('/proc/self/fd')) {
    try {
      if ((await readlink(`/proc/self/fd/${fd}`)) === file) n++;
    } catch {
      // closed while we looked
    }
  }
  return n;
}

test('a consumer that stops early closes the file and leaves nothing on disk', async (t) => {
  const dir = await tempDir(t);
  const spill = join(dir, 'spill');
  const file = join(dir, 'big.csv');
  // Several read chunks (256 KiB each), so the file is still open when the consumer stops.
  await writeFile(file, [HEADER, ...nearlySorted(20_000, 2)].join('\n') + '\n');
  let seen = 0;
  for await (const _e of readRecording({ file, onError: 'abort', sortWindowMs: 1_000, tmpDir: spill })) {
    if (++seen === 5) {
      assert.equal(await openFds(file), 1, 'the file is open while reading');
      break;
    }
  }
  assert.equal(seen, 5);
  for (let i = 0; i < 50 && (await openFds(file)) > 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(await openFds(file), 0);
  await assert.rejects(readdir(spill), { code: 'ENOENT' }, 'the window never spills');
});

test('cartload replay --sort-window passes the window to the reader', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'late.csv');
  await writeFile(file, [HEADER, row(1, 5_000), row(2, 10_000), row(3, 0)].join('\n') + '\n');
  const server = await startRecorder();
  t.after(() => server.close());
  // The CLI's main() in this process: the flag and its path to the reader are under test, not the bin.
  const run = async (args: string[]): Promise<{ code: number | null; stderr: string }> => {
    const { code, stderr } = await runMain(
      [
        'replay',
        file,
        '--target',
        server.url,
        '--asap',
        '--no-progress',
        '--results-dir',
        join(dir, 'results'),
        ...args,
      ],
      { env: { TALON_API_KEY: 'window-test-key' } },
    );
    return { code, stderr };
  };
  const narrow = await run(['--sort-window', '1s']);
  assert.equal(narrow.code, 2, narrow.stderr);
  assert.match(narrow.stderr, /late\.csv:4: out of order/);
  const bad = await run(['--sort-window', 'soon']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--sort-window soon/);
  const sessionRequests = (): number => server.received.filter((r) => r.method === 'PUT').length; // not the preflight GET
  const before = sessionRequests();
  const wide = await run(['--sort-window', '15s']);
  assert.equal(wide.code, 0, wide.stderr);
  assert.equal(sessionRequests() - before, 3);
});
