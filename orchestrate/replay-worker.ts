// One replay worker (a worker thread started by replay-workers.ts): the engine over the events of
// its shard, which the main thread reads and parses once and hands over in batches; its first
// step held for the shared start; results into its own run folder. Stops like a replay does:
// 'stop' drains what is in flight, 'hard' cuts it.
import { parentPort, workerData } from 'node:worker_threads';
import { runEngine } from '../engine/index.ts';
import { RecordingError, type ReplayEvent, type RowIssue } from '../recordings/events.ts';
import { CREDIT_EVERY, type FromWorker, type ToWorker, type WorkerInput } from './replay-worker-protocol.ts';
import { firstSentStep, firstStepAt, untilWallClock } from './shared-start.ts';

const port = parentPort;
if (!port) throw new Error('replay-worker.ts runs in a worker thread started by replay-workers.ts');
const input = workerData as WorkerInput;
const post = (m: FromWorker): void => port.postMessage(m);

const stop = new AbortController();
const hard = new AbortController();
let queue: ReplayEvent[] = [];
let head = 0;
const issues: RowIssue[] = [];
let ended = false;
let failure: RowIssue | undefined;
let earliest: number | undefined;
let wake: (() => void) | undefined;
let startAt: (at: number) => void = () => undefined;
const started = new Promise<number>((resolve) => (startAt = resolve));
port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'events':
      if (head === queue.length) {
        queue = m.events;
        head = 0;
      } else {
        // Keep only what is not taken yet, so the queue holds at most about CREDIT events.
        if (head >= CREDIT_EVERY) {
          queue = queue.slice(head);
          head = 0;
        }
        for (const e of m.events) queue.push(e);
      }
      earliest ??= m.earliest;
      break;
    case 'issue':
      issues.push(m.issue);
      break;
    case 'end':
      ended = true;
      break;
    case 'fail':
      failure = m.issue;
      break;
    case 'start':
      startAt(m.at);
      break;
    case 'stop':
      startAt(Date.now());
      stop.abort();
      break;
    case 'hard':
      hard.abort();
      break;
  }
  const w = wake;
  wake = undefined;
  w?.();
});

async function* events(onIssue: (issue: RowIssue) => void): AsyncGenerator<ReplayEvent> {
  post({ type: 'open' });
  const isFirst = firstSentStep(input.engine.filters);
  let held = false;
  let taken = 0;
  for (;;) {
    while (issues.length > 0) onIssue(issues.shift() as RowIssue);
    if (head < queue.length) {
      const ev = queue[head++] as ReplayEvent;
      if (++taken === CREDIT_EVERY) {
        post({ type: 'credit', events: taken });
        taken = 0;
      }
      if (!held && isFirst(ev)) {
        held = true;
        const offsetMs = firstStepAt(0, ev.time, earliest ?? ev.time, input.speed);
        post({ type: 'primed', offsetMs });
        await untilWallClock((await started) + offsetMs);
      }
      yield ev;
      continue;
    }
    if (failure) throw new RecordingError(failure);
    if (ended) return;
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

// Not top-level await: the worker also runs as one bundled CommonJS script (replay-workers.ts).
void (async () => {
  try {
    const res = await runEngine({
      ...input.engine,
      input: { kind: 'recording', name: input.name, rewindable: false, open: events },
      signal: stop.signal,
      hardSignal: hard.signal,
      ...(input.progress
        ? { progress: { isTTY: false, write: (text: string) => post({ type: 'progress', text }) } }
        : {}),
    });
    post({
      type: 'done',
      outcome: res.outcome,
      ...(res.message ? { message: res.message } : {}),
      ...(res.dir ? { dir: res.dir } : {}),
    });
  } finally {
    port.close();
  }
})();
