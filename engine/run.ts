// One run of the engine: the clock, the timer, the reader and the answers around the pure
// Scheduler, and how a run stops (an interrupt, bad input, the end of --duration) and drains.
//
// Time: the anchor is set when the run starts sending, after the input's first step was read (a
// reader that sorts or decompresses first must not make every step late by that much). One timer
// is armed for the earliest due step; the reader is pulled only while the source's frontier is
// within `lookaheadMs` of now and fewer than `maxBuffered` steps wait, so a file of any size
// replays in constant memory.
import { performance } from 'node:perf_hooks';
import type { NoAnswer, RunEnd, StopReason } from '../model/results-events.ts';
import { RecordingError } from '../recordings/events.ts';
import type { Settings, StepHooks } from './options.ts';
import { Scheduler } from './scheduler.ts';
import type { Outcome, Sender } from './sender.ts';
import type { SessionTable } from './sessions.ts';
import type { Source } from './sources.ts';
import type { ResultsStream } from './stream.ts';
import type { StepItem } from './types.ts';

/** The first few distinct failures get the answer's body, to explain them; the rest skip reading it. */
class FailureDetails {
  private readonly keys = new Set<string>();
  constructor(private readonly max: number) {}

  get wanted(): boolean {
    return this.keys.size < this.max;
  }

  of(item: StepItem, o: Outcome): string | undefined {
    if (this.keys.size >= this.max) return undefined;
    const key = `${item.endpoint} ${'error' in o ? o.error : o.status}`;
    if (this.keys.has(key)) return undefined;
    const detail =
      'error' in o ? o.message : o.body === undefined ? undefined : o.body.replace(/\s+/g, ' ').slice(0, 300);
    if (detail !== undefined) this.keys.add(key);
    return detail;
  }
}

export interface RunParts {
  settings: Settings;
  sender: Sender;
  stream: ResultsStream;
  table: SessionTable;
  /** The input's name, for messages about it. */
  inputName: string;
  /** Hears marked steps being sent and answered (EngineOptions.steps). */
  steps?: StepHooks;
}

export class EngineRun {
  readonly scheduler: Scheduler;
  /** Requests handed to a connection so far. */
  sent = 0;
  interrupted = false;
  /** Called once when the run starts stopping (live progress ends there). */
  onStopping: (() => void) | undefined;
  private source: Source | undefined;
  private anchor = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private deadlines: NodeJS.Timeout[] = [];
  private wakeReader: (() => void) | undefined;
  private sourceDone = false;
  private admissionClosed = false;
  private stopReason: StopReason | undefined;
  private message: string | undefined;
  private readError: unknown;
  private finish: () => void = () => undefined;
  private onIdle: (() => void) | undefined;
  private readonly details = new FailureDetails(5);
  private readonly lowWater: number;

  constructor(private readonly p: RunParts) {
    const { settings: s, stream, table } = p;
    this.scheduler = new Scheduler(s.connections, s.paced, {
      send: (item) => this.send(item),
      session: (change, session) => stream.session(change, session),
      leftOut: (why, reason, count) => stream.leftOut(why, reason, count),
      forget: (session) => table.forget(session),
      sessions: () => table.values(),
    });
    // A waiting reader is woken only once the buffer has drained to a quarter below full, so it
    // reads in runs rather than one step per answer.
    this.lowWater = s.maxBuffered - Math.max(1, s.maxBuffered >> 2);
  }

  /** ms since the anchor. */
  readonly now = (): number => performance.now() - this.anchor;

  /** Reads the input's first step (checking its header and first rows) before anything is sent. */
  async prime(source: Source): Promise<StepItem | undefined> {
    this.source = source;
    try {
      return await source.next();
    } catch (err) {
      this.readFailed(err);
      return undefined;
    }
  }

  /** Why the run stopped early ('bad-input' and 'read-error' carry a message). */
  get stopped(): { reason: StopReason | undefined; message: string | undefined; readError: unknown } {
    return { reason: this.stopReason, message: this.message, readError: this.readError };
  }

