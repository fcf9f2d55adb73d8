// One replay worker (a worker thread started by replay-workers.ts): replays its shard of the file
// into its own run folder, holding its first step for the shared start, and reports to the main
// thread. Stops like a replay does: 'stop' drains what is in flight, 'hard' cuts it.
import { parentPort, workerData } from 'node:worker_threads';
import type { RowIssue } from '../recordings/events.ts';
import { replayFile, type ReplayFileOptions } from './replay.ts';
import { holdForSharedStart } from './shared-start.ts';

/** What the main thread hands a worker: the replay's options, data only. */
export interface WorkerInput {
  options: Omit<ReplayFileOptions, 'stdin' | 'events' | 'progress' | 'onIssue' | 'signal' | 'hardSignal'>;
  /** The recorded pace × speed, for the shared start; undefined for --rate and --asap. */
  speed?: number;
  /** Send progress lines to the main thread. */
  progress: boolean;
  /** Send bad rows to the main thread (one worker does: every worker reads the same rows). */
  issues: boolean;
}

export type ToWorker = { type: 'start'; at: number } | { type: 'stop' } | { type: 'hard' };
export type FromWorker =
  /** The first step is read; `offsetMs` is how long after the shared start it goes. */
  | { type: 'primed'; offsetMs: number }
  | { type: 'progress'; text: string }
  | { type: 'issue'; issue: RowIssue }
  | { type: 'done'; outcome: string; message?: string; dir?: string };

const port = parentPort;
if (!port) throw new Error('replay-worker.ts runs in a worker thread started by replay-workers.ts');
const input = workerData as WorkerInput;
const post = (m: FromWorker): void => port.postMessage(m);

const stop = new AbortController();
const hard = new AbortController();
let startAt: (at: number) => void = () => undefined;
const started = new Promise<number>((resolve) => (startAt = resolve));
port.on('message', (m: ToWorker) => {
  if (m.type === 'start') startAt(m.at);
  else if (m.type === 'stop') stop.abort();
  else if (m.type === 'hard') hard.abort();
});

try {
  const res = await replayFile({
    ...input.options,
    signal: stop.signal,
    hardSignal: hard.signal,
    events: (events) =>
      holdForSharedStart(events, {
        filters: input.options.filters ?? {},
        ...(input.speed !== undefined ? { speed: input.speed } : {}),
        ready: ({ first, earliest }) => {
          post({ type: 'primed', offsetMs: input.speed === undefined || first === undefined || earliest === undefined ? 0 : (first - earliest) / input.speed });
          return started;
        },
      }),
    ...(input.progress ? { progress: { isTTY: false, write: (text: string) => post({ type: 'progress', text }) } } : {}),
    ...(input.issues ? { onIssue: (issue: RowIssue) => post({ type: 'issue', issue }) } : {}),
  });
  post({ type: 'done', outcome: res.outcome, ...(res.message ? { message: res.message } : {}), ...(res.dir ? { dir: res.dir } : {}) });
} finally {
  port.close();
}
