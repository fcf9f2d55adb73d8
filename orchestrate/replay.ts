// `cartload replay` as a library function: a recorded CSV (session export or request log, a file,
// a .gz or standard input) streamed through the readers into the engine.
import { readRecording } from '../recordings/index.ts';
import type { RecordingFormat, RowIssue } from '../recordings/events.ts';
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
}

export function replayFile(o: ReplayFileOptions): Promise<EngineResult> {
  const { file, format, onError, tmpDir, sortWindowMs, stdin, ...engine } = o;
  return runEngine({
    ...engine,
    input: {
      kind: 'recording',
      name: file,
      rewindable: file !== '-',
      open: (onIssue: (issue: RowIssue) => void) =>
        readRecording({
          file,
          onError: onError ?? 'abort',
          onIssue,
          ...(format ? { format } : {}),
          ...(tmpDir ? { tmpDir } : {}),
          ...(sortWindowMs !== undefined ? { sortWindowMs } : {}),
          ...(stdin ? { stdin } : {}),
        }),
    },
  });
}