  /** Anchors the clock and sends until the input ends or the run stops; then drains. */
  async run(first: StepItem, signals: { signal?: AbortSignal; hard?: AbortSignal }): Promise<void> {
    this.anchor = performance.now();
    this.p.stream.emit({ type: 'phase', phase: 'sending', epochMs: Date.now() });
    if (!this.p.settings.paced) first.due = first.ready = 0;
    const finished = new Promise<void>((resolve) => (this.finish = resolve));
    const unlisten = this.listen(signals);
    this.armDeadlines();
    this.take(first);
    const reading = this.read();
    try {
      await finished;
      await this.drain();
      await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 100).unref())]);
    } finally {
      unlisten();
      for (const d of this.deadlines) clearTimeout(d);
      if (this.timer) clearTimeout(this.timer);
    }
  }

  /** The run-end event's facts. */
  end(notes: readonly string[]): RunEnd {
    const { table, settings } = this.p;
    return {
      type: 'run-end',
      epochMs: Date.now(),
      interrupted: this.interrupted,
      stopReason: this.stopReason,
      message: this.message,
      forgottenSessions: table.forgotten,
      sessionIdleMs: settings.sessionIdleMs,
      notes,
    };
  }

  private listen(signals: { signal?: AbortSignal; hard?: AbortSignal }): () => void {
    const onAbort = (): void => {
      this.interrupted = true;
      this.stop('interrupted');
    };
    const onHard = (): void => {
      onAbort();
      void this.p.sender.destroy().catch(() => undefined);
    };
    if (signals.signal?.aborted) onAbort();
    if (signals.hard?.aborted) onHard();
    signals.signal?.addEventListener('abort', onAbort, { once: true });
    signals.hard?.addEventListener('abort', onHard, { once: true });
    return () => {
      signals.signal?.removeEventListener('abort', onAbort);
      signals.hard?.removeEventListener('abort', onHard);
    };
  }

  // --- sending and answers ----------------------------------------------------------------------

  private send(item: StepItem): void {
    this.sent++;
    if (item.mark !== undefined) this.p.steps?.sending(item.mark, item.session.id, item.stepName);
    // onAnswer itself is the callback, the item its context: no closure per request.
    this.p.sender.send(item.method, item.path, item.body, this.details.wanted, this.onAnswer, item);
  }

  private readonly onAnswer = (item: StepItem, o: Outcome): void => {
    const t = this.now();
    const status = o.status;
    const ok = status >= 200 && status < 300;
    const failed = !ok && (status === 0 || item.recordedStatus !== status);
    const error = status === 0 ? (o as { error: NoAnswer }).error : undefined;
    this.p.stream.outcome(item, status, error, failed, failed ? this.details.of(item, o) : undefined, t);
    if (item.mark !== undefined) this.p.steps?.answered(item.mark, !failed, error === 'aborted');
    this.scheduler.answered(item, t, failed);
    if (this.scheduler.inFlight === 0) this.onIdle?.();
    this.pump();
  };

  // --- the clock --------------------------------------------------------------------------------

  private pump(): void {
    const t = this.now();
    const sch = this.scheduler;
    if (this.stopReason === undefined) sch.pump(t);
    if (this.wakeReader && sch.buffered <= this.lowWater && this.frontier() <= t + this.p.settings.lookaheadMs) {
      const w = this.wakeReader;
      this.wakeReader = undefined;
      w();
    }
    // Next wake-up: the earliest due step, or the moment the reader may read again.
    let at = sch.nextDue();
    if (this.wakeReader && sch.buffered <= this.lowWater)
      at = Math.min(at, this.frontier() - this.p.settings.lookaheadMs);
    if (at < this.timerAt || this.timer === undefined) this.arm(at, t);
    this.checkDone();
  }

  private arm(at: number, t: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    if (at === Infinity || this.stopReason !== undefined) return;
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.max(0, at - t));
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    this.pump();
  };

  private frontier(): number {
    return this.source?.frontier ?? -Infinity;
  }

  private checkDone(): void {
    const sch = this.scheduler;
    if (this.stopReason !== undefined ? sch.buffered === sch.inFlight : this.sourceDone && sch.buffered === 0)
      this.finish();
  }

  // --- the reader -------------------------------------------------------------------------------

  private mayRead(t: number): boolean {
    return this.scheduler.buffered < this.p.settings.maxBuffered && this.frontier() <= t + this.p.settings.lookaheadMs;
  }

  private get keepReading(): boolean {
    return this.stopReason === undefined && !this.admissionClosed;
  }

  private async read(): Promise<void> {
    const source = this.source as Source;
    try {
      while (this.keepReading) {
        if (!this.mayRead(this.now())) {
          await new Promise<void>((resolve) => {
            this.wakeReader = resolve;
            this.pump();
          });
          continue;
        }
        const item = await source.next();
        if (item === undefined) break;
        if (!this.keepReading) this.scheduler.discard(item, this.stopReason === undefined ? 'duration' : 'stopped');
        else this.take(item);
      }
    } catch (err) {
      this.readFailed(err);
    } finally {
      this.sourceDone = true;
      this.pump();
    }
  }

  /** A step read: scheduled; steps due now go at once, later ones wait for the timer. */
  private take(item: StepItem): void {
    const t = this.now();
    this.scheduler.add(item, t);
    if (!this.p.settings.paced || item.due <= t || item.due < this.timerAt) this.pump();
  }

  /** Kept, not thrown: the run still drains and writes its summary, then reports it. */
  private readFailed(err: unknown): void {
    const code = (err as { code?: string } | null)?.code;
    if (err instanceof RecordingError) this.stopFor('bad-input', err.message);
    else if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
      this.stopFor('bad-input', `${this.p.inputName}: ${(err as Error).message}`);
    else {
      this.readError = err;
      this.stopFor('read-error', err instanceof Error ? err.message : String(err));
    }
  }

  // --- stopping ---------------------------------------------------------------------------------

  private stopFor(reason: StopReason, message: string): void {
    this.message ??= message;
    this.stop(reason);
  }

  /** No new step is sent: what waits is counted as unsent; requests in flight may still answer. */
  stop(reason: StopReason): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    this.onStopping?.();
    this.p.stream.emit({ type: 'phase', phase: 'stopping', epochMs: Date.now(), reason });
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduler.stop(reason === 'interrupted' ? 'stopped' : reason);
    this.wakeReader?.();
    void this.source?.close().catch(() => undefined);
    this.checkDone();
  }

  /** --duration: at its end no session starts any more; at its end + gracefulStop the rest is cut. */
  private armDeadlines(): void {
    const { deadlineMs, gracefulStopMs } = this.p.settings;
    if (deadlineMs === undefined) return;
    const at = (ms: number, f: () => void): void =>
      void this.deadlines.push(setTimeout(f, Math.max(0, ms - this.now())));
    at(deadlineMs, () => {
      this.admissionClosed = true;
      this.scheduler.closeAdmission('duration');
      this.wakeReader?.();
      void this.source?.close().catch(() => undefined);
      this.pump();
    });
    at(deadlineMs + gracefulStopMs, () => this.stop('duration'));
  }

  /** Requests in flight get the drain timeout to answer; then the pool is cut and they count as aborted. */
  private async drain(): Promise<void> {
    if (this.scheduler.inFlight === 0) return;
    this.p.stream.emit({ type: 'phase', phase: 'draining', epochMs: Date.now() });
    if (!(await this.idle(this.p.settings.drainTimeoutMs))) {
      await this.p.sender.destroy().catch(() => undefined);
      await this.idle(1000);
    }
  }

  /** True once nothing is in flight, false when `ms` passed first. */
  private idle(ms: number): Promise<boolean> {
    if (this.scheduler.inFlight === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.onIdle = () => {
        clearTimeout(timer);
        this.onIdle = undefined;
        resolve(true);
      };
    });
  }
}
