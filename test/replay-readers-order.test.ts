// Sorting only what is out of order: the order scan finds the same records, lines and time cells
// as csv-parse on awkward CSV, and a file read in two passes (rows in order streamed, late rows
// sorted) gives exactly the events, in exactly the order, of the whole-file sort.
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { csvRecordBatches } from '../recordings/csv.ts';
import { readRecording, type ReplayEvent, type RowIssue, type SortStats } from '../recordings/index.ts';
import { scanOrder } from '../recordings/sort/order-scan.ts';
import { FIX } from './replay-readers-support.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-order-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small seeded PRNG, so a failure names a seed that reproduces it. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Random CSV: quoted and unquoted cells with commas, quotes, CRs, LFs, CRLFs, blank lines, a BOM. */
function randomCsv(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const cell = (): string => {
    const plain = ['', 'a', '12', 'x y', 'é€', '2026-01-01T00:00:00Z', 'a\rb'];
    const quoted = ['""', '"a,b"', '"say ""hi"""', '"line\nbreak"', '"crlf\r\ninside"', '"cr\rinside"', '","', '""""'];
    return r() < 0.5 ? pick(plain) : pick(quoted);
  };
  const ends = ['\n', '\r\n', '\n\n', '\r\n\r\n'];
  let out = r() < 0.2 ? '\ufeff' : '';
  const rows = 1 + Math.floor(r() * 12);
  for (let i = 0; i < rows; i++) {
    const n = 1 + Math.floor(r() * 4);
    out += Array.from({ length: n }, cell).join(',');
    if (i < rows - 1 || r() < 0.7) out += pick(ends);
  }
  return out;
}

async function* chunked(bytes: Buffer, r: () => number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * 7);
    yield bytes.subarray(i, i + n);
    i += n;
  }
}

test('the order scan finds the records, lines and time cells csv-parse finds, in any chunking', async () => {
  for (let seed = 1; seed <= 400; seed++) {
    const r = prng(seed);
    const text = randomCsv(r);
    // What csv-parse (through the reader's splitter) sees: every record's line and first cell. The
    // text is handed over as standard input: a file per seed would cost more than the parse.
    const want: Array<[number, string]> = [];
    let parseError = false;
    try {
      for await (const batch of csvRecordBatches({ file: '-', stdin: Readable.from([Buffer.from(text)]) }))
        for (const rec of batch) want.push([rec.line, rec.fields[0] ?? '']);
    } catch {
      parseError = true;
    }
    const got: Array<[number, string]> = [];
    let headerLine = 0;
    const result = await scanOrder(chunked(Buffer.from(text), r), {
      header: (rec) => {
        headerLine = rec.line;
        return 0;
      },
      // Every row "late" with its time cell as seen: the scan hands each record over.
      time: (c) => {
        got.push([0, c]);
        return 0;
      },
      late: () => {
        // Each record is collected by time() above.
      },
    });
    if (parseError) {
      assert.equal(result.ok, false, `seed ${seed}: csv-parse fails, the scan must not go on: ${JSON.stringify(text)}`);
      continue;
    }
    if (want.length === 0) {
      assert.equal(result.ok, false, `seed ${seed}: no header`);
      continue;
    }
    assert.equal(result.ok, true, `seed ${seed}: ${JSON.stringify(text)}`);
    assert.equal(headerLine, want[0]?.[0], `seed ${seed}: header line`);
    assert.deepEqual(
      got.map((g) => g[1]),
      want.slice(1).map((w) => w[1]),
      `seed ${seed}: ${JSON.stringify(text)}`,
    );
  }
});

test('the order scan reports late rows with the lines csv-parse gives them', async () => {
  for (let seed = 1; seed <= 200; seed++) {
    const r = prng(seed * 7919);
    // Rows: a time cell, then awkward cells; times jump back now and then.
    let text = 'timestamp,x\n';
    const rows: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t = i * 10 - (r() < 0.3 ? Math.floor(r() * 100) : 0);
      rows.push(t);
      text += `${t},${r() < 0.5 ? '"multi\nline ""q"""' : 'plain'}${r() < 0.3 ? '\r\n' : '\n'}${r() < 0.1 ? '\n' : ''}`;
    }
    const lines: number[] = [];
    for await (const batch of csvRecordBatches({ file: '-', stdin: Readable.from([Buffer.from(text)]) }))
      for (const rec of batch) lines.push(rec.line);
    let newest = -Infinity;
    const wantLate = rows.flatMap((t, i) => (t < newest ? [lines[i + 1] as number] : ((newest = t), [])));
    const gotLate: number[] = [];
    const res = await scanOrder(chunked(Buffer.from(text), r), {
      header: () => 0,
      time: (c) => Number(c),
      late: (rec) => gotLate.push(rec.line),
    });
    assert.equal(res.ok, true);
    assert.deepEqual(gotLate, wantLate, `seed ${seed}`);
  }
});

/** A request log: `times` in file order, one single-step session a row, bodies with quotes and a line break. */
function requestLog(times: number[], opts: { crlf?: boolean } = {}): string {
  const nl = opts.crlf ? '\r\n' : '\n';
  let out = `timestamp,method,path,body${nl}`;
  times.forEach((t, i) => {
    const body = `{"customerSession":{"profileId":"p${i}","attributes":{"note":"row ${i}${i % 5 === 0 ? '\\nnext' : ''}"}}}`;
    out += `${new Date(Date.UTC(2026, 0, 1) + t).toISOString()},PUT,/v2/customer_sessions/s${i % 7},"${body.replaceAll('"', '""')}"${nl}`;
  });
  return out;
}

