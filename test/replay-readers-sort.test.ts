import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { stringify } from 'csv-stringify/sync';
import { sessionPath } from '../model/plan.ts';
import { readRecording, RecordingError, type ReplayEvent, type SortStats } from '../recordings/index.ts';
import { REQUEST_LOG_COLUMNS } from '../recordings/request-log.ts';
import { externalSort, SortSpillError } from '../recordings/sort/external-sort.ts';

interface Item {
  t: number;
  seq: number;
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cartload-sort-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A deterministic shuffle (xorshift), so a failure reproduces. */
function shuffled<T>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function* from<T>(xs: Iterable<T>): AsyncGenerator<T> {
  yield* xs;
}

function expectedOrder(items: Item[]): Item[] {
  return [...items].sort((a, b) => a.t - b.t || a.seq - b.seq);
}

test('shuffled input comes out ordered and stable across many spilled chunks and merge passes', async (t) => {
  const dir = await tempDir(t);
  // 500 items over 50 distinct times: many ties, each must keep input order (seq). In runs of 7
  // merged 4 at a time: 71 runs, which take several merges before the last.
  const items = shuffled(
    Array.from({ length: 500 }, (_, i) => ({ t: i % 50, seq: 0 })),
    42,
  ).map((x, seq) => ({ ...x, seq }));
  const stats: SortStats = { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 };
  const out: Item[] = [];
  for await (const x of externalSort(from(items), { key: (x) => x.t, chunkItems: 7, maxFanIn: 4, tmpDir: dir, stats }))
    out.push(x);
  assert.deepEqual(out, expectedOrder(items));
  assert.equal(stats.items, 500);
  assert.equal(stats.runs, Math.ceil(500 / 7) - 1, 'every full chunk spilled, the last one merged from memory');
  assert.ok(stats.extraMergePasses > 1, 'more runs than maxFanIn: extra passes');
  assert.ok(stats.bytesWritten > 0);
  assert.deepEqual(await readdir(dir), [], 'temporary files removed');
});

test('input that fits in one chunk never touches the disk', async (t) => {
  const dir = await tempDir(t);
  const items = shuffled(
    Array.from({ length: 100 }, (_, i) => ({ t: i % 10, seq: 0 })),
    7,
  ).map((x, seq) => ({ ...x, seq }));
  const stats: SortStats = { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 };
  const out: Item[] = [];
  const sorter = externalSort(from(items), { key: (x) => x.t, chunkItems: 100, tmpDir: dir, stats });
  for await (const x of sorter) {
    out.push(x);
    assert.deepEqual(await readdir(dir), []);
  }
  assert.deepEqual(out, expectedOrder(items));
  assert.equal(stats.runs, 0);
  assert.equal(stats.bytesWritten, 0);
});

test('a consumer that stops early, or a source that fails, leaves no temporary files', async (t) => {
  const dir = await tempDir(t);
  const items = Array.from({ length: 500 }, (_, i) => ({ t: 500 - i, seq: i }));
  let seen = 0;
  for await (const _x of externalSort(from(items), { key: (x) => x.t, chunkItems: 10, tmpDir: dir })) {
    if (seen === 0) assert.equal((await readdir(dir)).length, 1, 'one temporary folder while merging');
    if (++seen === 3) break;
  }
  assert.equal(seen, 3);
  assert.deepEqual(await readdir(dir), []);

  async function* failing(): AsyncGenerator<Item> {
    yield* items.slice(0, 100);
    throw new Error('source broke');
  }
  await assert.rejects(async () => {
    for await (const _x of externalSort(failing(), { key: (x) => x.t, chunkItems: 10, tmpDir: dir })) {
      // draining
    }
  }, /source broke/);
  assert.deepEqual(await readdir(dir), []);
});

function requestLogRow(time: number, session: string, step: string): string[] {
  const body =
    step === 'get'
      ? ''
      : JSON.stringify({
          customerSession: { state: step === 'close' ? 'closed' : 'open', attributes: { note: 'a, "b"\nc' } },
        });
  return [
    new Date(time).toISOString(),
    session,
    step === 'get' ? 'GET' : 'PUT',
    sessionPath(session),
    '',
    body,
    '',
    step,
    '',
    '',
  ];
}

test('a shuffled request log read with tiny chunks: every session in order, ties in file order, disk cleaned', async (t) => {
  const dir = await tempDir(t);
  const spill = await mkdtemp(join(dir, 'spill-'));
  const rows: string[][] = [];
  const base = Date.UTC(2026, 2, 14, 9);
  for (let s = 0; s < 60; s++) {
    const id = `s-${s}`;
    const start = base + ((s * 7919) % 5000);
    // open and update share a timestamp: only file order tells them apart.
    rows.push(
      requestLogRow(start, id, 'open'),
      requestLogRow(start, id, 'update'),
      requestLogRow(start + 100, id, 'get'),
      requestLogRow(start + 2000, id, 'close'),
    );
  }
  // Shuffle sessions' rows around each other but keep each session's rows in file order.
  const order = shuffled(
    rows.map((_, i) => i),
    3,
  );
  const bySession = new Map<string, number[]>();
  for (const i of order) {
    const id = rows[i]?.[1] as string;
    bySession.set(id, [...(bySession.get(id) ?? []), i]);
  }
  const cursor = new Map<string, number>();
  const fileRows = order.map((i) => {
    const id = rows[i]?.[1] as string;
    const k = cursor.get(id) ?? 0;
    cursor.set(id, k + 1);
    const ordered = (bySession.get(id) as number[]).slice().sort((a, b) => a - b);
    return rows[ordered[k] as number] as string[];
  });
  const file = join(dir, 'shuffled.csv');
  await writeFile(file, stringify([[...REQUEST_LOG_COLUMNS], ...fileRows]));

  const stats: SortStats = { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 };
  const events: ReplayEvent[] = [];
  for await (const e of readRecording({ file, onError: 'abort', tmpDir: spill, sortChunkItems: 5, sortStats: stats }))
    events.push(e);
  assert.equal(events.length, 240);
  assert.ok(stats.runs >= 40, `spilled ${stats.runs} runs`);
  for (let i = 1; i < events.length; i++)
    assert.ok((events[i] as ReplayEvent).time >= (events[i - 1] as ReplayEvent).time);
  const steps = new Map<string, string[]>();
  for (const e of events) steps.set(e.sessionId, [...(steps.get(e.sessionId) ?? []), e.step.step]);
  for (const [id, s] of steps) assert.deepEqual(s, ['open', 'update', 'get', 'close'], id);
  assert.deepEqual(await readdir(spill), []);
});

test('an aborted read (bad row after spilling) leaves no temporary files', async (t) => {
  const dir = await tempDir(t);
  const rows: string[][] = [];
  for (let i = 0; i < 50; i++) rows.push(requestLogRow(Date.UTC(2026, 0, 1) + (50 - i) * 1000, `s-${i}`, 'open'));
  rows.push(['not a time', 's-x', 'PUT', sessionPath('s-x'), '', '', '', '', '', '']);
  const file = join(dir, 'late-bad.csv');
  await writeFile(file, stringify([[...REQUEST_LOG_COLUMNS], ...rows]));
  const spill = await mkdtemp(join(dir, 'spill-'));
  const stats: SortStats = { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 };
  await assert.rejects(
    async () => {
      for await (const _e of readRecording({
        file,
        onError: 'abort',
        tmpDir: spill,
        sortChunkItems: 4,
        sortStats: stats,
      })) {
        // draining
      }
    },
    (err: unknown) => err instanceof RecordingError && err.issue.line === 52,
  );
  assert.ok(stats.runs > 0, 'it had spilled');
  assert.deepEqual(await readdir(spill), []);

  // A consumer stopping after the first event also cleans up.
  rows.pop();
  await writeFile(file, stringify([[...REQUEST_LOG_COLUMNS], ...rows]));
  for await (const e of readRecording({ file, onError: 'abort', tmpDir: spill, sortChunkItems: 4 })) {
    assert.equal(e.sessionId, 's-49');
    break;
  }
  assert.deepEqual(await readdir(spill), []);
});

test('too many runs for one merge: only as many as needed are merged first', async (t) => {
  const dir = await tempDir(t);
  const items = shuffled(
    Array.from({ length: 110 }, (_, i) => ({ t: i % 17, seq: 0 })),
    11,
  ).map((x, seq) => ({ ...x, seq }));
  const stats: SortStats = { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 };
  const out: Item[] = [];
  for await (const x of externalSort(from(items), { key: (x) => x.t, chunkItems: 10, maxFanIn: 8, tmpDir: dir, stats }))
    out.push(x);
  assert.deepEqual(out, expectedOrder(items));
  assert.equal(stats.runs, 10, '10 runs on disk + the last chunk in memory');
  assert.equal(stats.extraMergePasses, 1);
  // 11 sources, 8 at a time: merging the first 4 into one leaves 7 + 1; those 40 items are written twice.
  const perItem = stats.bytesWritten / (100 + 40);
  assert.ok(
    Math.abs(perItem - JSON.stringify(items[0]).length - 1) < 2,
    `about 140 items written, got ${stats.bytesWritten} bytes`,
  );
  assert.deepEqual(await readdir(dir), []);
});

test('events read back from disk equal the events sorted in memory, for every fixture', async (t) => {
  const dir = await tempDir(t);
  for (const name of ['request-log.csv', 'access-log.csv', 'session-export.csv', 'session-export-excel.csv']) {
    const file = `test/fixtures/replay/${name}`;
    const inMemory: ReplayEvent[] = [];
    for await (const e of readRecording({ file, onError: 'abort' })) inMemory.push(e);
    const stats: SortStats = { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 };
    const spilled: ReplayEvent[] = [];
    for await (const e of readRecording({ file, onError: 'abort', tmpDir: dir, sortChunkItems: 2, sortStats: stats }))
      spilled.push(e);
    assert.ok(stats.runs > 0, name);
    assert.deepEqual(spilled, inMemory, name);
  }
  assert.deepEqual(await readdir(dir), []);
});

test('a temporary folder that cannot be made is a clear error', async (t) => {
  const dir = await tempDir(t);
  const missing = join(dir, 'no', 'such', 'folder');
  const items = Array.from({ length: 30 }, (_, i) => ({ t: 30 - i, seq: i }));
  await assert.rejects(
    async () => {
      for await (const _x of externalSort(from(items), { key: (x) => x.t, chunkItems: 10, tmpDir: missing })) {
        // draining
      }
    },
    (err: unknown) => err instanceof SortSpillError && err.message.includes(missing) && /TMPDIR/.test(err.message),
  );
});
