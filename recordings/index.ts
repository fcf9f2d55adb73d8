// Reads a recorded-traffic CSV (a Talon.One session export or a request log) into ReplayEvents in
// nondecreasing time, whatever order the rows come in, in bounded memory. A file is scanned first
// for rows out of order; the rows in order stream from the file and only the late ones go through
// the external merge sort (sort/). Standard input and files mostly out of order are sorted whole;
// with sortWindowMs a bounded reorder window lets events out while the file is still being read.
// Bad rows stop the read ('abort') or are reported and left out ('skip'); nothing is dropped silently.
import {
  RecordingError,
  type ReadRecordingOptions,
  type RecordingFormat,
  type ReplayEvent,
  type RowIssue,
  type SourcePosition,
} from './events.ts';
import { isRequestLogHeader, parseRequestLogRecord, requestLogLayout } from './request-log.ts';
import { ExternalSorter, type SortStats } from './sort/external-sort.ts';
import type { LineCodec } from './sort/runs.ts';
import { parse as parseCsv } from 'csv-parse/sync';
import { CSV_RECORD_OPTIONS, csvRecordBatches, recordingBytes, type CsvRecord } from './csv.ts';
import { exportLayout, isExportHeader, parseExportRecord } from './export.ts';
import { normalizeColumn } from './header.ts';
import { RowRejected, rowIssue } from './issues.ts';
import { ReorderWindow } from './window.ts';
import { scanOrder, type ScanResult } from './sort/order-scan.ts';
import { isZeroTime, parseExportTime, parseIsoTime } from './time.ts';

export { RecordingError } from './events.ts';
export type { ReadRecordingOptions, RecordingFormat, ReplayEvent, RowIssue } from './events.ts';
export type { SortStats } from './sort/external-sort.ts';

export const RECORDING_FORMATS: readonly RecordingFormat[] = ['export', 'request-log'];

/** How the reader sorts; the defaults suit any file size, tests and benchmarks set them. */
export interface ReadRecordingTuning {
  /** Events per in-memory chunk before it is spilled to disk (default 100,000). */
  sortChunkItems?: number;
  /** Bytes of CSV text per chunk before it is spilled (default 8 MiB: about 15 MB of parsed events). */
  sortChunkBytes?: number;
  /** Filled in with what the sort did (runs spilled, bytes written). */
  sortStats?: SortStats;
}

/** The format a header announces, or undefined when it is neither. */
export function detectFormat(headerFields: readonly string[]): RecordingFormat | undefined {
  const names = new Set(headerFields.map(normalizeColumn));
  if (isExportHeader(names)) return 'export';
  if (isRequestLogHeader(names)) return 'request-log';
  return undefined;
}

/** Parses a record into its events (several for an export row), or the issue that rejects it. */
type RowParser = (fields: readonly string[], line: number) => ReplayEvent[] | ReplayEvent | RowIssue;

interface Format {
  parseRow: RowParser;
  /** Renames request-log updates that open a session (no `step` column), in time order. */
  name: (e: ReplayEvent) => ReplayEvent;
  /** The column holding a row's time, and how to read it (the row's earliest event). */
  timeColumn: number;
  time: (cell: string) => number | undefined;
}

function exportRowTime(cell: string): number | undefined {
  const t = cell.trim();
  if (t === '' || t === 'null') return undefined;
  const ms = parseExportTime(t);
  return ms === undefined || isZeroTime(ms) ? undefined : ms;
}

/** The format of a header record, or the RecordingError that says why it is none. */
function formatOf(header: readonly string[], line: number, options: ReadRecordingOptions): Format {
  const { file } = options;
  const at: SourcePosition = { file, line };
  const format = options.format ?? detectFormat(header);
  if (format === undefined) {
    throw new RecordingError({
      file,
      line,
      reason: 'unknown-format',
      message: `${file}:${line}: the header is neither a Talon.One session export (integrationid, created, state, cartitems, ...) nor a request log (timestamp, method, path, ...); got: ${header.join(',')}`,
    });
  }
  try {
    if (format === 'export') {
      const layout = exportLayout(header, at);
      return {
        parseRow: (f, l) => parseExportRecord(f, layout, { file, line: l }),
        name: (e) => e,
        timeColumn: layout.index.created,
        time: exportRowTime,
      };
    }
    const layout = requestLogLayout(header, at);
    return {
      parseRow: (f, l) => parseRequestLogRecord(f, layout, { file, line: l }),
      name: layout.hasStep ? (e) => e : opensNamer(),
      timeColumn: layout.index.timestamp,
      time: parseIsoTime,
    };
  } catch (err) {
    if (err instanceof RowRejected) throw new RecordingError(err.issue);
    throw err;
  }
}

