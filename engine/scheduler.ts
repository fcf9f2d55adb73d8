// Decides what is sent when. Pure: no timers, no HTTP. The caller passes the clock (`t`, ms since
// the anchor) into every call and is told, through `send`, which step goes now; tests drive it
// with a hand-made clock.
//
// Rules: a step goes at its due time (paced) or when read (as fast as possible); never two steps
// of one session at once (a step due while its session is busy waits in that session's FIFO and
// goes when the predecessor answers, with `ready` = that moment); at most `connections` in flight
// (the rest wait in arrival order); after a failed step, the session's later steps are left out.
import { DueHeap } from '../recordings/sort/heap.ts';
import type { StepsLeftOut, SessionChange } from '../model/results-events.ts';
import type { Session, StepItem } from './types.ts';

/** What the scheduler tells the rest of the engine. ResultsStream provides `session` and `leftOut`. */
export interface SchedulerHooks {
  /** Hand `item` to a connection now (its sentAt is set). */
  send(item: StepItem, t: number): void;
  session(change: SessionChange['change'], s: Session): void;
  leftOut(why: StepsLeftOut['why'], reason: string, count?: number): void;
  /** The session will get no more steps: drop it from the session table. */
  forget(s: Session): void;
  /** Every session in the table (to find steps queued behind a predecessor). */
  sessions(): Iterable<Session>;
}

export class Scheduler {
  /** Steps handed to a connection and not yet answered. */
  inFlight = 0;
  /** Steps added and not yet answered or left out. */
  buffered = 0;
  private readonly heap = new DueHeap<StepItem>();
  /** Steps whose session allows them but that wait for a free connection. */
  private ready: StepItem[] = [];
  private readyHead = 0;
  private stopped = false;

  constructor(
    private readonly connections: number,
    private readonly paced: boolean,
    private readonly hooks: SchedulerHooks,
  ) {}

  /** A step was read: it waits for its due time (paced) or is due at once. */
  add(item: StepItem, t: number): void {
    if (this.stopped) return this.discard(item, 'stopped');
    this.buffered++;
    if (this.paced) this.heap.push(item);
    else this.onDue(item, t);
  }

  /** Due time of the earliest waiting step (Infinity when none). */
  nextDue(): number {
    return this.heap.peek()?.due ?? Infinity;
  }

  /** Sends what is due at `t`, as far as connections allow. */
  pump(t: number): void {
    if (this.stopped) return;
    for (let top = this.heap.peek(); top !== undefined && top.due <= t; top = this.heap.peek())
      this.onDue(this.heap.pop() as StepItem, t);
    const ready = this.ready;
    while (this.inFlight < this.connections && this.readyHead < ready.length) {
      const item = ready[this.readyHead] as StepItem;
      ready[this.readyHead++] = undefined as unknown as StepItem; // let the item go while the array is reused
      this.send(item, t);
    }
    if (this.readyHead === ready.length && this.readyHead > 0) {
      ready.length = 0;
      this.readyHead = 0;
    }
  }

  /** `item` was answered at `t`; `failed` fails its session. The caller pumps afterwards. */
  answered(item: StepItem, t: number, failed: boolean): void {
    const s = item.session;
    this.inFlight--;
    this.buffered--;
    s.pending--;
    s.busy = false;
    if (failed) this.fail(s);
    else if (s.queue !== undefined && s.queue.length > 0 && !this.stopped) {
      const next = s.queue.shift() as StepItem;
      // Most sessions wait for one step at most: give the array back rather than keep its capacity.
      if (s.queue.length === 0) s.queue = undefined;
      next.ready = t;
      this.dispatch(next, t);
    }
    if (item.last || s.failed) this.forgetIfIdle(s);
  }

  /** A step read after the run stopped: counted as unsent. */
  discard(item: StepItem, reason: string): void {
    item.session.pending--;
    this.hooks.leftOut('unsent', reason);
    this.cut(item.session);
  }

  /** No new step is sent from now on; every step waiting is left out as unsent. */
  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.hooks.leftOut(
      'unsent',
      reason,
      this.dropWhere(() => true),
    );
  }

  /** Leaves out the waiting steps of every session that has not sent a step yet (a --duration deadline). */
  closeAdmission(reason: string): void {
    this.hooks.leftOut(
      'unsent',
      reason,
      this.dropWhere((item) => !item.session.begun),
    );
  }

  /** Leaves out the waiting steps (due, ready, or queued behind a predecessor) for which `drop` holds; returns how many. */
  private dropWhere(drop: (item: StepItem) => boolean): number {
    let n = 0;
    const leave = (item: StepItem): void => {
      n++;
      this.buffered--;
      item.session.pending--;
      this.cut(item.session);
    };
    const kept: StepItem[] = [];
    for (let item = this.heap.pop(); item; item = this.heap.pop()) {
      if (drop(item)) leave(item);
      else kept.push(item);
    }
    for (const item of kept) this.heap.push(item);
    const ready: StepItem[] = [];
    for (let i = this.readyHead; i < this.ready.length; i++) {
      const item = this.ready[i] as StepItem;
      if (drop(item)) leave(item);
      else ready.push(item);
    }
    this.ready = ready;
    this.readyHead = 0;
    for (const s of this.hooks.sessions()) {
      if (s.queue === undefined || !drop(s.queue[0] as StepItem)) continue;
      for (const item of s.queue) leave(item);
      s.queue = undefined;
    }
    return n;
  }

  private cut(s: Session): void {
    if (s.failed || s.cut) return;
    s.cut = true;
    this.hooks.session('cut', s);
  }

  private onDue(item: StepItem, t: number): void {
    const s = item.session;
    if (s.failed) {
      this.buffered--;
      s.pending--;
      this.hooks.leftOut('session-failed', 'session-failed');
      this.forgetIfIdle(s);
    } else if (s.busy) (s.queue ??= []).push(item);
    else this.dispatch(item, t);
  }

  /** The session is free: send now, or wait for a connection. */
  private dispatch(item: StepItem, t: number): void {
    item.session.busy = true;
    if (this.inFlight < this.connections && this.readyHead === this.ready.length) this.send(item, t);
    else this.ready.push(item);
  }

  private send(item: StepItem, t: number): void {
    this.inFlight++;
    item.sentAt = t;
    item.session.begun = true;
    this.hooks.send(item, t);
  }

  private fail(s: Session): void {
    // A session the stop already cut is counted once, as cut: its in-flight step failing then
    // (usually aborted by the drain) is the stop's doing.
    if (!s.failed && !s.cut) this.hooks.session('failed', s);
    s.failed = true;
    const dropped = s.queue?.length ?? 0;
    this.buffered -= dropped;
    s.pending -= dropped;
    s.queue = undefined;
    this.hooks.leftOut('session-failed', 'session-failed', dropped);
  }

  /** The session's last step was read and left out: forget it once nothing of it waits. */
  ended(s: Session): void {
    this.forgetIfIdle(s);
  }

  private forgetIfIdle(s: Session): void {
    if (s.ended && !s.busy && (s.queue === undefined || s.queue.length === 0)) this.hooks.forget(s);
  }
}
