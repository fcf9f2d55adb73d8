import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  detectFormat,
  readRecording,
  RecordingError,
  type ReadRecordingOptions,
  type ReplayEvent,
  type RowIssue,
} from '../recordings/index.ts';

const FIX = 'test/fixtures/replay';

async function collect(options: ReadRecordingOptions): Promise<ReplayEvent[]> {
  const out: ReplayEvent[] = [];
  for await (const e of readRecording(options)) out.push(e);
  return out;
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cartload-input-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const rejectsWith = (reason: string, pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof RecordingError, String(err));
  assert.equal(err.issue.reason, reason);
  assert.match(err.message, pattern);
  return true;
};

test('detectFormat tells an export from a request log by its header, whatever the spelling', () => {
  assert.equal(detectFormat(['id', 'integrationid', 'created', 'state', 'cartitems']), 'export');
  assert.equal(
    detectFormat(['ID', 'IntegrationId', 'Created', 'State', 'Cart Items', 'store_integration_id']),
    'export',
  );
  assert.equal(detectFormat(['timestamp', 'session_id', 'method', 'path', 'body']), 'request-log');
  assert.equal(
    detectFormat(['uuid', 'status', 'method', 'requestUri', 'time', 'requestPayload', 'responsePayload']),
    'request-log',
  );
  assert.equal(detectFormat(['a', 'b', 'c']), undefined);
  assert.equal(detectFormat(['timestamp', 'method']), undefined, 'no path: not a request log');
});

test('a .gz recording is decompressed and reads like the plain file', async (t) => {
  const dir = await tempDir(t);
  const gz = join(dir, 'export.csv.gz');
  await writeFile(gz, gzipSync(await readFile(`${FIX}/session-export.csv`)));
  const plain = await collect({ file: `${FIX}/session-export.csv`, onError: 'abort' });
  const zipped = await collect({ file: gz, onError: 'abort' });
  assert.equal(zipped.length, plain.length);
  assert.deepEqual(
    zipped.map((e) => ({ ...e, source: e.source.line })),
    plain.map((e) => ({ ...e, source: e.source.line })),
  );
  assert.equal(zipped[0]?.source.file, gz);
});

test("'-' reads standard input (a stream the caller passes)", async () => {
  const stdin = createReadStream(`${FIX}/request-log.csv`);
  const events = await collect({ file: '-', stdin, onError: 'abort' });
  assert.equal(events.length, 8);
  assert.equal(events[0]?.source.file, '-');
  assert.equal(events[0]?.source.line, 4);
});

test('--format overrides detection, and a header that lacks a required column is refused at line 1', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'odd.csv');
  await writeFile(file, 'when,method,path\n2026-03-14T09:00:00Z,GET,/v2/customer_sessions/x\n');
  await assert.rejects(
    collect({ file, onError: 'skip' }),
    rejectsWith('unknown-format', /odd\.csv:1: the header is neither/),
  );
  await assert.rejects(
    collect({ file, format: 'request-log', onError: 'skip' }),
    rejectsWith('missing-column', /odd\.csv:1: column "timestamp": the request log has no "timestamp" column/),
  );
  await assert.rejects(
    collect({ file, format: 'export', onError: 'skip' }),
    rejectsWith('missing-column', /no "integrationid" column/),
  );
});

test('an empty file, a missing file and broken gzip are clear errors naming the file', async (t) => {
  const dir = await tempDir(t);
  const empty = join(dir, 'empty.csv');
  await writeFile(empty, '');
  await assert.rejects(
    collect({ file: empty, onError: 'skip' }),
    rejectsWith('empty', /empty\.csv: the file is empty/),
  );
  await assert.rejects(
    collect({ file: join(dir, 'nope.csv'), onError: 'skip' }),
    rejectsWith('unreadable', /nope\.csv: cannot read: no such file/),
  );
  const notGzip = join(dir, 'fake.csv.gz');
  await writeFile(notGzip, 'timestamp,method,path\n');
  await assert.rejects(
    collect({ file: notGzip, onError: 'skip' }),
    rejectsWith('unreadable', /fake\.csv\.gz: cannot read: not valid gzip/),
  );
});

test('broken CSV quoting stops the read in both modes, at the record where it starts', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'quotes.csv');
  const rows = [
    'timestamp,session_id,method,path,query,body',
    '2026-03-14T09:00:00Z,s1,PUT,/v2/customer_sessions/s1,,"{""customerSession"":{}}"',
    '2026-03-14T09:00:01Z,s2,PUT,/v2/customer_sessions/s2,,"{""customerSession"":{}}"x',
    '2026-03-14T09:00:02Z,s3,PUT,/v2/customer_sessions/s3,,"{""customerSession"":{}}"',
  ];
  await writeFile(file, rows.join('\n') + '\n');
  for (const onError of ['skip', 'abort'] as const) {
    const issues: RowIssue[] = [];
    await assert.rejects(
      collect({ file, onError, onIssue: (i) => issues.push(i) }),
      rejectsWith('bad-csv', /quotes\.csv:3: CSV syntax error/),
    );
    assert.equal(issues.length, 0);
  }
});

