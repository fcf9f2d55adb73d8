// Two consumers of the results stream that write files into the run folder: the request log
// (requests.csv, one line per request with its intended, sent and answered times) and the bad-row
// log (row-issues.ndjson, created only when a row is skipped).
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ResultsConsumer, ResultsEvent, RowIssueEvent } from '../model/results-events.ts';

const csvCell = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

const ended = (w: WriteStream | undefined): Promise<void> =>
  w ? new Promise<void>((resolve) => w.end(() => resolve())) : Promise.resolve();

export class RequestLog implements ResultsConsumer {
  private out: WriteStream | undefined;

  event(e: ResultsEvent): void {
    if (e.type === 'step') {
      const status = e.status === 0 ? 'error' : e.status;
      this.out?.write(
        `${csvCell(e.session)},${e.step},${e.method},${csvCell(e.path)},${status},${e.intendedMs.toFixed(3)},${e.sentMs.toFixed(3)},${e.answeredMs.toFixed(3)}\n`,
      );
    } else if (e.type === 'run-start') {
      this.out = createWriteStream(join(e.dir, 'requests.csv'));
      this.out.write('session_id,step,method,path,status,intended_ms,sent_ms,answered_ms\n');
    }
  }

  close(): Promise<void> {
    return ended(this.out);
  }
}

/** Writes every skipped row to row-issues.ndjson and tells `onIssue` (the CLI prints the first few). */
export class RowIssueLog implements ResultsConsumer {
  private dir = '';
  private out: WriteStream | undefined;

  constructor(private readonly onIssue?: (issue: Omit<RowIssueEvent, 'type'>) => void) {}

  event(e: ResultsEvent): void {
    if (e.type === 'run-start') this.dir = e.dir;
    if (e.type !== 'row-issue') return;
    const issue = { file: e.file, line: e.line, reason: e.reason, message: e.message };
    this.out ??= createWriteStream(join(this.dir, 'row-issues.ndjson'));
    this.out.write(`${JSON.stringify(issue)}\n`);
    this.onIssue?.(issue);
  }

  close(): Promise<void> {
    return ended(this.out);
  }
}
