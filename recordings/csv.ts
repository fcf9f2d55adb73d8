// A recording's CSV records, streamed: a file, a gzipped file (by its `.gz` name) or standard
// input ('-', gunzipped when it starts like gzip), split by csv-parse's streaming parser. Records
// come in batches (what the parser made of one chunk read), so the per-record work downstream
// stays synchronous; each record carries the line it starts on.
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CsvError, parse, type InfoRecord, type Options } from 'csv-parse';
import { RecordingError } from './events.ts';

export interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on. */
  line: number;
}

export interface CsvSource {
  file: string;
  stdin?: NodeJS.ReadableStream;
}

const READ_CHUNK_BYTES = 256 * 1024;

function unreadable(file: string, line: number, err: unknown): RecordingError {
  const e = err as NodeJS.ErrnoException;
  const detail =
    e.code === 'ENOENT'
      ? 'no such file'
      : e.code === 'EISDIR'
        ? 'is a folder'
        : e.code === 'EACCES'
          ? 'permission denied'
          : e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR'
            ? `not valid gzip (${e.message})`
            : e.message;
  return new RecordingError({ file, line, reason: 'unreadable', message: `${file}: cannot read: ${detail}` });
}

const toBuffer = (chunk: Buffer | string): Buffer => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk);

/**
 * Standard input, gunzipped when it starts with gzip's magic bytes: a pipe has no file name to
 * tell, and `cat export.csv.gz | cartload replay -` should just work.
 */
async function* stdinBytes(input: Readable): AsyncGenerator<Buffer> {
  const chunks = input[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await chunks.next();
  if (first.done) return;
  const head = toBuffer(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield toBuffer(next.value);
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) {
    yield* all();
    return;
  }
  const gunzipped = pipeline(Readable.from(all()), createGunzip({ chunkSize: READ_CHUNK_BYTES }), () => {
    // A failure reaches the reader as the stream's error.
  });
  yield* gunzipped as AsyncIterable<Buffer>;
}

/** The bytes of a recording: the file, its gunzipped content (by the `.gz` name), or standard input. */
export function recordingBytes(source: CsvSource): Readable {
  const { file } = source;
  // Destroying the stream made from stdinBytes ends that generator; standard input itself stays open.
  if (file === '-')
    return Readable.from(stdinBytes((source.stdin ?? process.stdin) as Readable), { objectMode: false });
  const input = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  return file.endsWith('.gz')
    ? pipeline(input, createGunzip({ chunkSize: READ_CHUNK_BYTES }), () => {
        // A failure reaches the reader as the stream's error.
      })
    : input;
}

/**
 * Line numbers, counted as line feeds. csv-parse's `info.lines` counts every CR and every LF it
 * steps on, except the LF of an unquoted CRLF record delimiter, which it skips over: a CRLF inside
 * a quoted cell counts twice, and a bare CR in a cell counts once. So a record ends on line
 * `info.lines` less every CR seen in the cells so far, and the next one starts after it and after
 * the blank lines skipped meanwhile (`info.empty_lines`).
 */
class LineCounter {
  private crs = 0;
  private end = 0;
  private empty = 0;

  /** The line the record starts on; call once per record, in order. */
  record(fields: readonly string[], info: InfoRecord): number {
    const start = this.startAfter(info.empty_lines);
    for (const f of fields) for (let i = f.indexOf('\r'); i !== -1; i = f.indexOf('\r', i + 1)) this.crs++;
    this.end = info.lines - this.crs;
    this.empty = info.empty_lines;
    return start;
  }

  /** The line a record starts on, given the count of blank lines skipped before it. */
  startAfter(emptyLines: number): number {
    return this.end + 1 + (emptyLines - this.empty);
  }
}

/**
 * Yields every record the stream has buffered as one array, then waits for more: the parser turns
 * a whole chunk into records at once, and awaiting each record on its own would cost a promise per row.
 */
async function* readBatches<T>(stream: Readable): AsyncGenerator<T[]> {
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: { err: unknown } | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('readable', poke);
  stream.on('end', () => {
    ended = true;
    poke();
  });
  stream.on('error', (err) => {
    failure = { err };
    poke();
  });
  for (;;) {
    if (failure) throw failure.err;
    const batch: T[] = [];
    for (let item = stream.read() as T | null; item !== null; item = stream.read() as T | null) batch.push(item);
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (ended) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
}

/** How a recording's records are told apart (every reader and the order scan agree on it). */
export const CSV_RECORD_OPTIONS = {
  // A short or long row is the reader's to report, naming the missing column.
  relax_column_count: true,
  skip_empty_lines: true,
  // Mixed line ends are common in hand-edited files: any unquoted LF ends a record.
  record_delimiter: ['\r\n', '\n'],
} as const satisfies Options;

/** The records of a CSV recording, header first, in batches (one per chunk read). */
export async function* csvRecordBatches(source: CsvSource): AsyncGenerator<CsvRecord[]> {
  const { file } = source;
  const lines = new LineCounter();
  let lastLine = 1;
  const options: Options<CsvRecord, string[]> = {
    bom: true,
    ...CSV_RECORD_OPTIONS,
    record_delimiter: [...CSV_RECORD_OPTIONS.record_delimiter],
    on_record: (fields: string[], info: InfoRecord): CsvRecord => {
      lastLine = lines.record(fields, info);
      return { fields, line: lastLine };
    },
  };
  // The typings of parse() take a record-changing on_record only together with `columns`.
  const parser = parse(options as unknown as Options);
  // pipeline destroys every stage when one fails or the reader stops early (parser.destroy()).
  pipeline(recordingBytes(source), parser, () => {
    // A failure reaches the reader as the parser's error.
  });
  try {
    yield* readBatches<CsvRecord>(parser);
  } catch (err) {
    if (err instanceof CsvError) {
      const line = lines.startAfter(typeof err['empty_lines'] === 'number' ? err['empty_lines'] : 0);
      throw new RecordingError({
        file,
        line,
        reason: 'bad-csv',
        message: `${file}:${line}: CSV syntax error, cannot read on: ${err.message}`,
      });
    }
    if (err instanceof RecordingError) throw err;
    throw unreadable(file, lastLine, err);
  } finally {
    parser.destroy();
  }
}