test('line numbers count quoted newlines, CRLF line ends and blank lines', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'lines.csv');
  const body = '"{\r\n ""customerSession"": {}\r\n}"';
  const text = [
    '\ufefftimestamp,session_id,method,path,body',
    `2026-03-14T09:00:00Z,s1,PUT,/v2/customer_sessions/s1,${body}`,
    '',
    `2026-03-14T09:00:01Z,s2,PUT,/v2/customer_sessions/s2,${body}`,
    '2026-03-14T09:00:02Z,s3,PUT,/v2/customer_sessions/s3,{bad',
  ].join('\r\n');
  await writeFile(file, text);
  const issues: RowIssue[] = [];
  const events = await collect({ file, onError: 'skip', onIssue: (i) => issues.push(i) });
  assert.deepEqual(
    events.map((e) => e.source.line),
    [2, 6],
  );
  assert.deepEqual(
    issues.map((i) => [i.line, i.reason]),
    [[9, 'bad-json']],
  );
  assert.equal(events[0]?.step.step, 'open', 'the BOM does not hide the first column');
});

test('line numbers stay right with bare CRs in cells, mixed line ends, and however the bytes arrive', async (t) => {
  const dir = await tempDir(t);
  const put = (id: string, body: string, note = ''): string =>
    `2026-03-14T09:00:0${id.slice(1)}Z,${id},PUT,/v2/customer_sessions/${id},${body},${note}`;
  const text =
    'timestamp,session_id,method,path,body,note\r\n' + // line 1
    put('s1', '"{""customerSession"": {}}"', '"a\rb"') +
    '\n' + // 2: a bare CR is data, not a line
    put('s2', '"{\r\n""customerSession"": {}}"') +
    '\r\n' + // 3-4: a quoted CRLF is one line break
    put('s3', '"{\n""customerSession"": {}}"') +
    '\n' + // 5-6
    '\r\n' + // 7: blank
    put('s4', '{bad') +
    '\n'; // 8
  const broken = put('s5', '"{""customerSession"": {}}"x') + '\n'; // 9: broken quoting stops the read
  const sources = async (
    name: string,
    content: string,
  ): Promise<Array<Pick<ReadRecordingOptions, 'file' | 'stdin'>>> => {
    const file = join(dir, name);
    const bytes = Buffer.from(content);
    await writeFile(file, bytes);
    const pieces = Array.from({ length: Math.ceil(bytes.length / 5) }, (_, i) => bytes.subarray(i * 5, i * 5 + 5));
    return [{ file }, { file: '-', stdin: Readable.from(pieces) }];
  };
  for (const source of await sources('mixed.csv', text)) {
    const issues: RowIssue[] = [];
    const events = await collect({ ...source, onError: 'skip', onIssue: (i) => issues.push(i) });
    assert.deepEqual(
      events.map((e) => e.source.line),
      [2, 3, 5],
    );
    assert.deepEqual(
      issues.map((i) => [i.line, i.reason]),
      [[8, 'bad-json']],
    );
  }
  for (const source of await sources('broken.csv', text + broken)) {
    await assert.rejects(collect({ ...source, onError: 'skip' }), rejectsWith('bad-csv', /:9: CSV syntax error/));
  }
});

test('a recording with only a header yields nothing', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'header.csv');
  await writeFile(file, 'timestamp,method,path\n');
  assert.deepEqual(await collect({ file, onError: 'abort' }), []);
  const stdin = Readable.from(['integrationid,created,state,cartitems\r\n']);
  assert.deepEqual(await collect({ file: '-', stdin, onError: 'abort' }), []);
});

test('gzipped standard input is recognised by its magic bytes', async () => {
  const text = await readFile(`${FIX}/access-log.csv`);
  const zipped = gzipSync(text);
  // Chunks of 7 bytes: the magic bytes arrive in the first, the rest trickles in.
  const pieces = Array.from({ length: Math.ceil(zipped.length / 7) }, (_, i) => zipped.subarray(i * 7, i * 7 + 7));
  const fromGzip = await collect({ file: '-', stdin: Readable.from(pieces), onError: 'abort' });
  const plain = await collect({ file: '-', stdin: Readable.from([text]), onError: 'abort' });
  assert.equal(fromGzip.length, 10);
  assert.deepEqual(fromGzip, plain);
});
