// Turns the engine's inputs into scheduled steps: recorded events (time-ordered, one reader pass
// per --loop) with the session-consistent filters applied, or generated session plans started at
// a fixed rate. Each source also says its frontier: no step it yields later is due before it,
// which is how the engine reads only as far ahead as the schedule needs.
import type { Dispatcher } from 'undici';
import { endpointOf, type PlanStep, type SessionPlan } from '../model/plan.ts';
import { SESSIONS_PATH, type SessionState } from '../model/limits.ts';
import type { ReplayEvent, RowIssue } from '../recordings/events.ts';
import { inSample, shardOf, type Shard } from './hash.ts';
import type { SessionTable } from './sessions.ts';
import type { RunStats } from './stats.ts';
import type { Session, StepItem } from './types.ts';

/**
 * How steps are timed. `rate`: new sessions at `rate` per second, or, for generated plans, session i
 * at `startMs(i)` ms (a varying rate, e.g. k6-style stages; Infinity: no more sessions) when given.
 */
export type Timing = { mode: 'speed'; speed: number } | { mode: 'rate'; rate: number; startMs?: (index: number) => number } | { mode: 'asap' };

export interface Filters {
  /** Epoch ms: sessions whose first step is earlier are filtered ('before-from'). */
  from?: number;
  /** Epoch ms: sessions whose first step is at or after it are filtered ('after-to'). */
  to?: number;
  /** Keep sessions whose final recorded state is one of these ('state'). */
  states?: readonly SessionState[];
  /** Keep this fraction of sessions, by a hash of the recorded ID ('sample'). */
  sample?: number;
  /** Keep the sessions whose recorded ID hashes to this shard ('shard'). */
  shard?: Shard;
  /** Keep the first N admitted sessions (over all loops) ('limit'). */
  limit?: number;
}

export interface RecordingInput {
  kind: 'recording';
  /** What the summary calls the run: the file name. */
  name: string;
  /** Opens one pass over the recording; called once per loop. */
  open: (onIssue: (issue: RowIssue) => void) => AsyncIterable<ReplayEvent>;
  /** False for standard input, which cannot be read twice (--loop). */
  rewindable: boolean;
}

export interface PlansInput {
  kind: 'plans';
  name: string;
  /** The plan of session `index` (0-based); the session IDs it returns are sent as they are. `filtered` counts steps it left out, by reason. */
  plan: (index: number, filtered: (reason: string, steps: number) => void) => SessionPlan;
  /** Sessions start over this long (ms), at the timing's rate; required unless `limit` is set. */
  durationMs?: number;
  limit?: number;
}

export interface SourceContext {
  stats: RunStats;
  table: SessionTable;
  /** Called when a session's last step is dropped or filtered rather than sent. */
  ended: (s: Session) => void;
  /** Current time in ms since the run's anchor. */
  now: () => number;
  /** A bad row the reader skipped (--on-error skip); already counted in stats.skippedRows. */
  onIssue?: (issue: RowIssue) => void;
}

export interface Source {
  next(): Promise<StepItem | undefined>;
  /** No later item is due before this (ms since anchor); -Infinity when time does not matter. */
  readonly frontier: number;
  close(): Promise<void>;
}

let seq = 0;

