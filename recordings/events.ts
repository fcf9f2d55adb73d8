// The contract between the recording readers and the replay engine: a time-ordered stream of
// steps. Readers turn a CSV recording into ReplayEvents in nondecreasing `time`; the engine keeps
// one queue per session and sends a session's step only after the previous one answered.
import type { SessionState } from '../model/limits.ts';
import type { LifecycleKind, PlanStep } from '../model/plan.ts';
import { CartloadError } from '../model/errors.ts';

export type RecordingFormat = 'export' | 'request-log';

export interface SourcePosition {
  /** The file as the user named it ('-' for standard input). */
  file: string;
  /** 1-based line number of the CSV record in that file (the header is line 1). */
  line: number;
}

export interface ReplayEvent {
  /** Epoch ms at which the step was originally sent. */
  time: number;
  /** The recorded session ID; step.path addresses it. */
  sessionId: string;
  profileId?: string;
  kind: LifecycleKind;
  /** The step; its `body` is left unset: the body travels as `bodyText`. */
  step: PlanStep;
  /**
   * The request body as JSON text, sent as it is: a request log's body cell as it was read
   * (checked once, never parsed again or re-serialised), an export's built body serialised once.
   */
  bodyText?: string;
  /** The session's final recorded state, when the recording says it (the session export does). */
  finalState?: SessionState;
  /** True on the last event of its session, when the reader knows it (the export does). */
  lastOfSession?: boolean;
  source: SourcePosition;
}

/** A recorded row that could not be turned into steps. */
export interface RowIssue extends SourcePosition {
  /** A short, stable reason for counting ("bad-json", "missing-column", "bad-date", "over-limit", ...). */
  reason: string;
  /** The full message, naming the file, line and column. */
  message: string;
}

export class RecordingError extends CartloadError {
  constructor(readonly issue: RowIssue) {
    super(issue.message);
    this.name = 'RecordingError';
  }

  /** A file with not even a header line. */
  static empty(file: string): RecordingError {
    return new RecordingError({
      file,
      line: 1,
      reason: 'empty',
      message: `${file}: the file is empty (no header line)`,
    });
  }
}

export interface ReadRecordingOptions {
  /** A path, or '-' for standard input; `.gz` is decompressed. */
  file: string;
  /** Detected from the header when absent. */
  format?: RecordingFormat;
  /** 'abort' throws a RecordingError at the first bad row; 'skip' reports it to onIssue and goes on. */
  onError: 'skip' | 'abort';
  onIssue?: (issue: RowIssue) => void;
  /** Standard input replaces a file named '-' (tests pass a stream here). */
  stdin?: NodeJS.ReadableStream;
  /** Where sorting spills runs to disk; defaults to the OS temp folder. */
  tmpDir?: string;
  /**
   * Order events with a reorder window of this many ms instead of sorting the whole file first:
   * events leave once older than the newest row's time less the window, so a replay starts at
   * once; a row later than that is reported (reason "out-of-order"). For nearly sorted request logs.
   */
  sortWindowMs?: number;
}
