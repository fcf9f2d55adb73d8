// Column names as recordings spell them: `session_id`, `sessionId` and `Session ID` are one column.
// Readers look columns up by normalised name, so exports re-saved by a spreadsheet or access logs
// flattened by another tool still read.
import type { SourcePosition } from './events.ts';
import { reject } from './issues.ts';

export function normalizeColumn(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '');
}

/** Normalised name → index; a name that appears twice is an error (which one would we read?). */
export function indexColumns(header: readonly string[], at: SourcePosition): Map<string, number> {
  const out = new Map<string, number>();
  header.forEach((raw, i) => {
    const name = normalizeColumn(raw);
    if (name === '') return;
    if (out.has(name)) reject(at, 'bad-csv', raw, `the header names column "${raw}" twice`);
    out.set(name, i);
  });
  return out;
}

/** Rejects a record whose field count differs from the header's, naming the first missing column. */
export function checkWidth(fields: readonly string[], header: readonly string[], at: SourcePosition): void {
  if (fields.length < header.length) {
    reject(
      at,
      'missing-column',
      header[fields.length],
      `the row has ${fields.length} fields, the header ${header.length}`,
    );
  }
  if (fields.length > header.length) {
    reject(
      at,
      'extra-column',
      undefined,
      `the row has ${fields.length} fields, the header only ${header.length} (a quoting mistake?)`,
    );
  }
}
