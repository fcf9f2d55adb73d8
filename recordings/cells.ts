// Cell syntaxes shared by the readers: JSON cells and list cells.
import type { SourcePosition } from './events.ts';
import { quoteCell, reject } from './issues.ts';

/** The parsed JSON of a cell, or undefined for an empty cell. */
export function jsonCell(text: string, at: SourcePosition, column: string): unknown {
  if (text.length === 0 || text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return reject(at, 'bad-json', column, `not valid JSON (${why}): ${quoteCell(text)}`);
  }
}

/**
 * A list cell: a JSON array of strings (`["A","B"]`), or comma-separated values (`A, B`), or empty.
 * Entries are trimmed and empty entries dropped.
 */
export function listCell(text: string, at: SourcePosition, column: string): string[] {
  const t = text.trim();
  if (t.length === 0 || t === 'null' || t === '[]') return [];
  if (t.startsWith('[')) {
    const v = jsonCell(t, at, column);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      reject(at, 'bad-value', column, `expected a JSON array of strings: ${quoteCell(t)}`);
    return v.map((x) => x.trim()).filter((x) => x.length > 0);
  }
  return t
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}