async function read(
  file: string,
  opts: { stdin?: string; sortStats?: SortStats; onError?: 'skip' | 'abort'; sortChunkItems?: number } = {},
): Promise<{ events: ReplayEvent[]; issues: RowIssue[] }> {
  const events: ReplayEvent[] = [];
  const issues: RowIssue[] = [];
  const it = readRecording({
    file: opts.stdin === undefined ? file : '-',
    onError: opts.onError ?? 'skip',
    onIssue: (i) => issues.push({ ...i, file }),
    tmpDir: dir,
    sortChunkItems: opts.sortChunkItems ?? 7,
    ...(opts.stdin !== undefined ? { stdin: createReadStream(opts.stdin) } : {}),
    ...(opts.sortStats ? { sortStats: opts.sortStats } : {}),
  });
  for await (const e of it) events.push({ ...e, source: { file, line: e.source.line } });
  return { events, issues };
}

const stats = (): SortStats => ({ items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 });

test('a file in time order is streamed: nothing goes through the sort', async () => {
  const file = join(dir, 'ordered.csv');
  await writeFile(file, requestLog(Array.from({ length: 60 }, (_, i) => i * 3 - (i % 4 === 1 ? 1 : 0) * 0)));
  const s = stats();
  const { events } = await read(file, { sortStats: s });
  assert.equal(events.length, 60);
  assert.equal(s.items, 0, 'no row sorted');
  assert.deepEqual(
    events.map((e) => e.source.line),
    Array.from({ length: 60 }, (_, i) => i + 2),
  );
});

test('only late rows are sorted, and the events and their order equal the whole-file sort', async () => {
  for (const [name, times, crlf] of [
    ['jitter', Array.from({ length: 80 }, (_, i) => i * 10 + (i % 9 === 4 ? -35 : 0) + (i % 13 === 0 ? 7 : 0)), false],
    ['ties', Array.from({ length: 50 }, (_, i) => Math.floor(i / 3) * 5 - (i % 11 === 5 ? 12 : 0)), true],
    ['tail', [...Array.from({ length: 40 }, (_, i) => 1000 + i), 5, 3, 1000, 2], false],
  ] as const) {
    const file = join(dir, `${name}.csv`);
    await writeFile(file, requestLog([...times], { crlf }));
    const s = stats();
    const two = await read(file, { sortStats: s });
    const whole = await read(file, { stdin: file });
    assert.deepEqual(two.events, whole.events, name);
    let newest = -Infinity;
    const late = times.filter((t) => (t < newest ? true : ((newest = t), false))).length;
    assert.ok(late > 0, name);
    assert.equal(s.items, late, `${name}: only the late rows went through the sort`);
  }
});

test('exports and gzipped files read in two passes equal the whole-file sort', async () => {
  for (const f of ['session-export.csv', 'request-log.csv', 'access-log.csv']) {
    const file = join(FIX, f);
    const gz = join(dir, `${f}.gz`);
    const { readFile } = await import('node:fs/promises');
    await writeFile(gz, gzipSync(await readFile(file)));
    const whole = await read(file, { stdin: file });
    assert.deepEqual((await read(file)).events, whole.events, f);
    assert.deepEqual(
      (await read(gz)).events.map((e) => ({ ...e, source: { file, line: e.source.line } })),
      whole.events,
      `${f}.gz`,
    );
  }
});

test('bad rows are reported in file order whether late or in order; abort stops at the first', async () => {
  const times = Array.from({ length: 30 }, (_, i) => i * 10 - (i % 6 === 3 ? 25 : 0));
  let text = requestLog(times);
  // Break a late row (line 5: i = 3) and a row in order (line 12: i = 10), the late one first in the file.
  const lines = text.split('\n');
  lines[4] = (lines[4] as string).replace('PUT', 'DELETE');
  lines[11] = (lines[11] as string).replace(/^[^,]+/, 'not-a-time');
  text = lines.join('\n');
  const file = join(dir, 'bad.csv');
  await writeFile(file, text);
  const skipped = await read(file);
  assert.deepEqual(
    skipped.issues.map((i) => [i.line, i.reason]),
    [
      [5, 'bad-value'],
      [12, 'bad-date'],
    ],
  );
  assert.deepEqual(skipped.events, (await read(file, { stdin: file })).events);
  await assert.rejects(
    read(file, { onError: 'abort' }),
    (err: unknown) => (err as { issue?: RowIssue }).issue?.line === 5,
  );
});

test('a file mostly out of order is sorted whole', async () => {
  // Session after session, as `cartload generate` writes: three of four rows are late.
  const times: number[] = [];
  for (let s = 0; s < 1000; s++) for (const off of [0, 2000, 5000, 9000]) times.push(s * 5 + off);
  const file = join(dir, 'sessions.csv');
  await writeFile(file, requestLog(times));
  const s = stats();
  // Spilling is proven on the small files above; runs of 7 rows here would only cost time.
  const two = await read(file, { sortStats: s, sortChunkItems: 1000 });
  assert.equal(s.items, times.length, 'every row sorted');
  assert.deepEqual(
    two.events.map((e) => e.time),
    [...times].sort((a, b) => a - b).map((t) => Date.UTC(2026, 0, 1) + t),
  );
});
