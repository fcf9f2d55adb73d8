// A recording's CSV records, streamed: a file, a gzipped file (by its `.gz` name) or standard
// input ('-', gunzipped when it starts like gzip), split by the strict tokenizer in csv-tokenizer.ts. Records come in batches, one per
// chunk read, so the per-record cost stays synchronous; each record carries the line it starts on.
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { RecordingError } from '../events.ts';
import { CsvSyntaxError, CsvTokenizer } from './csv-tokenizer.ts';

export interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on. */
  line: number;
}

export interface CsvSource {
  file: string;
  stdin?: NodeJS.ReadableStream;
  /** Given the header, the columns worth decoding (see CsvTokenizer.keep); must not throw. */
  columnsToKeep?: (header: readonly string[]) => readonly boolean[] | undefined;
}

const READ_CHUNK_BYTES = 256 * 1024;

function unreadable(file: string, line: number, err: unknown): RecordingError {
  const e = err as NodeJS.ErrnoException;
  const detail =
    e.code === 'ENOENT' ? 'no such file'
    : e.code === 'EISDIR' ? 'is a folder'
    : e.code === 'EACCES' ? 'permission denied'
    : e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR' ? `not valid gzip (${e.message})`
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
  const gunzipped = pipeline(Readable.from(all()), createGunzip({ chunkSize: READ_CHUNK_BYTES }), () => {});
  yield* gunzipped as AsyncIterable<Buffer>;
}

interface Bytes {
  chunks: AsyncIterable<Buffer | string>;
  /** Stops reading: a file stream is destroyed; standard input is left open. */
  close: () => Promise<unknown> | void;
}

/** The bytes of a recording: the file, its gunzipped content (by the `.gz` name), or standard input. */
function openBytes(source: CsvSource): Bytes {
  const { file } = source;
  if (file === '-') {
    const chunks = stdinBytes((source.stdin ?? process.stdin) as Readable);
    return { chunks, close: () => chunks.return(undefined) };
  }
  const input = createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  // pipeline destroys both ends when one fails or the reader stops early.
  const stream = file.endsWith('.gz') ? pipeline(input, createGunzip({ chunkSize: READ_CHUNK_BYTES }), () => {}) : input;
  return { chunks: stream, close: () => void stream.destroy() };
}

/** The records of a CSV recording, header first, in batches (one per chunk read). */
export async function* csvRecordBatches(source: CsvSource): AsyncGenerator<CsvRecord[]> {
  const { file } = source;
  const bytes = openBytes(source);
  const tokenizer = new CsvTokenizer();
  let batch: CsvRecord[] = [];
  let lastLine = 1;
  let header = true;
  const onRecord = (fields: string[], line: number): void => {
    if (header) {
      header = false;
      tokenizer.keep = source.columnsToKeep?.(fields);
    }
    batch.push({ fields, line });
    lastLine = line;
  };
  try {
    for await (const chunk of bytes.chunks) {
      tokenizer.push(toBuffer(chunk), onRecord);
      if (batch.length > 0) {
        const out = batch;
        batch = [];
        yield out;
      }
    }
    tokenizer.end(onRecord);
    if (batch.length > 0) yield batch;
  } catch (err) {
    if (err instanceof CsvSyntaxError) {
      throw new RecordingError({ file, line: err.line, reason: 'bad-csv', message: `${file}:${err.line}: CSV syntax error, cannot read on: ${err.message}` });
    }
    if (err instanceof RecordingError) throw err;
    throw unreadable(file, lastLine, err);
  } finally {
    await bytes.close();
  }
}
