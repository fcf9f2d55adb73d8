// `cartload replay FILE --checkpoint CP` and `--resume CP`: a replay that records what it sends
// (orchestrate/checkpoint.ts) and, resumed, sends only what was not sent, under the same session
// IDs, listing the steps left in doubt.
import { DEFAULT_SESSION_PREFIX } from '../model/conventions.ts';
import { shortRandom } from '../engine/run-id.ts';
import type { EngineResult } from '../engine/index.ts';
import {
  checkSameFile,
  CheckpointError,
  markEvents,
  newHeader,
  openCheckpoint,
  checkpointExistsMessage,
  readCheckpoint,
  type InDoubt,
} from './checkpoint.ts';
import type { RecordingInput } from '../engine/index.ts';
import type { ReplayEvent } from '../recordings/events.ts';
import {
  openRecording,
  recordingSourceOf,
  replayOpened,
  type OpenedRecording,
  type ReplayFileOptions,
} from './replay.ts';

export interface CheckpointReplayOptions extends ReplayFileOptions {
  /** The recording, already opened (openRecording); default: opened here. */
  recording?: OpenedRecording;
  checkpoint: string;
  /** Continue the checkpoint's replay instead of starting one. */
  resume: boolean;
  /** On resume, send the steps in doubt again (the target may then see them twice). */
  resendInDoubt?: boolean;
}

export interface CheckpointReplayResult extends EngineResult {
  /** On resume: the steps the previous run left in flight. */
  inDoubt?: InDoubt[];
  /** On resume: steps already done before this run. */
  alreadyDone?: number;
}

export async function replayWithCheckpoint(o: CheckpointReplayOptions): Promise<CheckpointReplayResult> {
  const {
    checkpoint,
    resume,
    resendInDoubt,
    recording: opened,
    file: _file,
    format: _format,
    onError: _onError,
    tmpDir: _tmpDir,
    sortWindowMs: _sortWindowMs,
    stdin: _stdin,
    ...engine
  } = o;
  const run = async (
    wrap: (events: AsyncIterable<ReplayEvent>) => AsyncIterable<ReplayEvent>,
    options: typeof engine,
  ) => {
    const recording = opened ?? (await openRecording(recordingSourceOf(o)));
    const input: RecordingInput = { ...recording.input, open: (onIssue) => wrap(recording.input.open(onIssue)) };
    return replayOpened({ input, close: () => recording.close() }, options);
  };
  const bail = async (r: CheckpointReplayResult): Promise<CheckpointReplayResult> => {
    await opened?.close();
    return r;
  };
  if (o.file === '-')
    return bail({
      outcome: 'bad-input',
      message: '--checkpoint numbers the steps of a file read again on resume: name a file, not -',
    });
  if ((o.loops ?? 1) > 1)
    return bail({
      outcome: 'bad-input',
      message: '--checkpoint with --loop: not supported; checkpoint one pass at a time',
    });
  try {
    if (!resume) {
      const sessionPrefix = o.sessionPrefix ?? `${DEFAULT_SESSION_PREFIX}-${shortRandom()}-`;
      let writer;
      try {
        writer = openCheckpoint(checkpoint, newHeader(o.file, sessionPrefix));
      } catch (err) {
        if ((err as { code?: string }).code === 'EEXIST')
          return bail({
            outcome: 'bad-input',
            message: checkpointExistsMessage(checkpoint),
          });
        throw err;
      }
      try {
        return await run((events) => markEvents(events), { ...engine, sessionPrefix, steps: writer });
      } finally {
        writer.close();
      }
    }
    const state = readCheckpoint(checkpoint);
    const other = checkSameFile(state, o.file);
    if (other) return bail({ outcome: 'bad-input', message: other });
    if (o.sessionPrefix !== undefined && o.sessionPrefix !== state.header.sessionPrefix)
      return bail({
        outcome: 'bad-input',
        message: `--resume keeps the checkpoint's session prefix "${state.header.sessionPrefix}": drop --session-prefix`,
      });
    const writer = openCheckpoint(checkpoint, undefined);
    try {
      const res = await run((events) => markEvents(events, { state, resendInDoubt: resendInDoubt === true }), {
        ...engine,
        sessionPrefix: state.header.sessionPrefix,
        steps: writer,
        notes: [
          ...(o.notes ?? []),
          `resumed from ${checkpoint}: ${state.done.size} steps done before, ${state.inDoubt.length} in doubt ${resendInDoubt ? 'sent again' : 'not sent again'}`,
        ],
      });
      // Every step was done before: the replay is finished, and resuming it again sends nothing.
      if (res.nothingToSend && state.done.size > 0 && res.dir === undefined) {
        return {
          outcome: 'ok',
          message: `nothing left to send: the replay of ${o.file} was finished before`,
          inDoubt: state.inDoubt,
          alreadyDone: state.done.size,
        };
      }
      return { ...res, inDoubt: state.inDoubt, alreadyDone: state.done.size };
    } finally {
      writer.close();
    }
  } catch (err) {
    if (err instanceof CheckpointError) return bail({ outcome: 'bad-input', message: err.message });
    throw err;
  }
}