const isIssue = (out: ReplayEvent[] | ReplayEvent | RowIssue): out is RowIssue =>
  !Array.isArray(out) && 'reason' in out;

function newSorter(options: ReadRecordingOptions & ReadRecordingTuning): ExternalSorter<Pending> {
  return new ExternalSorter<Pending>({
    key: (p) => p.time,
    codec: PENDING_LINES,
    ...(options.sortChunkItems !== undefined ? { chunkItems: options.sortChunkItems } : {}),
    ...(options.sortChunkBytes !== undefined ? { chunkBytes: options.sortChunkBytes } : {}),
    ...(options.tmpDir !== undefined ? { tmpDir: options.tmpDir } : {}),
    ...(options.sortStats ? { stats: options.sortStats } : {}),
  });
}

/**
 * The recording's events, time-ordered (ties keep file order). A file is first scanned for rows
 * out of order (sort/order-scan.ts): the rows in order are streamed from the file itself and only
 * the late ones are sorted, so a file in time order is read once and never spilled. Standard
 * input, which cannot be read twice, a file mostly out of order, and one the scan cannot follow
 * are sorted whole. With sortWindowMs the file is read once through a reorder window instead.
 */
export async function* readRecording(options: ReadRecordingOptions & ReadRecordingTuning): AsyncGenerator<ReplayEvent> {
  if (options.sortWindowMs !== undefined || options.file === '-') {
    yield* readOnePass(options);
    return;
  }
  const sorter = newSorter(options);
  try {
    const late = await sortLateRows(options, sorter);
    if (late === undefined) {
      await sorter.dispose();
      // The figures are the whole-file sort's.
      if (options.sortStats)
        Object.assign(options.sortStats, { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 });
      yield* readOnePass(options);
      return;
    }
    yield* readMerged(options, sorter, late);
  } finally {
    await sorter.dispose();
  }
}

/** Late rows' lines, in file order (4 bytes a late row: the rows in order cost nothing). */
class LineList {
  private items = new Uint32Array(1024);
  length = 0;
  push(line: number): void {
    if (this.length === this.items.length) {
      const more = new Uint32Array(this.items.length * 2);
      more.set(this.items);
      this.items = more;
    }
    this.items[this.length++] = line;
  }
  at(i: number): number {
    return i < this.length ? (this.items[i] as number) : Number.POSITIVE_INFINITY;
  }
}

/** A file mostly out of order is sorted whole: reading it twice would cost more than spilling it. */
const MOSTLY_LATE = 0.5;
const MOSTLY_LATE_AFTER_ROWS = 2000;
/** Late rows are parsed in batches of about this much CSV text (one csv-parse call each). */
const LATE_BATCH_BYTES = 1 << 20;
/**
 * Bad late rows are held and reported when the second pass reaches their line, so rows are
 * reported (and 'abort' stops at the first bad row) in file order; past this many, the file is
 * sorted whole instead.
 */
const MAX_HELD_ISSUES = 1000;

interface LateRows {
  /** The late rows' lines, in file order. */
  lines: LineList;
  /** Bad late rows, in file order, not reported yet. */
  held: RowIssue[];
}

/**
 * Pass 1: scans the file for late rows and puts their events in the sorter. Returns the late
 * rows, or undefined when the file should be sorted whole (nothing reported then).
 */
