// What the replay workers' main thread and worker threads tell each other (replay-workers.ts,
// replay-worker.ts): the worker's options, and the messages both ways.
import type { EngineOptions, Filters } from '../engine/index.ts';
import type { ReplayEvent, RowIssue } from '../recordings/events.ts';

/** What the main thread hands a worker: the engine's options, data only. */
export interface WorkerInput {
  engine: Omit<EngineOptions, 'input' | 'progress' | 'onIssue' | 'signal' | 'hardSignal'> & { filters: Filters };
  /** The input's name (the file), for the summary. */
  name: string;
  /** The recorded pace × speed, for the shared start; undefined for --rate and --asap. */
  speed?: number;
  /** Send progress lines to the main thread. */
  progress: boolean;
}

/** Events a worker tells the main thread it has taken, every this many (the main thread sends ahead at most CREDIT). */
export const CREDIT_EVERY = 1024;
export const CREDIT = 8 * CREDIT_EVERY;

export type ToWorker =
  | { type: 'events'; events: ReplayEvent[]; earliest: number | undefined }
  | { type: 'issue'; issue: RowIssue }
  | { type: 'end' }
  | { type: 'fail'; issue: RowIssue }
  | { type: 'start'; at: number }
  | { type: 'stop' }
  | { type: 'hard' };
export type FromWorker =
  /** The engine opened the input (the target answered, the run folder exists). */
  | { type: 'open' }
  /** The first step is held; `offsetMs`: how long after the shared start it goes. */
  | { type: 'primed'; offsetMs: number }
  | { type: 'credit'; events: number }
  | { type: 'progress'; text: string }
  | { type: 'done'; outcome: string; message?: string; dir?: string };
