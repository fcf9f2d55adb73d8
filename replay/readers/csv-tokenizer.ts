// A strict RFC 4180 CSV tokenizer over bytes. Recordings are mostly JSON cells, whose quotes CSV
// doubles every few bytes; csv-parse, the obvious choice, read them at well under the speed the
// replay needs (bench/replay-parse.bench.ts keeps it as the baseline), so this one runs tight
// loops over the bytes and decodes one string per field. The tests check it field for field
// against csv-parse (test/replay-readers-tokenizer.test.ts). Strict like csv-parse without
// relax_quotes: a quote inside an unquoted field, text after a closing quote or an unclosed quote
// is a syntax error (after one, the rest of the file cannot be split into rows reliably).
// Fields are fresh strings, so rows kept for sorting never pin the chunk they came from.

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** Called for each record with its fields and the 1-based line it starts on; blank lines are skipped. */
export type OnRecord = (fields: string[], line: number) => void;

export class CsvTokenizer {
  /**
   * Columns to decode (by index); others come out as '' without being decoded, which saves the
   * work and the garbage of cells nobody reads (an access log's response payloads). May be set
   * from inside onRecord, e.g. once the header is known: it applies from the next record on.
   */
  keep: readonly boolean[] | undefined;
  private pending: Buffer | undefined;
  private line = 1;
  private first = true;

  /** Tokenizes every complete record in `chunk` (plus what was left over from the previous one). */
  push(chunk: Buffer, onRecord: OnRecord): void {
    let buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = undefined;
    if (this.first) {
      if (buf.length < 3 && buf.length > 0 && buf[0] === 0xef) {
        this.pending = buf;
        return;
      }
      this.first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const used = this.records(buf, false, onRecord);
    if (used < buf.length) this.pending = Buffer.from(buf.subarray(used));
  }

  /** Tokenizes the last record, which may lack a final line break. */
  end(onRecord: OnRecord): void {
    const buf = this.pending;
    this.pending = undefined;
    if (!buf || buf.length === 0) return;
    this.records(this.first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? buf.subarray(3) : buf, true, onRecord);
  }

  /** Returns how many bytes were consumed: everything up to the last complete record. */
  private records(buf: Buffer, final: boolean, onRecord: OnRecord): number {
    const n = buf.length;
    let start = 0;
    while (start < n) {
      const startLine = this.line;
      let newlines = 0;
      const fields: string[] = [];
      let p = start;
      for (;;) {
        if (p < n && buf[p] === QUOTE) {
          // Quoted field: a plain byte loop beats indexOf here, as JSON cells double a quote every few bytes.
          let q = p + 1;
          let doubled = false;
          let close = -1;
          while (q < n) {
            if (buf[q] !== QUOTE) {
              q++;
              continue;
            }
            if (q + 1 < n && buf[q + 1] === QUOTE) {
              doubled = true;
              q += 2;
              continue;
            }
            if (q + 1 < n || final) close = q; // else the next chunk may start with the second quote
            break;
          }
          if (close === -1) {
            if (!final) return start;
            throw new CsvSyntaxError(`quote not closed (the quoted field starts on line ${startLine + newlines})`, startLine + newlines);
          }
          if (this.keep === undefined || this.keep[fields.length] !== false) {
            let text = buf.toString('utf8', p + 1, close);
            if (doubled) text = text.replaceAll('""', '"');
            for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines++;
            fields.push(text);
          } else {
            for (let i = buf.indexOf(LF, p + 1); i !== -1 && i < close; i = buf.indexOf(LF, i + 1)) newlines++;
            fields.push('');
          }
          p = close + 1;
          const c = p < n ? buf[p] : -1;
          if (c === COMMA) {
            p++;
            continue;
          }
          if (c === LF || (c === CR && p + 1 < n && buf[p + 1] === LF)) {
            p += c === CR ? 2 : 1;
            break;
          }
          if (c === CR && p + 1 === n && !final) return start;
          if (c === -1) {
            if (!final) return start;
            break;
          }
          throw new CsvSyntaxError(`text after a closing quote on line ${startLine + newlines} (a quote inside a field must be doubled)`, startLine + newlines);
        }
        // Unquoted field: up to the next comma or line break; a quote here is an error.
        let e = p;
        let c = -1;
        while (e < n) {
          c = buf[e] as number;
          if (c === COMMA || c === LF || c === QUOTE) break;
          e++;
        }
        if (e === n) {
          if (!final) return start;
          const end = e > p && buf[e - 1] === CR ? e - 1 : e;
          fields.push(this.keep === undefined || this.keep[fields.length] !== false ? buf.toString('utf8', p, end) : '');
          p = e;
          break;
        }
        if (c === QUOTE) {
          throw new CsvSyntaxError(`a quote inside an unquoted field on line ${startLine + newlines} (quote the whole field)`, startLine + newlines);
        }
        const end = c === LF && e > p && buf[e - 1] === CR ? e - 1 : e;
        fields.push(this.keep === undefined || this.keep[fields.length] !== false ? buf.toString('utf8', p, end) : '');
        p = e + 1;
        if (c === LF) {
          break;
        }
      }
      this.line = startLine + newlines + 1;
      start = p;
      if (fields.length === 1 && fields[0] === '') continue; // a blank line
      onRecord(fields, startLine);
    }
    return start;
  }
}
