// Shared by the reader tests: read a whole recording, keeping the events and the reported bad rows.
import { readRecording, type ReplayEvent, type RowIssue } from '../recordings/index.ts';

export const FIX = 'test/fixtures/replay';

export async function readAll(
  file: string,
  onError: 'skip' | 'abort' = 'abort',
): Promise<{ events: ReplayEvent[]; issues: RowIssue[] }> {
  const issues: RowIssue[] = [];
  const events: ReplayEvent[] = [];
  for await (const e of readRecording({ file, onError, onIssue: (i) => issues.push(i) })) events.push(e);
  return { events, issues };
}

/** An event's body as a value (the reader carries it as JSON text). */
export function bodyOf(e: ReplayEvent): unknown {
  return e.bodyText === undefined ? undefined : JSON.parse(e.bodyText);
}
