// Reads a recorded-traffic CSV (a Talon.One session export or a request log) into ReplayEvents in
// nondecreasing time, whatever order the rows come in, in bounded memory: rows are parsed as they
// stream in, and ordered by an external merge sort (replay/sort), or, with sortWindowMs, by a
// bounded reorder window that lets events out while the file is still being read. Bad rows stop the read
// ('abort') or are reported and left out ('skip'); nothing is dropped silently.
import { RecordingError, type ReadRecordingOptions, type RecordingFormat, type ReplayEvent, type RowIssue, type SourcePosition } from './events.ts';
import { isRequestLogHeader, parseRequestLogRecord, requestLogLayout } from './request-log.ts';
import { ExternalSorter, type SortStats } from './sort/external-sort.ts';
import type { LineCodec } from './sort/runs.ts';
import { csvRecordBatches, type CsvRecord } from './csv.ts';
import { exportLayout, isExportHeader, parseExportRecord } from './export.ts';
import { normalizeColumn } from './header.ts';
import { RowRejected, rowIssue } from './issues.ts';
import { ReorderWindow } from './window.ts';

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

/** The recording's events, time-ordered (ties keep file order). */
export async function* readRecording(options: ReadRecordingOptions & ReadRecordingTuning): AsyncGenerator<ReplayEvent> {
  const { file } = options;
  const window = options.sortWindowMs !== undefined ? new ReorderWindow(options.sortWindowMs) : undefined;
  const batches = csvRecordBatches({ file, ...(options.stdin ? { stdin: options.stdin } : {}) });
  const sorter = new ExternalSorter<Pending>({
    key: (p) => p.time,
    codec: PENDING_LINES,
    ...(options.sortChunkItems !== undefined ? { chunkItems: options.sortChunkItems } : {}),
    ...(options.sortChunkBytes !== undefined ? { chunkBytes: options.sortChunkBytes } : {}),
    ...(options.tmpDir !== undefined ? { tmpDir: options.tmpDir } : {}),
    ...(options.sortStats ? { stats: options.sortStats } : {}),
  });
  const onBad = (issue: RowIssue): void => {
    if (options.onError === 'abort') throw new RecordingError(issue);
    options.onIssue?.(issue);
  };
  /** Into the window; a row too late for it is a bad row. */
  const toWindow = (w: ReorderWindow, events: readonly ReplayEvent[], line: number): void => {
    const late = w.add(events);
    if (late === undefined) return;
    onBad(
      rowIssue({ file, line }, 'out-of-order', undefined, `out of order: the row's time is ${Math.round(late)} ms before the newest row read before it, more than the sort window of ${w.windowMs} ms allows (widen the window, or leave it out to sort the whole file)`),
    );
  };
  try {
    let parseRow: ((record: CsvRecord) => ReplayEvent[] | ReplayEvent | RowIssue) | undefined;
    let name: (e: ReplayEvent) => ReplayEvent = (e) => e;
    for await (const batch of batches) {
      let i = 0;
      if (parseRow === undefined) {
        const header = batch[0] as CsvRecord;
        const at: SourcePosition = { file, line: header.line };
        const format = options.format ?? detectFormat(header.fields);
        if (format === undefined) {
          throw new RecordingError({
            file,
            line: at.line,
            reason: 'unknown-format',
            message: `${file}:${at.line}: the header is neither a Talon.One session export (integrationid, created, state, cartitems, ...) nor a request log (timestamp, method, path, ...); got: ${header.fields.join(',')}`,
          });
        }
        try {
          if (format === 'export') {
            const layout = exportLayout(header.fields, at);
            parseRow = (r) => parseExportRecord(r.fields, layout, { file, line: r.line });
          } else {
            const layout = requestLogLayout(header.fields, at);
            if (!layout.hasStep) name = opensNamer();
            parseRow = (r) => parseRequestLogRecord(r.fields, layout, { file, line: r.line });
          }
        } catch (err) {
          if (err instanceof RowRejected) throw new RecordingError(err.issue);
          throw err;
        }
        i = 1;
      }
      for (; i < batch.length; i++) {
        const record = batch[i] as CsvRecord;
        const out = parseRow(record);
        if (!Array.isArray(out) && 'reason' in out) {
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
      if (window) for (const e of window.ready()) yield name(e);
    }
    if (parseRow === undefined) throw new RecordingError({ file, line: 1, reason: 'empty', message: `${file}: the file is empty (no header line)` });
    if (window) {
      for (const e of window.rest()) yield name(e);
    } else {
      for await (const e of sorter.drain()) yield name(e);
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
