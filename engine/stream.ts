// The engine's side of the results stream (model/results-events.ts): it hands every event to each
// consumer in order. A StepOutcome and a SessionChange object are reused for the whole run, so
// the hot path allocates nothing here.
//
// Before the run starts (the run folder does not exist yet while the input's first step is being
// read), events are held, copied; the first row issue starts the run at once, since bad rows must
// reach their log however many there are.
import type {
  NoAnswer,
  ResultsConsumer,
  ResultsEvent,
  RunStart,
  SessionChange,
  StepOutcome,
  StepsLeftOut,
} from '../model/results-events.ts';
import type { Session, StepItem } from './types.ts';

/** Held events beyond this start the run, so holding never grows without bound. */
const MAX_HELD = 10_000;

export class ResultsStream {
  private readonly step: StepOutcome = {
    type: 'step',
    session: '',
    kind: '',
    step: '',
    endpoint: '',
    method: '',
    path: '',
    status: 0,
    error: undefined,
    failed: false,
    asRecorded: false,
    detail: undefined,
    intendedMs: 0,
    readyMs: 0,
    sentMs: 0,
    answeredMs: 0,
    latencyMs: 0,
    lagMs: 0,
    waitingMs: 0,
  };
  private readonly change: SessionChange = { type: 'session', change: 'started', session: '', kind: '' };
  private held: ResultsEvent[] | undefined = [];

  /** `start` creates the run folder and describes the run; called once, when the first event must go out. */
  constructor(
    private readonly consumers: readonly ResultsConsumer[],
    private readonly start: () => RunStart,
  ) {}

  get started(): boolean {
    return this.held === undefined;
  }

  /** Starts the run (run-start, then what was held); idempotent. */
  begin(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    this.emit(this.start());
    for (const e of held) this.emit(e);
  }

  emit(e: ResultsEvent): void {
    if (this.held !== undefined) {
      this.hold(e);
      return;
    }
    for (let i = 0; i < this.consumers.length; i++) (this.consumers[i] as ResultsConsumer).event(e);
  }

  private hold(e: ResultsEvent): void {
    const held = this.held as ResultsEvent[];
    held.push(e === this.change ? { ...this.change } : e);
    if (e.type === 'row-issue' || held.length >= MAX_HELD) this.begin();
  }

  session(change: SessionChange['change'], s: Session): void {
    const c = this.change;
    c.change = change;
    c.session = s.id;
    c.kind = s.kind;
    this.emit(c);
  }

  leftOut(why: StepsLeftOut['why'], reason: string, count = 1): void {
    if (count > 0) this.emit({ type: 'left-out', why, reason, count });
  }

  /** One answered (or unanswered) request; `t` is when the answer came. */
  outcome(
    item: StepItem,
    status: number,
    error: NoAnswer | undefined,
    failed: boolean,
    detail: string | undefined,
    t: number,
  ): void {
    const e = this.step;
    const s = item.session;
    e.session = s.id;
    e.kind = s.kind;
    e.step = item.stepName;
    e.endpoint = item.endpoint;
    e.method = item.method;
    e.path = item.path;
    e.status = status;
    e.error = error;
    e.failed = failed;
    e.asRecorded = status !== 0 && !failed && (status < 200 || status >= 300);
    e.detail = detail;
    e.intendedMs = item.due;
    e.readyMs = item.ready;
    e.sentMs = item.sentAt;
    e.answeredMs = t;
    e.latencyMs = t - item.sentAt;
    e.lagMs = item.sentAt - item.ready;
    e.waitingMs = item.ready - item.due;
    this.emit(e);
  }

  /** Steps left out by events still held (the run never started), by reason: to say why nothing was sent. */
  heldLeftOut(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.held ?? []) if (e.type === 'left-out') out[e.reason] = (out[e.reason] ?? 0) + e.count;
    return out;
  }

  /** Awaits every consumer's close(), in order. */
  async close(): Promise<void> {
    for (const c of this.consumers) await c.close?.();
  }
}
