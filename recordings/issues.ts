// One way to describe a bad row, so every reader names the file, line and column the same way and
// the summary can count rows by a short, stable reason.
import type { RowIssue, SourcePosition } from './events.ts';

/** Reasons a row is rejected; stable strings the run summary counts by (`skippedRows`). */
export type RowIssueReason =
  | 'bad-csv'
  | 'missing-column'
  | 'extra-column'
  | 'bad-json'
  | 'bad-date'
  | 'bad-value'
  | 'over-limit'
  | 'unsupported-endpoint'
  | 'inconsistent-row'
  | 'out-of-order';

export function rowIssue(
  at: SourcePosition,
  reason: RowIssueReason,
  column: string | undefined,
  detail: string,
): RowIssue {
  const where = column === undefined ? '' : ` column "${column}":`;
  return { file: at.file, line: at.line, reason, message: `${at.file}:${at.line}:${where} ${detail}` };
}

/** Thrown inside a row parser and caught by it, so deep helpers can stop a row without plumbing. */
export class RowRejected extends Error {
  constructor(readonly issue: RowIssue) {
    super(issue.message);
  }
}

export function reject(at: SourcePosition, reason: RowIssueReason, column: string | undefined, detail: string): never {
  throw new RowRejected(rowIssue(at, reason, column, detail));
}

/** A cell value for an error message: short, on one line. */
export function quoteCell(value: string): string {
  const one = value.replace(/\s+/g, ' ');
  return JSON.stringify(one.length > 60 ? `${one.slice(0, 57)}...` : one);
}
