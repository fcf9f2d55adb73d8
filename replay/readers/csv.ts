// A recording's CSV records, streamed: a file, a gzipped file (by its `.gz` name) or standard
// input ('-'), parsed by csv-parse with strict quoting. Each record carries the line it starts on,
// counted here because csv-parse's own line count drifts on CRLF files with quoted newlines.
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CsvError, parse } from 'csv-parse';
import { RecordingError } from '../events.ts';

export interface CsvRecord {
  fields: string[];
  /** 1-based line the record starts on. */
  line: number;
}

export interface CsvSource {
  file: string;
  stdin?: NodeJS.ReadableStream;
}

function countNewlines(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) {
    let i = f.indexOf('\n');
    while (i !== -1) {
      n++;
      i = f.indexOf('\n', i + 1);
    }
  }
  return n;
}

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

/** The records of a CSV recording, header first, with the line each starts on. */
export async function* csvRecords(source: CsvSource): AsyncGenerator<CsvRecord> {
  const { file } = source;
  const input = file === '-' ? ((source.stdin ?? process.stdin) as Readable) : createReadStream(file, { highWaterMark: 256 * 1024 });
  const parser = parse({ bom: true, relax_column_count: true, relax_quotes: false, skip_empty_lines: false });
  let failure: unknown;
  const stages = file.endsWith('.gz') ? [input, createGunzip(), parser] : [input, parser];
  // pipeline destroys every stage when the consumer stops early; its callback sees the first error.
  (pipeline as (...s: unknown[]) => void)(...stages, (err: NodeJS.ErrnoException | null) => {
    if (err && err.code !== 'ERR_STREAM_PREMATURE_CLOSE') failure ??= err;
  });
  let line = 1;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      if (fields.length === 1 && fields[0] === '') {
        line++;
        continue;
      }
      yield { fields, line };
      line += countNewlines(fields) + 1;
    }
  } catch (err) {
    if (err instanceof CsvError) {
      // The stream may fail before its buffered records reach us, so csv-parse's line is the better one.
      const at = typeof err.lines === 'number' && err.lines > line ? err.lines : line;
      throw new RecordingError({ file, line: at, reason: 'bad-csv', message: `${file}:${at}: CSV syntax error, cannot read on: ${err.message}` });
    }
    throw unreadable(file, line, failure ?? err);
  } finally {
    if (!parser.destroyed) parser.destroy();
  }
  if (failure) throw unreadable(file, line, failure);
}
