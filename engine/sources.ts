// Turns the engine's inputs into scheduled steps: recorded events (time-ordered, one reader pass
// per --loop) with the session-consistent filters applied, or generated session plans started at
// a fixed rate. Each source also says its frontier: no step it yields later is due before it,
// which is how the engine reads only as far ahead as the schedule needs.
import type { Dispatcher } from 'undici';
import { canSendDry, DRY_LEFT_OUT } from '../model/dry.ts';
import { endpointOf, type PlanStep, type SessionPlan } from '../model/plan.ts';
import { SESSIONS_PATH, type SessionState } from '../model/limits.ts';
import type { StepsLeftOut } from '../model/results-events.ts';
import type { ReplayEvent, RowIssue } from '../recordings/events.ts';
import { inSample, shardOf, type Shard } from './hash.ts';
import type { Pacer } from './pacer.ts';
import type { SessionTable } from './sessions.ts';
import type { Session, StepItem } from './types.ts';

/**
 * How steps are timed. `rate`: new sessions at `rate` per second, or, for generated plans, session i
 * at `startMs(i)` ms (a varying rate, e.g. k6-style stages; Infinity: no more sessions) when given.
 */
export type Timing =
  | { mode: 'speed'; speed: number }
  | { mode: 'rate'; rate: number; startMs?: (index: number) => number }
  | { mode: 'asap' };

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
  /**
   * Epoch ms at which reading began, when the caller read ahead before the engine started (the
   * order check, or the whole-file sort, happens before the first event): the run starts then,
   * so its summary shows that time before sendingStartedAt instead of leaving it out.
   */
  openedAt?: number;
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
  table: SessionTable;
  pacer: Pacer;
  /** Steps not turned into items: filtered by an option, or after their session failed. */
  leftOut: (why: StepsLeftOut['why'], reason: string, count?: number) => void;
  /** Called when a session's last step is dropped or filtered rather than sent. */
  ended: (s: Session) => void;
  /** A bad row the reader skipped (--on-error skip). */
  onIssue: (issue: RowIssue) => void;
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

/** `bodyText`: a recorded body, sent as it was read; a plan's body is serialised here, once. */
function makeItem(
  session: Session,
  step: PlanStep,
  path: string,
  due: number,
  last: boolean,
  dry: boolean,
  bodyText?: string,
): StepItem {
  session.pending++;
  const endpoint = endpointOf(step.method, step.path) ?? 'other';
  return {
    due,
    seq: seq++,
    session,
    stepName: step.step,
    endpoint,
    method: step.method as Dispatcher.HttpMethod,
    path: pathWithQuery(path, step.query, dry),
    body: bodyText ?? (step.body === undefined ? undefined : JSON.stringify(step.body)),
    recordedStatus: step.recordedStatus,
    last,
    ready: due,
    sentAt: 0,
  };
}

export interface RecordingSourceOptions {
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

/** The option (if any) that keeps a recorded session out, judged on its first event. */
function filterReason(
  f: Filters,
  states: Set<string> | undefined,
  ev: ReplayEvent,
  admitted: number,
): string | undefined {
  if (f.sample !== undefined && !inSample(ev.sessionId, f.sample)) return 'sample';
  if (f.shard && shardOf(ev.sessionId, f.shard.count) !== f.shard.index) return 'shard';
  if (states && (ev.finalState === undefined || !states.has(ev.finalState))) return 'state';
  if (f.from !== undefined && ev.time < f.from) return 'before-from';
  if (f.to !== undefined && ev.time >= f.to) return 'after-to';
  if (f.limit !== undefined && admitted >= f.limit) return 'limit';
  return undefined;
}

/** Recorded events, one reader pass per --loop, as scheduled steps. */
class RecordingSource implements Source {
  private loop = 0;
  private iterator: AsyncIterator<ReplayEvent> | undefined;
  private idPrefix = '';
  private encodedPrefix = '';
  private admitted = 0;
  private last = 0;
  private read = 0;
  private readonly states: Set<string> | undefined;
  /** Sessions already filtered by --from (→ recorded time of their latest step), so that their later steps are filtered too. */
  private readonly beforeFrom = new Map<string, number>();

  constructor(
    private readonly input: RecordingInput,
    private readonly o: RecordingSourceOptions,
    private readonly ctx: SourceContext,
  ) {
    this.states = o.filters.states ? new Set<string>(o.filters.states) : undefined;
  }

  get frontier(): number {
    return this.ctx.pacer.paced ? this.last : -Infinity;
  }

  async next(): Promise<StepItem | undefined> {
    for (;;) {
      this.iterator ??= this.startPass();
      const r = await this.iterator.next();
      if (r.done) {
        this.iterator = undefined;
        if (++this.loop >= this.o.loops) return undefined;
        this.ctx.pacer.nextPass();
        continue;
      }
      const item = this.step(r.value);
      if (item) return item;
    }
  }

  async close(): Promise<void> {
    await this.iterator?.return?.();
  }

