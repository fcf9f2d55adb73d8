// One clock for several replay workers. Each worker's engine anchors its clock when it reads the
// first step it will send, and times every later step from that step's recorded time. Held back
// until the shared start plus (at the recorded pace) that step's offset from the run's earliest
// step, the first step anchors every worker on one timeline: a step recorded at t goes at
// start + (t - earliest) / speed in whichever worker sends it, as it would in one process.
//
// Which step is the first follows the engine's rules: a session is judged on its first event
// (--sample, --state, --from, --to), and the earliest step is the first of any worker's.
import { inSample } from '../engine/hash.ts';
import type { Filters } from '../engine/index.ts';
import type { ReplayEvent } from '../recordings/events.ts';

/**
 * A test for the first event the engine will send from a stream: true for a session's first event
 * when the filters admit the session (the shard is decided apart). Keeps the IDs it has seen until
 * it has said true once.
 */
export function firstSentStep(filters: Filters): (ev: ReplayEvent) => boolean {
  const states = filters.states ? new Set<string>(filters.states) : undefined;
  let seen: Set<string> | undefined = new Set();
  return (ev) => {
    if (seen === undefined || seen.has(ev.sessionId)) return false;
    seen.add(ev.sessionId);
    const admitted =
      (filters.sample === undefined || inSample(ev.sessionId, filters.sample)) &&
      (states === undefined || (ev.finalState !== undefined && states.has(ev.finalState))) &&
      (filters.from === undefined || ev.time >= filters.from) &&
      (filters.to === undefined || ev.time < filters.to);
    if (admitted) seen = undefined;
    return admitted;
  };
}

/** When (epoch ms) a worker's first step goes: the shared start, plus its recorded offset ÷ speed when paced by the recording. */
export function firstStepAt(start: number, first: number, earliest: number, speed: number | undefined): number {
  return start + (speed === undefined ? 0 : Math.max(0, first - earliest) / speed);
}

export const untilWallClock = (epochMs: number): Promise<void> =>
  new Promise((resolve) => {
    const wait = epochMs - Date.now();
    if (wait <= 0) resolve();
    else setTimeout(resolve, wait);
  });
