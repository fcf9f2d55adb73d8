// Reads a recorded-traffic CSV (a Talon.One session export or a request log) into ReplayEvents in
// nondecreasing time, whatever order the rows come in, in bounded memory: rows are parsed as they
// stream in, and ordered by an external merge sort (replay/sort). Bad rows stop the read
// ('abort') or are reported and left out ('skip'); nothing is dropped silently.
import { RecordingError, type ReadRecordingOptions, type RecordingFormat, type ReplayEvent, type RowIssue, type SourcePosition } from '../events.ts';
import { isRequestLogHeader, parseRequestLogRecord, requestLogLayout } from '../request-log.ts';
import { externalSort, type SortStats } from '../sort/external-sort.ts';
import { csvRecords } from './csv.ts';
import { exportLayout, isExportHeader, parseExportRecord } from './export.ts';
import { normalizeColumn } from './header.ts';
import { RowRejected } from './issues.ts';

export { RecordingError } from '../events.ts';
export type { ReadRecordingOptions, RecordingFormat, ReplayEvent, RowIssue } from '../events.ts';
export type { SortStats } from '../sort/external-sort.ts';

export const RECORDING_FORMATS: readonly RecordingFormat[] = ['export', 'request-log'];

/** How the reader sorts; the defaults suit any file size, tests and benchmarks set them. */
export interface ReadRecordingTuning {
  /** Events per in-memory chunk before it is spilled to disk (default 100,000). */
  sortChunkItems?: number;
  /** Bytes of CSV text per chunk before it is spilled (default 16 MiB). */
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

function headerError(err: unknown): never {
  if (err instanceof RowRejected) throw new RecordingError(err.issue);
  throw err;
}

/** The recording's events, time-ordered (ties keep file order). */
export async function* readRecording(options: ReadRecordingOptions & ReadRecordingTuning): AsyncGenerator<ReplayEvent> {
  const { file } = options;
  const records = csvRecords({ file, ...(options.stdin ? { stdin: options.stdin } : {}) });
  // Weighs each event by its row's text, for the sort's memory budget; set just before each yield.
  let weight = 0;
  let inferOpen = false;

  async function* rows(): AsyncGenerator<ReplayEvent> {
    const first = await records.next();
    if (first.done) throw new RecordingError({ file, line: 1, reason: 'empty', message: `${file}: the file is empty (no header line)` });
    const header = first.value.fields;
    const at: SourcePosition = { file, line: first.value.line };
    const format = options.format ?? detectFormat(header);
    if (format === undefined) {
      throw new RecordingError({
        file,
        line: at.line,
        reason: 'unknown-format',
        message: `${file}:${at.line}: the header is neither a Talon.One session export (integrationid, created, state, cartitems, ...) nor a request log (timestamp, method, path, ...); got: ${header.join(',')}`,
      });
    }
    const onBad = (issue: RowIssue): void => {
      if (options.onError === 'abort') throw new RecordingError(issue);
      options.onIssue?.(issue);
    };
    if (format === 'export') {
      let layout;
      try {
        layout = exportLayout(header, at);
      } catch (err) {
        headerError(err);
      }
      for await (const { fields, line } of records) {
        const out = parseExportRecord(fields, layout, { file, line });
        if (!Array.isArray(out)) {
          onBad(out);
          continue;
        }
        weight = rowWeight(fields) / out.length;
        for (const e of out) yield e;
      }
    } else {
      let layout;
      try {
        layout = requestLogLayout(header, at);
      } catch (err) {
        headerError(err);
      }
      inferOpen = !layout.hasStep;
      for await (const { fields, line } of records) {
        const out = parseRequestLogRecord(fields, layout, { file, line });
        if ('reason' in out) {
          onBad(out);
          continue;
        }
        weight = rowWeight(fields);
        yield out;
      }
    }
  }

  const sorted = externalSort(rows(), {
    key: (e) => e.time,
    weigh: () => weight,
    ...(options.sortChunkItems !== undefined ? { chunkItems: options.sortChunkItems } : {}),
    ...(options.sortChunkBytes !== undefined ? { chunkBytes: options.sortChunkBytes } : {}),
    ...(options.tmpDir !== undefined ? { tmpDir: options.tmpDir } : {}),
    ...(options.sortStats ? { stats: options.sortStats } : {}),
  });
  try {
    // The first event comes once the whole input is read, and with it the header that sets inferOpen.
    const first = await sorted.next();
    if (first.done) return;
    if (inferOpen) {
      yield* nameOpens(first.value, sorted);
    } else {
      yield first.value;
      yield* sorted;
    }
  } finally {
    await sorted.return(undefined);
  }
}

/**
 * Without a `step` column, a session's first update that leaves it open is its `open`. Remembers
 * each session ID seen (about 100 bytes each): memory grows with sessions, not rows.
 */
async function* nameOpens(first: ReplayEvent, rest: AsyncIterable<ReplayEvent>): AsyncGenerator<ReplayEvent> {
  const opened = new Set<string>();
  const name = (e: ReplayEvent): ReplayEvent => {
    if (e.step.method !== 'PUT' || e.step.step === 'reopen' || e.step.step === 'dry') return e;
    if (opened.has(e.sessionId)) return e;
    opened.add(e.sessionId);
    if (e.step.step === 'update') e.step.step = 'open';
    return e;
  };
  yield name(first);
  for await (const e of rest) yield name(e);
}

function rowWeight(fields: readonly string[]): number {
  let n = 64;
  for (const f of fields) n += f.length + 16;
  return n;
}