  private startPass(): AsyncIterator<ReplayEvent> {
    this.idPrefix = this.o.sessionPrefix + (this.loop > 0 ? `L${this.loop + 1}-` : '');
    this.encodedPrefix = encodeURIComponent(this.idPrefix);
    return this.input.open(this.ctx.onIssue)[Symbol.asyncIterator]();
  }

  /** One event: an item to schedule, or undefined when it is filtered or skipped. */
  private step(ev: ReplayEvent): StepItem | undefined {
    if (++this.read % SWEEP_EVERY === 0) this.sweep(ev.time - this.o.sessionIdleMs);
    // Keyed by the recorded ID in the first pass (no concatenation per event); later passes'
    // keys carry the pass, so a session of pass 1 still in flight is not taken for pass 2's.
    const key = this.loop === 0 ? ev.sessionId : `${this.loop}\u0000${ev.sessionId}`;
    let s = this.ctx.table.get(key);
    const isNew = s === undefined;
    if (s === undefined) {
      s = this.admit(ev, key);
      if (s === undefined) return undefined;
    }
    s.lastTime = ev.time;
    const leftOut = s.failed ? 'session-failed' : this.o.dry && !canSendDry(ev.step) ? DRY_LEFT_OUT : undefined;
    if (leftOut !== undefined) {
      this.ctx.leftOut(s.failed ? 'session-failed' : 'filtered', leftOut);
      if (ev.lastOfSession) {
        s.ended = true;
        this.ctx.ended(s);
      }
      return undefined;
    }
    const due = this.ctx.pacer.recorded(ev.time, isNew);
    this.last = due;
    const path =
      this.idPrefix === '' || !ev.step.path.startsWith(SESSION_ROOT)
        ? ev.step.path
        : SESSION_ROOT + this.encodedPrefix + ev.step.path.slice(SESSION_ROOT.length);
    if (ev.lastOfSession) s.ended = true;
    // Neither --dry (a query parameter) nor the session prefix (in the path) touches the body.
    const item = makeItem(s, ev.step, path, due, ev.lastOfSession === true, this.o.dry, ev.bodyText);
    const mark = (ev as ReplayEvent & { mark?: number }).mark;
    if (mark !== undefined) item.mark = mark;
    return item;
  }

  /** A session's first event: the session, or undefined when an option keeps it out. */
  private admit(ev: ReplayEvent, key: string): Session | undefined {
    if (this.beforeFrom.has(key)) {
      this.ctx.leftOut('filtered', 'before-from');
      if (ev.lastOfSession) this.beforeFrom.delete(key);
      else this.beforeFrom.set(key, ev.time);
      return undefined;
    }
    const reason = filterReason(this.o.filters, this.states, ev, this.admitted);
    if (reason !== undefined) {
      this.ctx.leftOut('filtered', reason);
      if (reason === 'before-from' && !ev.lastOfSession) this.beforeFrom.set(key, ev.time);
      return undefined;
    }
    this.admitted++;
    return this.ctx.table.start(ev.sessionId, ev.kind, ev.time, this.idPrefix, key);
  }

  private sweep(before: number): void {
    if (this.ctx.table.size > SWEEP_MIN_SESSIONS) this.ctx.table.forgetIdle(before);
    if (this.beforeFrom.size > SWEEP_MIN_SESSIONS)
      for (const [id, t] of this.beforeFrom) if (t < before) this.beforeFrom.delete(id);
  }
}

export function recordingSource(input: RecordingInput, o: RecordingSourceOptions, ctx: SourceContext): Source {
  return new RecordingSource(input, o, ctx);
}

/** Generated session plans, session `index` starting when the pacer says; all of a plan's steps are made at once. */
export function planSource(input: PlansInput, ctx: SourceContext): Source {
  const durationMs = input.durationMs ?? Infinity;
  const limit = input.limit ?? Infinity;
  const pending: StepItem[] = [];
  let index = 0;
  let frontier = 0;

  const items = (plan: SessionPlan, start: number): StepItem[] => {
    const s = ctx.table.start(plan.sessionId, plan.kind);
    s.ended = true;
    if (plan.steps.length === 0) ctx.ended(s);
    let at = 0;
    return plan.steps.map((step, i) => {
      at = step.at ?? at;
      return makeItem(s, step, step.path, ctx.pacer.planStep(start, at), i === plan.steps.length - 1, false);
    });
  };

  async function next(): Promise<StepItem | undefined> {
    for (;;) {
      const item = pending.pop();
      if (item) return item;
      if (index >= limit) return undefined;
      const start = ctx.pacer.planStart(index);
      // Paced starts grow with the index; as fast as possible, the duration is measured on the clock.
      if (start >= durationMs) return undefined;
      frontier = start;
      const made = items(
        input.plan(index++, (reason, n) => ctx.leftOut('filtered', reason, n)),
        start,
      );
      // Handed out from the end: reverse so the session's first step comes first.
      for (let i = made.length - 1; i >= 0; i--) pending.push(made[i] as StepItem);
    }
  }

  return {
    next,
    get frontier() {
      return ctx.pacer.paced ? frontier : -Infinity;
    },
    async close() {
      // A plan is computed as it is read: no file or stream to release.
    },
  };
}
