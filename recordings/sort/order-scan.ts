// Finds the rows of a recording that are out of time order, without parsing it: the CSV's record
// structure (quotes, commas, line ends, as csv-parse reads them with the reader's options) and one
// column, the row's time, at about a byte compare per byte. csv-parse spends some 20 ns a byte
// building every field; an ordering check that only needs where records start and one short cell
// would cost as much again as the replay's own read if it used it, so this scan walks the bytes
// itself and leaves every field's meaning to csv-parse and the readers.
//
// A row is late when its time is before the latest time of the rows kept before it; the rows kept
// are then in nondecreasing time, a sorted run the reader streams from the file itself, and only
// the late rows need sorting. The scan reports a file it cannot follow (a quote where csv-parse
// would stop, a UTF-16 file) so the caller sorts the whole file instead.

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

export interface ScannedRecord {
  /** The record's bytes, without its line end; valid only during the callback. */
  bytes: Buffer;
  /** 1-based line the record starts on, counted as line feeds (as the reader counts them). */
  line: number;
}

export interface ScanCallbacks {
  /** The header record; returns the index of the column that holds a row's time, or -1 to stop. */
  header(record: ScannedRecord): number;
  /** A row's time (epoch ms) from its time cell, or undefined when the cell is not a time. */
  time(cell: string): number | undefined;
  /** A late row. */
  late(record: ScannedRecord): void;
  /** Called every `rows` rows; returning false stops the scan (the caller has seen enough). */
  progress?(rows: number, late: number): boolean;
}

export type ScanResult =
  | { ok: true; rows: number; late: number }
  /** The scan stopped: the caller's choice ('stopped') or a structure it does not follow ('unreadable'). */
  | { ok: false; why: 'stopped' | 'unreadable' | 'no-header' };

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote seen inside a quoted field: an escaped quote if another follows, else the field's end. */
  QuoteInQuoted,
}

/** Unescapes a cell's raw bytes: strips enclosing quotes and undoubles inner ones. */
function cellText(buf: Buffer, start: number, end: number): string {
  if (end - start >= 2 && buf[start] === QUOTE) return buf.toString('utf8', start + 1, end - 1).replaceAll('""', '"');
  return buf.toString('utf8', start, end);
}

const UNREADABLE = -1;
const STOP = -2;

/**
 * Scans CSV bytes from `chunks` (any split). Records are told apart as csv-parse does with
 * `record_delimiter: ['\r\n', '\n']`, `skip_empty_lines` and a leading UTF-8 BOM skipped; a quote
 * inside an unquoted field, or anything but a comma or a line end after a closing quote, is where
 * csv-parse stops with an error, and so does this scan ('unreadable').
 */
