import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CsvSyntaxError, CsvTokenizer } from '../replay/readers/csv-tokenizer.ts';

interface Rec {
  fields: string[];
  line: number;
}

/** Tokenizes `bytes` fed in pieces of the given sizes (cycled). */
function tokenize(bytes: Buffer, pieces: number[]): Rec[] {
  const t = new CsvTokenizer();
  const out: Rec[] = [];
  const on = (fields: string[], line: number): void => {
    out.push({ fields, line });
  };
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const size = Math.max(1, pieces[k++ % pieces.length] as number);
    t.push(bytes.subarray(i, i + size), on);
    i += size;
  }
  t.end(on);
  return out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const ALPHABET = ['a', 'B', '7', ' ', ',', '"', '\n', '\r\n', '{', '}', 'é', '€', '😀', ':', '\t'];

test('the tokenizer agrees with csv-parse field for field on random CSV, however the bytes are split', () => {
  const r = rng(99);
  for (let round = 0; round < 300; round++) {
    const width = 1 + Math.floor(r() * 6);
    const crlf = r() < 0.5;
    // In a CRLF file csv-stringify leaves a bare LF unquoted and csv-parse keeps it as data; the
    // tokenizer ends a record at any unquoted LF (mixed line ends are common), so CRLF rounds use CRLF only.
    const alphabet = crlf ? ALPHABET.filter((c) => c !== '\n') : ALPHABET;
    const rows = Array.from({ length: 1 + Math.floor(r() * 8) }, () =>
      Array.from({ length: width }, () => Array.from({ length: Math.floor(r() * 12) }, () => alphabet[Math.floor(r() * alphabet.length)]).join('')),
    );
    // Quote every field sometimes; csv-stringify quotes only where needed otherwise.
    const text = stringify(rows, { quoted: r() < 0.3, record_delimiter: crlf ? 'windows' : 'unix' });
    const expected = (parse(text, { relax_column_count: true, skip_empty_lines: false }) as string[][]).filter((f) => !(f.length === 1 && f[0] === ''));
    const bytes = Buffer.from(r() < 0.2 ? `\ufeff${text}` : text);
    for (const pieces of [[bytes.length], [1], [2, 3, 5], [7, 64]]) {
      const got = tokenize(bytes, pieces);
      assert.deepEqual(
        got.map((g) => g.fields),
        expected,
        `round ${round}, pieces ${pieces.join('/')}: ${JSON.stringify(text)}`,
      );
    }
  }
});

test('line numbers are where each record starts, counting quoted newlines and blank lines', () => {
  const text = 'h1,h2\r\n"a\r\nb",c\r\n\r\nd,"e\n\nf"\nlast,row';
  assert.deepEqual(tokenize(Buffer.from(text), [3]), [
    { fields: ['h1', 'h2'], line: 1 },
    { fields: ['a\r\nb', 'c'], line: 2 },
    { fields: ['d', 'e\n\nf'], line: 5 },
    { fields: ['last', 'row'], line: 8 },
  ]);
});

test('malformed quoting is refused like csv-parse refuses it, with the line', () => {
  const cases: Array<[string, RegExp, number]> = [
    ['a,b\nc,"d"x\n', /text after a closing quote/, 2],
    ['a,b\nc,d"e\n', /quote inside an unquoted field/, 2],
    ['a,b\n\nc,"d\ne\n', /quote not closed/, 3],
  ];
  for (const [text, message, line] of cases) {
    assert.throws(() => parse(text, { relax_column_count: true }), Error, 'csv-parse refuses it too');
    for (const pieces of [[text.length], [1]]) {
      assert.throws(
        () => tokenize(Buffer.from(text), pieces),
        (err: unknown) => err instanceof CsvSyntaxError && message.test(err.message) && err.line === line,
        JSON.stringify(text),
      );
    }
  }
});

test('columns left out by `keep` come out empty, and their quoted newlines still count', () => {
  const t = new CsvTokenizer();
  const out: Rec[] = [];
  const text = 'a,skip,c\n1,"big\n""payload""",3\n4,"x\ny\nz",6\n';
  t.push(Buffer.from(text), (fields, line) => {
    if (line === 1) t.keep = [true, false, true];
    out.push({ fields, line });
  });
  t.end(() => assert.fail('nothing left'));
  assert.deepEqual(out, [
    { fields: ['a', 'skip', 'c'], line: 1 },
    { fields: ['1', '', '3'], line: 2 },
    { fields: ['4', '', '6'], line: 4 },
  ]);
});
