// One clock for several replay workers. Each worker reads the whole recording and sends only its
// shard; its engine anchors its clock when it reads the first step it will send, and times every
// later step from that step's recorded time. Held back until the shared start (plus, at the
// recorded pace, that step's offset from the first step any worker sends), the first step anchors
// every worker on one timeline: a step recorded at t goes at start + (t - earliest) / speed in
// whichever worker sends it, as it would in one process.
//
// Which step is a worker's first follows the engine's rules: a session is judged on its first
// event (--sample, --state, --from, --to, then the shard), and the earliest step is the first
// that passes everything but the shard. Every worker reads the same events in the same order, so
// all of them find the same earliest step.
import { inSample, shardOf } from '../engine/hash.ts';
import type { Filters } from '../engine/index.ts';
import type { ReplayEvent } from '../recordings/events.ts';

export interface SharedStartOptions {
  /** The worker's filters, its shard included. */
  filters: Filters;
  /** The recorded pace × speed; undefined for --rate and --asap (every worker starts at once). */
  speed?: number;
  /**
   * Called once: when the worker's first step is read (`first` its recorded time), or when the
   * input ended without one. Resolves with the shared start (epoch ms) once every worker is there.
   */
  ready: (found: { first?: number; earliest?: number }) => Promise<number>;
  /** Waits until an epoch-ms time (tests replace it). */
  until?: (epochMs: number) => Promise<void>;
}

const untilWallClock = (epochMs: number): Promise<void> =>
  new Promise((resolve) => {
    const wait = epochMs - Date.now();
    if (wait <= 0) resolve();
    else setTimeout(resolve, wait);
  });

export async function* holdForSharedStart(events: AsyncIterable<ReplayEvent>, o: SharedStartOptions): AsyncGenerator<ReplayEvent> {
  const f = o.filters;
  const states = f.states ? new Set<string>(f.states) : undefined;
  const passesAllButShard = (ev: ReplayEvent): boolean =>
    (f.sample === undefined || inSample(ev.sessionId, f.sample)) &&
    (states === undefined || (ev.finalState !== undefined && states.has(ev.finalState))) &&
    (f.from === undefined || ev.time >= f.from) &&
    (f.to === undefined || ev.time < f.to);
  const inShard = (ev: ReplayEvent): boolean => !f.shard || shardOf(ev.sessionId, f.shard.count) === f.shard.index;

  // Sessions seen before the first step is found: only a session's first event admits it.
  let seen: Set<string> | undefined = new Set();
  let earliest: number | undefined;
  for await (const ev of events) {
    if (seen !== undefined && !seen.has(ev.sessionId)) {
      seen.add(ev.sessionId);
      if (passesAllButShard(ev)) {
        earliest ??= ev.time;
        if (inShard(ev)) {
          seen = undefined;
          const start = await o.ready({ first: ev.time, earliest });
          await (o.until ?? untilWallClock)(start + (o.speed === undefined ? 0 : (ev.time - earliest) / o.speed));
        }
      }
    }
    yield ev;
  }
  if (seen !== undefined) await o.ready(earliest === undefined ? {} : { earliest });
}