export async function scanOrder(
  chunks: AsyncIterable<Buffer>,
  cb: ScanCallbacks,
  hooks: { afterChunk?: () => Promise<void>; progressEvery?: number } = {},
): Promise<ScanResult> {
  const progressEvery = hooks.progressEvery ?? 4096;
  let timeColumn = -2;
  let newest = Number.NEGATIVE_INFINITY;
  let rows = 0;
  let late = 0;
  let line = 1;

  /** One whole record: [start, end) without its line end, and where its time cell is. */
  const record = (buf: Buffer, start: number, end: number, recLine: number, tStart: number, tEnd: number): boolean => {
    const rec: ScannedRecord = { bytes: buf.subarray(start, end), line: recLine };
    if (timeColumn === -2) {
      timeColumn = cb.header(rec);
      return timeColumn >= 0;
    }
    rows++;
    const t = tStart === -1 ? undefined : cb.time(cellText(buf, tStart, tEnd));
    // A row without a readable time stays in place: the reader reports it.
    if (t !== undefined) {
      if (t < newest) {
        late++;
        cb.late(rec);
      } else newest = t;
    }
    return !(cb.progress && rows % progressEvery === 0 && !cb.progress(rows, late));
  };

  /**
   * Scans the whole records of buf; returns where the first incomplete one starts (all of buf at
   * the end of input), or UNREADABLE / STOP. A record cut by the chunk's end is scanned again,
   * whole, with the next chunk: at most one record a chunk is read twice.
   */
  const scan = (buf: Buffer, from: number, eof: boolean): number => {
    const n = buf.length;
    let recStart = from;
    let recLine = line;
    let lines = line;
    let state = State.FieldStart;
    let field = 0;
    let fieldStart = from;
    let tStart = -1;
    let tEnd = -1;
    for (let i = from; i < n; i++) {
      const b = buf[i] as number;
      if (state === State.Quoted) {
        if (b === QUOTE) state = State.QuoteInQuoted;
        else if (b === LF) lines++;
        continue;
      }
      let end = i;
      if (state === State.QuoteInQuoted) {
        if (b === QUOTE) {
          state = State.Quoted;
          continue;
        }
        if (b === CR) {
          if (i + 1 >= n) return eof ? UNREADABLE : recStart;
          if (buf[i + 1] !== LF) return UNREADABLE;
          i++;
        } else if (b !== COMMA && b !== LF) return UNREADABLE;
      } else if (b === QUOTE) {
        if (state === State.Unquoted) return UNREADABLE;
        state = State.Quoted;
        continue;
      }
      const lastByte = buf[i] as number;
      if (lastByte === COMMA) {
        if (field === timeColumn) {
          tStart = fieldStart;
          tEnd = i;
        }
        field++;
        fieldStart = i + 1;
        state = State.FieldStart;
      } else if (lastByte === LF) {
        lines++;
        // Outside quotes a CR just before the LF is part of the line end (csv-parse's '\r\n').
        if (state !== State.QuoteInQuoted && end > recStart && buf[end - 1] === CR) end--;
        if (end > recStart) {
          if (field === timeColumn) {
            tStart = fieldStart;
            tEnd = end;
          }
          if (!record(buf, recStart, end, recLine, tStart, tEnd)) return STOP;
        }
        state = State.FieldStart;
        recStart = i + 1;
        recLine = lines;
        line = lines;
        field = 0;
        fieldStart = i + 1;
        tStart = -1;
      } else {
        state = State.Unquoted;
      }
    }
    if (!eof) return recStart;
    if (state === State.Quoted) return UNREADABLE;
    if (n > recStart) {
      if (field === timeColumn) {
        tStart = fieldStart;
        tEnd = n;
      }
      if (!record(buf, recStart, n, recLine, tStart, tEnd)) return STOP;
    }
    return n;
  };

  let carry: Buffer | undefined;
  let started = false;
  const stopped = (): ScanResult => ({ ok: false, why: timeColumn < 0 ? 'no-header' : 'stopped' });
  for await (const chunk of chunks) {
    const buf = carry === undefined || carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
    let from = 0;
    if (!started) {
      if (buf.length < 3) {
        carry = Buffer.from(buf);
        continue;
      }
      started = true;
      if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))
        return { ok: false, why: 'unreadable' };
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) from = 3;
    }
    const at = scan(buf, from, false);
    if (at === UNREADABLE) return { ok: false, why: 'unreadable' };
    if (at === STOP) return stopped();
    carry = Buffer.from(buf.subarray(at));
    // Asynchronous work on what this chunk found (the caller's spills) waits for the chunk's end.
    if (hooks.afterChunk) await hooks.afterChunk();
  }
  let from = 0;
  if (!started && carry !== undefined && carry[0] === 0xef && carry[1] === 0xbb && carry[2] === 0xbf) from = 3;
  const at = scan(carry ?? Buffer.alloc(0), from, true);
  if (at === UNREADABLE) return { ok: false, why: 'unreadable' };
  if (at === STOP) return stopped();
  if (timeColumn < 0) return { ok: false, why: 'no-header' };
  return { ok: true, rows, late };
}
