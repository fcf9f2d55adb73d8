// `cartload replay` as a library function: a recorded CSV (session export or request log, a file,
// a .gz or standard input) streamed through the readers into the engine.
import { readRecording } from '../recordings/index.ts';
import type { RecordingFormat, ReplayEvent, RowIssue } from '../recordings/events.ts';
import { runEngine, type EngineOptions, type EngineResult } from '../engine/index.ts';

export interface ReplayFileOptions extends Omit<EngineOptions, 'input'> {
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
  /** Sees every pass's events on their way to the engine (replay workers hold the first one for the shared start). */
  events?: (events: AsyncIterable<ReplayEvent>) => AsyncIterable<ReplayEvent>;
}

export function replayFile(o: ReplayFileOptions): Promise<EngineResult> {
  const { file, format, onError, tmpDir, sortWindowMs, stdin, events, ...engine } = o;
  return runEngine({
    ...engine,
    input: {
      kind: 'recording',
      name: file,
      rewindable: file !== '-',
      open: (onIssue: (issue: RowIssue) => void) => {
        const read = readRecording({
          file,
          onError: onError ?? 'abort',
          onIssue,
          ...(format ? { format } : {}),
          ...(tmpDir ? { tmpDir } : {}),
          ...(sortWindowMs !== undefined ? { sortWindowMs } : {}),
          ...(stdin ? { stdin } : {}),
        });
        return events ? events(read) : read;
      },
    },
  });
}