async function sortLateRows(
  options: ReadRecordingOptions & ReadRecordingTuning,
  sorter: ExternalSorter<Pending>,
): Promise<LateRows | undefined> {
  const { file } = options;
  let format: Format | undefined;
  const lines = new LineList();
  let batch: Buffer[] = [];
  let batchLines: number[] = [];
  let batchBytes = 0;
  const held: RowIssue[] = [];
  let tooManyIssues = false;
  const onBad = (issue: RowIssue): void => {
    // With 'abort' only the first matters: the read stops there.
    if (options.onError === 'abort' && held.length > 0) return;
    if (held.length >= MAX_HELD_ISSUES) tooManyIssues = true;
    else held.push(issue);
  };
  const parseBatch = async (): Promise<void> => {
    if (batch.length === 0) return;
    const records = parseCsv(Buffer.concat(batch), CSV_RECORD_OPTIONS) as string[][];
    if (records.length !== batchLines.length)
      throw new Error(
        `${file}: the order scan and the CSV parser disagree on the records before line ${batchLines[batchLines.length - 1]}`,
      );
    for (let i = 0; i < records.length; i++) {
      const fields = records[i] as string[];
      const out = (format as Format).parseRow(fields, batchLines[i] as number);
      if (isIssue(out)) onBad(out);
      else {
        const events = Array.isArray(out) ? out : [out];
        const weight = rowWeight(fields) / events.length;
        for (const e of events) {
          if (sorter.full) await sorter.spill();
          sorter.add(e, weight);
        }
      }
    }
    batch = [];
    batchLines = [];
    batchBytes = 0;
  };
  const bytes = recordingBytes({ file });
  let result: ScanResult;
  try {
    bytes.on('error', () => {
      // A file that cannot be read is left to the one-pass read, which names the problem.
    });
    result = await scanOrder(
      bytes as AsyncIterable<Buffer>,
      {
        header(rec) {
          const fields = (parseCsv(rec.bytes, CSV_RECORD_OPTIONS) as string[][])[0] ?? [];
          try {
            format = formatOf(fields, rec.line, options);
          } catch {
            return -1; // the one-pass read reports it
          }
          return format.timeColumn;
        },
        time: (cell) => (format as Format).time(cell),
        late(rec) {
          lines.push(rec.line);
          // CR LF ends each record: a record ending in a CR (in its last, unquoted field) keeps it.
          batch.push(Buffer.concat([rec.bytes, CRLF]));
          batchLines.push(rec.line);
          batchBytes += rec.bytes.length + 2;
        },
        progress: (rows, late) => !tooManyIssues && !(rows >= MOSTLY_LATE_AFTER_ROWS && late > rows * MOSTLY_LATE),
      },
      {
        progressEvery: 1024,
        afterChunk: async () => {
          if (batchBytes >= LATE_BATCH_BYTES) await parseBatch();
        },
      },
    );
    if (result.ok) await parseBatch();
  } catch (err) {
    if (err instanceof RecordingError || (err as { code?: unknown } | null)?.code === undefined) throw err;
    return undefined;
  } finally {
    bytes.destroy();
  }
  if (!result.ok || tooManyIssues) return undefined;
  return { lines, held };
}

/** Pass 2: the rows in order, streamed from the file, merged with the sorted late rows. */
async function* readMerged(
  options: ReadRecordingOptions,
  sorter: ExternalSorter<Pending>,
  lateRows: LateRows,
): AsyncGenerator<ReplayEvent> {
  const { lines: lateLines, held } = lateRows;
  const { file } = options;
  const batches = csvRecordBatches({ file });
  // A window of 0 ms lets each event out as soon as no row after it can be earlier: at once for a
  // request log's row; an export row's close waits there until the file reaches its time.
  const window = new ReorderWindow(0);
  const late = sorter.drain()[Symbol.asyncIterator]();
  let next = await late.next();
  const onBad = (issue: RowIssue): void => {
    if (options.onError === 'abort') throw new RecordingError(issue);
    options.onIssue?.(issue);
  };
  let h = 0;
  /** Reports the held bad late rows before `line`. */
  const reportHeld = (line: number): void => {
    while (h < held.length && (held[h] as RowIssue).line < line) onBad(held[h++] as RowIssue);
  };
  let format: Format | undefined;
  let p = 0;
  try {
    for await (const batch of batches) {
      let i = 0;
      if (format === undefined) {
        const header = batch[0] as CsvRecord;
        format = formatOf(header.fields, header.line, options);
        i = 1;
      }
      for (; i < batch.length; i++) {
        const record = batch[i] as CsvRecord;
        if (h < held.length) reportHeld(record.line + 1);
        const lateLine = lateLines.at(p);
        if (record.line === lateLine) {
          p++;
          continue;
        }
        if (record.line > lateLine)
          throw new Error(`${file}:${lateLine}: the order scan and the CSV parser disagree on where records start`);
        const out = format.parseRow(record.fields, record.line);
        if (isIssue(out)) {
          onBad(out);
          continue;
        }
        const lateBy = window.add(Array.isArray(out) ? out : [out]);
        if (lateBy !== undefined) {
          onBad(
            rowIssue(
              { file, line: record.line },
              'out-of-order',
              undefined,
              `the row is ${Math.round(lateBy)} ms out of order, which the order check missed`,
            ),
          );
        }
      }
      for (const e of window.ready()) {
        while (!next.done && before(next.value, e)) {
          yield format.name(next.value);
          next = await late.next();
        }
        yield format.name(e);
      }
    }
    if (format === undefined) throw RecordingError.empty(file);
    if (p !== lateLines.length)
      throw new Error(`${file}:${lateLines.at(p)}: the order scan and the CSV parser disagree on where records start`);
    reportHeld(Number.POSITIVE_INFINITY);
    for (const e of window.rest()) {
      while (!next.done && before(next.value, e)) {
        yield format.name(next.value);
        next = await late.next();
      }
      yield format.name(e);
    }
    while (!next.done) {
      yield format.name(next.value);
      next = await late.next();
    }
  } finally {
    await late.return?.(undefined);
    await batches.return(undefined);
  }
}