function pathWithQuery(path: string, query: Record<string, string> | undefined, dry: boolean): string {
  if (!query && !dry) return path;
  const q = new URLSearchParams(query);
  if (dry) q.set('dry', 'true');
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** dry=true exists on update and returns; reopen has none, a GET needs none. */
const DRY_ABLE = new Set(['PUT /v2/customer_sessions/{id}', 'POST /v2/customer_sessions/{id}/returns']);

function makeItem(session: Session, step: PlanStep, path: string, due: number, last: boolean, dry: boolean): StepItem {
  session.pending++;
  const endpoint = endpointOf(step.method, step.path) ?? 'other';
  return {
    due,
    seq: seq++,
    session,
    stepName: step.step,
    endpoint,
    method: step.method as Dispatcher.HttpMethod,
    path: pathWithQuery(path, step.query, dry && DRY_ABLE.has(endpoint)),
    body: step.body === undefined ? undefined : JSON.stringify(step.body),
    recordedStatus: step.recordedStatus,
    last,
    ready: due,
    sentAt: 0,
  };
}

export interface RecordingSourceOptions {
  timing: Timing;
  filters: Filters;
  /** Prepended to every recorded session ID; '' keeps the recorded IDs. */
  sessionPrefix: string;
  loops: number;
  dry: boolean;
  /** Forget a session after this long of recorded time without a step (request logs never mark a session's last step). */
  sessionIdleMs: number;
}

/** How often (in events read) idle sessions are swept, once the table is big enough to matter. */
const SWEEP_EVERY = 4096;
const SWEEP_MIN_SESSIONS = 1000;

const SESSION_ROOT = `${SESSIONS_PATH}/`;

export function recordingSource(input: RecordingInput, o: RecordingSourceOptions, ctx: SourceContext): Source {
  const { stats, table } = ctx;
  const f = o.filters;
  const states = f.states ? new Set<string>(f.states) : undefined;
  let loop = 0;
  let iterator: AsyncIterator<ReplayEvent> | undefined;
  let encodedPrefix = '';
  let idPrefix = '';
  let t0: number | undefined;
  let loopOffset = 0;
  let lastDue = 0;
  let admitted = 0;
  let frontier = 0;
  let read = 0;
  /** Sessions already filtered by --from (→ recorded time of their latest step), so that their later steps are filtered too. */
  const beforeFrom = new Map<string, number>();

  const startLoop = (): void => {
    idPrefix = o.sessionPrefix + (loop > 0 ? `L${loop + 1}-` : '');
    encodedPrefix = encodeURIComponent(idPrefix);
    t0 = undefined;
    const events = input.open((issue) => {
      stats.skipRow(issue.reason);
      ctx.onIssue?.(issue);
    });
    iterator = events[Symbol.asyncIterator]();
  };

  const admit = (ev: ReplayEvent): string | undefined => {
    if (f.sample !== undefined && !inSample(ev.sessionId, f.sample)) return 'sample';
    if (f.shard && shardOf(ev.sessionId, f.shard.count) !== f.shard.index) return 'shard';
    if (states && (ev.finalState === undefined || !states.has(ev.finalState))) return 'state';
    if (f.from !== undefined && ev.time < f.from) return 'before-from';
    if (f.to !== undefined && ev.time >= f.to) return 'after-to';
    if (f.limit !== undefined && admitted >= f.limit) return 'limit';
    return undefined;
  };

  const dueOf = (ev: ReplayEvent, isNew: boolean): number => {
    switch (o.timing.mode) {
      case 'speed':
        t0 ??= ev.time;
        return loopOffset + Math.max(0, ev.time - t0) / o.timing.speed;
      case 'rate':
        // New sessions start at the rate; a session's later steps go when the stream reaches them.
        return isNew ? ((admitted - 1) * 1000) / o.timing.rate : frontier;
      case 'asap':
        return ctx.now();
    }
  };

  async function next(): Promise<StepItem | undefined> {
    for (;;) {
      if (!iterator) startLoop();
      const r = await (iterator as AsyncIterator<ReplayEvent>).next();
      if (r.done) {
        loop++;
        iterator = undefined;
        if (loop >= o.loops) return undefined;
        loopOffset = lastDue;
        continue;
      }
      const ev = r.value;
      if (++read % SWEEP_EVERY === 0) {
        const before = ev.time - o.sessionIdleMs;
        if (table.size > SWEEP_MIN_SESSIONS) table.forgetIdle(before);
        if (beforeFrom.size > SWEEP_MIN_SESSIONS) for (const [id, t] of beforeFrom) if (t < before) beforeFrom.delete(id);
      }
      // Keyed by the recorded ID in the first pass (no concatenation per event); later passes'
      // keys carry the pass, so a session of pass 1 still in flight is not taken for pass 2's.
      const id = loop === 0 ? ev.sessionId : `${loop}\u0000${ev.sessionId}`;
      let s = table.get(id);
      let isNew = false;
      if (!s) {
        if (beforeFrom.has(id)) {
          stats.filter('before-from');
          if (ev.lastOfSession) beforeFrom.delete(id);
          else beforeFrom.set(id, ev.time);
          continue;
        }
        const reason = admit(ev);
        if (reason !== undefined) {
          stats.filter(reason);
          if (reason === 'before-from' && !ev.lastOfSession) beforeFrom.set(id, ev.time);
          continue;
        }
        admitted++;
        isNew = true;
        s = table.start(ev.sessionId, ev.kind, ev.time, idPrefix, id);
      }
      s.lastTime = ev.time;
      if (s.failed) {
        stats.skippedSteps++;
        if (ev.lastOfSession) {
          s.ended = true;
          ctx.ended(s);
        }
        continue;
      }
      if (o.dry && ev.step.method === 'PUT' && ev.step.path.endsWith('/reopen')) {
        stats.filter('dry-reopen');
        if (ev.lastOfSession) {
          s.ended = true;
          ctx.ended(s);
        }
        continue;
      }
      const due = dueOf(ev, isNew);
      if (o.timing.mode !== 'asap') frontier = due;
      if (due > lastDue) lastDue = due;
      const path =
        idPrefix === '' || !ev.step.path.startsWith(SESSION_ROOT)
          ? ev.step.path
          : SESSION_ROOT + encodedPrefix + ev.step.path.slice(SESSION_ROOT.length);
      if (ev.lastOfSession) s.ended = true;
      return makeItem(s, ev.step, path, due, ev.lastOfSession === true, o.dry);
    }
  }

  return {
    next,
    get frontier() {
      return o.timing.mode === 'asap' ? -Infinity : frontier;
    },
    async close() {
      await iterator?.return?.();
    },
  };
}

export function planSource(input: PlansInput, timing: Timing, ctx: SourceContext): Source {
  if (input.durationMs === undefined && input.limit === undefined) throw new Error('a plans input needs durationMs or limit');
  const durationMs = input.durationMs ?? Infinity;
  const limit = input.limit ?? Infinity;
  const pending: StepItem[] = [];
  let index = 0;
  let frontier = 0;
  const speed = timing.mode === 'speed' ? timing.speed : 1;

  async function next(): Promise<StepItem | undefined> {
    for (;;) {
      const item = pending.pop();
      if (item) return item;
      if (index >= limit) return undefined;
      const start = timing.mode === 'rate' ? (timing.startMs ? timing.startMs(index) : (index * 1000) / timing.rate) : timing.mode === 'asap' ? ctx.now() : 0;
      if (start >= durationMs) return undefined;
      const plan = input.plan(index++, (reason, n) => ctx.stats.filter(reason, n));
      frontier = start;
      const s = ctx.table.start(plan.sessionId, plan.kind);
      let at = 0;
      const items: StepItem[] = [];
      plan.steps.forEach((step, i) => {
        at = step.at ?? at;
        const due = timing.mode === 'asap' ? start : start + at / speed;
        items.push(makeItem(s, step, step.path, due, i === plan.steps.length - 1, false));
      });
      if (items.length === 0) {
        s.ended = true;
        ctx.ended(s);
        continue;
      }
      s.ended = true;
      // Handed out from the end: reverse so the session's first step comes first.
      for (let i = items.length - 1; i >= 0; i--) pending.push(items[i] as StepItem);
    }
  }

  return {
    next,
    get frontier() {
      return timing.mode === 'asap' ? -Infinity : frontier;
    },
    async close() {},
  };
}
