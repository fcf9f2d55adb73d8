// Streams a recording (a Talon.One session export or a request log; a file, a .gz or standard
// input) into the distributions, in constant memory: rows are parsed as they arrive and never
// sorted. An export row is a whole session and is folded at once. A request log's rows are grouped
// by session in a table of open sessions; a session is folded once it has been idle (no request in
// `sessionIdleMs` of recorded time, by the newest timestamp read so far), and the table is capped,
// so neither the file's length nor its order makes memory grow without bound.
import { csvRecordBatches, type CsvRecord } from '../recordings/csv.ts';
import {
  RecordingError,
  type RecordingFormat,
  type ReplayEvent,
  type RowIssue,
  type SourcePosition,
} from '../recordings/events.ts';
import { exportLayout, parseExportRecord } from '../recordings/export.ts';
import { normalizeColumn } from '../recordings/header.ts';
import { detectFormat } from '../recordings/index.ts';
import { RowRejected } from '../recordings/issues.ts';
import { parseRequestLogRecord, requestLogLayout } from '../recordings/request-log.ts';
import { CategoryNames, SessionDigest, key53, type CodeJudge } from './digest.ts';
import { Folded } from './fold.ts';

export interface FoldOptions {
  /** A path ('.gz' is decompressed), or '-' for standard input. */
  file: string;
  stdin?: NodeJS.ReadableStream;
  /** Detected from the header when absent. */
  format?: RecordingFormat;
  onError: 'skip' | 'abort';
  onIssue?: (issue: RowIssue) => void;
  judge: CodeJudge;
  /** A request log's session ends after this much recorded time without a request. */
  sessionIdleMs: number;
  /** At most this many sessions open at once; beyond it the longest-open are folded early. */
  maxOpenSessions: number;
  bucketMinutes: number;
  signal?: AbortSignal;
}

export interface FoldStats {
  format: RecordingFormat;
  /** Data rows read (the header excluded), and requests they made. */
  rows: number;
  requests: number;
  skippedRows: number;
  /** Request logs: the most sessions open at once, and how many were folded early because of the cap. */
  openPeak: number;
  forced: number;
  /** The request log had a column of answers (rejections are read from it). */
  answers: boolean;
  interrupted: boolean;
}

export interface FoldResult {
  folded: Folded;
  categories: CategoryNames;
  stats: FoldStats;
}

/** Column names (normalised) that hold a request's recorded answer: Talon.One's access logs call it responsePayload. */
const ANSWER_COLUMNS = ['response', 'responsepayload', 'responsebody', 'answer'];

/** Rows between sweeps of the open-session table for idle sessions. */
const SWEEP_EVERY = 1024;

export async function foldRecording(o: FoldOptions): Promise<FoldResult> {
  const { file } = o;
  const folded = new Folded(o.bucketMinutes);
  const categories = new CategoryNames();
  const stats: FoldStats = {
    format: o.format ?? 'export',
    rows: 0,
    requests: 0,
    skippedRows: 0,
    openPeak: 0,
    forced: 0,
    answers: false,
    interrupted: false,
  };
  const open = new Map<number, SessionDigest>();
  let seq = 0;
  let clock = -Infinity;
  let sinceSweep = 0;

  const bad = (issue: RowIssue): void => {
    if (o.onError === 'abort') throw new RecordingError(issue);
    stats.skippedRows++;
    o.onIssue?.(issue);
  };
  const foldIdle = (): void => {
    const horizon = clock - o.sessionIdleMs;
    for (const [k, d] of open) {
      if (d.last >= horizon) continue;
      folded.fold(d);
      open.delete(k);
    }
  };
  const foldOldest = (): void => {
    const keep = Math.floor(o.maxOpenSessions * 0.9);
    for (const [k, d] of open) {
      if (open.size <= keep) break;
      folded.fold(d);
      open.delete(k);
      stats.forced++;
    }
  };

  let onRow: ((record: CsvRecord) => void) | undefined;
  const batches = csvRecordBatches({ file, ...(o.stdin ? { stdin: o.stdin } : {}) });
  try {
    for await (const batch of batches) {
      let i = 0;
      if (onRow === undefined) {
        const header = batch[0] as CsvRecord;
        onRow = rowHandler(header);
        i = 1;
      }
      for (; i < batch.length; i++) onRow(batch[i] as CsvRecord);
      if (o.signal?.aborted) {
        stats.interrupted = true;
        break;
      }
    }
    if (onRow === undefined) throw RecordingError.empty(file);
  } finally {
    await batches.return(undefined);
  }
  for (const d of open.values()) folded.fold(d);
  open.clear();
  return { folded, categories, stats };

  function rowHandler(header: CsvRecord): (record: CsvRecord) => void {
    const at: SourcePosition = { file, line: header.line };
    const format = o.format ?? detectFormat(header.fields);
    if (format === undefined) {
      throw new RecordingError({
        file,
        line: at.line,
        reason: 'unknown-format',
        message: `${file}:${at.line}: the header is neither a Talon.One session export (integrationid, created, state, cartitems, ...) nor a request log (timestamp, method, path, ...); got: ${header.fields.join(',')}`,
      });
    }
    stats.format = format;
    try {
      if (format === 'export') {
        const layout = exportLayout(header.fields, at);
        return (r) => {
          stats.rows++;
          const out = parseExportRecord(r.fields, layout, { file, line: r.line });
          if (!Array.isArray(out)) return bad(out);
          const d = new SessionDigest();
          for (const e of out) d.add(e, seq++, categories, o.judge);
          stats.requests += out.length;
          folded.fold(d);
        };
      }
      const layout = requestLogLayout(header.fields, at);
      const answerColumn = header.fields.findIndex((f) => ANSWER_COLUMNS.includes(normalizeColumn(f)));
      stats.answers = answerColumn !== -1;
      return (r) => {
        stats.rows++;
        const e = parseRequestLogRecord(r.fields, layout, { file, line: r.line });
        if ('reason' in e) return bad(e);
        stats.requests++;
        addEvent(e, answerColumn === -1 ? '' : (r.fields[answerColumn] ?? ''));
      };
    } catch (err) {
      if (err instanceof RowRejected) throw new RecordingError(err.issue);
      throw err;
    }
  }

  function addEvent(e: ReplayEvent, answer: string): void {
    const key = key53(e.sessionId);
    let d = open.get(key);
    if (d === undefined) {
      d = new SessionDigest();
      open.set(key, d);
      if (open.size > stats.openPeak) stats.openPeak = open.size;
    }
    d.add(e, seq++, categories, o.judge);
    if (answer !== '') d.answer(answer);
    if (e.time > clock) clock = e.time;
    // A sweep walks the whole table: spaced by its size, so it costs a few steps a row at most.
    if (++sinceSweep >= Math.max(SWEEP_EVERY, open.size >> 2)) {
      sinceSweep = 0;
      foldIdle();
    }
    if (open.size > o.maxOpenSessions) foldOldest();
  }
}