/** Time order, ties in file order. */
const before = (a: ReplayEvent, b: ReplayEvent): boolean =>
  a.time < b.time || (a.time === b.time && a.source.line < b.source.line);

const CRLF = Buffer.from('\r\n');

/** One pass: the whole file through the external sort, or through a reorder window (sortWindowMs). */
async function* readOnePass(options: ReadRecordingOptions & ReadRecordingTuning): AsyncGenerator<ReplayEvent> {
  const { file } = options;
  const window = options.sortWindowMs !== undefined ? new ReorderWindow(options.sortWindowMs) : undefined;
  const batches = csvRecordBatches({ file, ...(options.stdin ? { stdin: options.stdin } : {}) });
  const sorter = newSorter(options);
  const onBad = (issue: RowIssue): void => {
    if (options.onError === 'abort') throw new RecordingError(issue);
    options.onIssue?.(issue);
  };
  /** Into the window; a row too late for it is a bad row. */
  const toWindow = (w: ReorderWindow, events: readonly ReplayEvent[], line: number): void => {
    const late = w.add(events);
    if (late === undefined) return;
    onBad(
      rowIssue(
        { file, line },
        'out-of-order',
        undefined,
        `out of order: the row's time is ${Math.round(late)} ms before the newest row read before it, more than the sort window of ${w.windowMs} ms allows (widen the window, or leave it out to sort the whole file)`,
      ),
    );
  };
  try {
    let format: Format | undefined;
    for await (const batch of batches) {
      let i = 0;
      if (format === undefined) {
        const header = batch[0] as CsvRecord;
        format = formatOf(header.fields, header.line, options);
        i = 1;
      }
      for (; i < batch.length; i++) {
        const record = batch[i] as CsvRecord;
        const out = format.parseRow(record.fields, record.line);
        if (isIssue(out)) {
          onBad(out);
        } else if (window) {
          toWindow(window, Array.isArray(out) ? out : [out], record.line);
        } else if (Array.isArray(out)) {
          const weight = rowWeight(record.fields) / out.length;
          for (const e of out) {
            if (sorter.full) await sorter.spill();
            sorter.add(e, weight);
          }
        } else {
          if (sorter.full) await sorter.spill();
          sorter.add(out, rowWeight(record.fields));
        }
      }
      if (window) for (const e of window.ready()) yield format.name(e);
    }
    if (format === undefined) throw RecordingError.empty(file);
    if (window) {
      for (const e of window.rest()) yield format.name(e);
    } else {
      for await (const e of sorter.drain()) yield format.name(e);
    }
  } finally {
    await sorter.dispose();
    await batches.return(undefined);
  }
}

/**
 * Events wait in the sort as they are: the body as the JSON text the row had, which a spill writes
 * as it is (after a tab) and the merge reads back as it is, never parsed again.
 */
type Pending = ReplayEvent;

/** `<event JSON without its body>` TAB `<body text>`: JSON escapes tabs in strings, so the first raw tab splits. */
const PENDING_LINES: LineCodec<Pending> = {
  encode(e) {
    const body = e.bodyText;
    // A body with a line break (pretty-printed JSON) goes inside the event JSON, escaped: a run line must not contain one.
    if (body === undefined || body.includes('\n')) return JSON.stringify(e);
    e.bodyText = undefined;
    const head = JSON.stringify(e);
    e.bodyText = body;
    return `${head}\t${body}`;
  },
  decode(line) {
    const tab = line.indexOf('\t');
    if (tab === -1) return JSON.parse(line) as ReplayEvent;
    const e = JSON.parse(line.slice(0, tab)) as ReplayEvent;
    e.bodyText = line.slice(tab + 1);
    return e;
  },
};

/**
 * Without a `step` column, a session's first update that leaves it open is its `open`. Remembers
 * each session ID seen (about 100 bytes each): memory grows with sessions, not rows.
 */
function opensNamer(): (e: ReplayEvent) => ReplayEvent {
  const opened = new Set<string>();
  return (e) => {
    if (e.step.method !== 'PUT' || e.step.step === 'reopen' || e.step.step === 'dry') return e;
    if (opened.has(e.sessionId)) return e;
    opened.add(e.sessionId);
    if (e.step.step === 'update') e.step.step = 'open';
    return e;
  };
}

function rowWeight(fields: readonly string[]): number {
  let n = 64;
  for (const f of fields) n += f.length + 16;
  return n;
}
