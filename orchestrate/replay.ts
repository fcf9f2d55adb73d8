// `cartload replay` as a library function: a recorded CSV (session export or request log, a file,
// a .gz or standard input) streamed through the readers into the engine.
//
// The recording is opened, and its first event read, before the engine starts: an empty, binary,
// wrong-header or malformed file (and, when the whole file is sorted first, any bad row) fails as
// one line naming the file and line, with no results folder and nothing sent.
import { readRecording, RecordingError } from '../recordings/index.ts';
import type { RecordingFormat, ReplayEvent, RowIssue } from '../recordings/events.ts';
import { runEngine, type EngineOptions, type EngineResult, type RecordingInput } from '../engine/index.ts';

export interface RecordingSource {
  /** A path ('.gz' is decompressed), or '-' for standard input. */
  file: string;
  format?: RecordingFormat;
  /** 'abort' (default) stops at the first bad row; 'skip' counts it and goes on. */
  onError?: 'skip' | 'abort';
  /** Where the reader's sort spills to disk (default the OS temp folder). */
  tmpDir?: string;
  /** Order rows within this reorder window (ms) instead of sorting the whole file first (see ReadRecordingOptions). */
  sortWindowMs?: number;
  /** Standard input, when file is '-'. */
  stdin?: NodeJS.ReadableStream;
}

export interface ReplayFileOptions extends Omit<EngineOptions, 'input'>, RecordingSource {}

export interface OpenedRecording {
  /** The engine's input; its first pass starts with the event already read. */
  input: RecordingInput;
  /** Releases the file (or standard input) when the engine will not run after all. */
  close(): Promise<void>;
}

/** Opens the recording and reads its first event; throws RecordingError (exit 2) when there is none to replay. */
export async function openRecording(o: RecordingSource): Promise<OpenedRecording> {
  const { file } = o;
  const early: RowIssue[] = [];
  let forward: ((issue: RowIssue) => void) | undefined;
  const read = (onIssue: (issue: RowIssue) => void): AsyncGenerator<ReplayEvent> =>
    readRecording({
      file,
      onError: o.onError ?? 'abort',
      onIssue,
      ...(o.format ? { format: o.format } : {}),
      ...(o.tmpDir ? { tmpDir: o.tmpDir } : {}),
      ...(o.sortWindowMs !== undefined ? { sortWindowMs: o.sortWindowMs } : {}),
      ...(o.stdin ? { stdin: o.stdin } : {}),
    });
  // The run's time starts here: the reading and ordering before the first event are part of it.
  const openedAt = Date.now();
  // Bad rows skipped while reading ahead are handed to the engine's first pass when it opens.
  const reader = read((issue) => (forward ? forward(issue) : early.push(issue)));
  const first = await reader.next();
  if (first.done) {
    const skipped = early.length > 0 ? `: all ${early.length} rows are bad (the first: ${early[0]?.message})` : '';
    throw new RecordingError({
      file,
      line: early[0]?.line ?? 2,
      reason: 'no-rows',
      message: `${file}: no rows to replay after the header${skipped}`,
    });
  }
  let firstPass = true;
  return {
    input: {
      kind: 'recording',
      name: file,
      rewindable: file !== '-',
      openedAt,
      open: (onIssue) => {
        if (!firstPass) return read(onIssue);
        firstPass = false;
        forward = onIssue;
        for (const issue of early.splice(0)) onIssue(issue);
        return prepend(first.value, reader);
      },
    },
    async close() {
      if (firstPass) await reader.return(undefined);
    },
  };
}

async function* prepend<T>(first: T, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  yield first;
  yield* rest;
}

/** Replays a recording: opens it (openRecording), then runs the engine over it. */
/** The recording's own options out of a replay's (the rest are the engine's). */
export function recordingSourceOf(o: RecordingSource): RecordingSource {
  const { file, format, onError, tmpDir, sortWindowMs, stdin } = o;
  return {
    file,
    ...(format ? { format } : {}),
    ...(onError ? { onError } : {}),
    ...(tmpDir ? { tmpDir } : {}),
    ...(sortWindowMs !== undefined ? { sortWindowMs } : {}),
    ...(stdin ? { stdin } : {}),
  };
}

export async function replayFile(o: ReplayFileOptions): Promise<EngineResult> {
  const {
    file: _file,
    format: _format,
    onError: _onError,
    tmpDir: _tmpDir,
    sortWindowMs: _window,
    stdin: _stdin,
    ...engine
  } = o;
  const source = recordingSourceOf(o);
  return replayOpened(await openRecording(source), engine);
}

/** Runs the engine over a recording opened with openRecording (the CLI opens it first to check it). */
export async function replayOpened(
  recording: OpenedRecording,
  engine: Omit<EngineOptions, 'input'>,
): Promise<EngineResult> {
  try {
    return await runEngine({ ...engine, input: recording.input });
  } finally {
    await recording.close();
  }
}
