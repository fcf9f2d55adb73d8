// The results writer's input side: a consumer fed one call per event of a run (a step answered,
// a step sent late, a session started or ended, a counter, a gauge), in any engine. It keeps
// whole-run tallies per step and endpoint and the time slices, and turns them into a Results
// object at the end. Hot path: a few increments and dense-array histogram records per answer, no
// object per event. Pure: no Node APIs.
import { HISTOGRAM_SCHEME, LogHistogram } from './histogram.ts';
import {
  RESULTS_FORMAT,
  RESULTS_VERSION,
  type CapacityCurve,
  type RequestTally,
  type Results,
  type RunInfo,
  type ThresholdRecord,
} from './format.ts';
import { TimelineAcc } from './timeline.ts';

const STATUS_TEXT: string[] = [];
/** "200", "409", … and "error" for 0 (no answer); strings made once per status. */
export const statusKey = (status: number): string =>
  status === 0 ? 'error' : (STATUS_TEXT[status] ??= String(status));

export class TallyAcc {
  count = 0;
  failed = 0;
  readonly statuses: Record<string, number> = {};
  readonly latency = new LogHistogram();

  add(status: string, failed: boolean, latencyMs: number | undefined): void {
    this.count++;
    if (failed) this.failed++;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (latencyMs !== undefined) this.latency.recordMs(latencyMs);
  }

  merge(o: TallyAcc): void {
    this.count += o.count;
    this.failed += o.failed;
    for (const [k, v] of Object.entries(o.statuses)) this.statuses[k] = (this.statuses[k] ?? 0) + v;
    this.latency.add(o.latency);
  }

  encode(): RequestTally {
    const statuses: Record<string, number> = {};
    for (const k of Object.keys(this.statuses).sort()) statuses[k] = this.statuses[k]!;
    return { count: this.count, failed: this.failed, statuses, latency: this.latency.encode() };
  }

  static decode(t: RequestTally): TallyAcc {
    const a = new TallyAcc();
    a.count = t.count;
    a.failed = t.failed;
    Object.assign(a.statuses, t.statuses);
    a.latency.add(LogHistogram.decode(t.latency));
    return a;
  }
}

export type SessionEvent = 'started' | 'completed' | 'failed';

/** What the engine knows at the end that events do not carry. */
export interface FinishInfo {
  run: RunInfo;
  thresholds?: ThresholdRecord[];
  notes?: string[];
  /** Replaces the session counts built from session() events (an engine that tracks them itself). */
  sessions?: Results['sessions'];
  skippedRows?: Record<string, number>;
  filteredSteps?: Record<string, number>;
  capacity?: CapacityCurve;
}

export class ResultsCollector {
  readonly overall = new TallyAcc();
  readonly byStep = new Map<string, TallyAcc>();
  readonly byEndpoint = new Map<string, TallyAcc>();
  readonly timeline: TimelineAcc;
  fromIntended: LogHistogram | undefined;
  lagHistogram: LogHistogram | undefined;
  waitingHistogram: LogHistogram | undefined;
  readonly counters: Record<string, number> = {};
  readonly sessions = {
    started: 0,
    completed: 0,
    failed: 0,
    skippedSteps: 0,
    byKind: {} as Record<string, { completed: number; failed: number }>,
  };

  constructor(widthMs?: number) {
    this.timeline = new TimelineAcc(widthMs);
  }

  private tally(map: Map<string, TallyAcc>, key: string): TallyAcc {
    let t = map.get(key);
    if (!t) map.set(key, (t = new TallyAcc()));
    return t;
  }

  /**
   * One request's outcome. `at`: epoch ms of the answer (or of the failure); `status` 0 = no
   * answer; `latencyMs`: sent → answered (absent without an answer); `fromIntendedMs`: intended
   * send → answered, for open-model engines.
   */
  answer(
    at: number,
    step: string,
    endpoint: string,
    status: number,
    failed: boolean,
    latencyMs?: number,
    fromIntendedMs?: number,
  ): void {
    const key = statusKey(status);
    this.overall.add(key, failed, latencyMs);
    this.tally(this.byStep, step).add(key, failed, latencyMs);
    this.tally(this.byEndpoint, endpoint).add(key, failed, latencyMs);
    const s = this.timeline.at(at).step(step);
    s.n++;
    if (failed) s.failed++;
    if (latencyMs !== undefined) s.latency.recordMs(latencyMs);
    if (fromIntendedMs !== undefined) (this.fromIntended ??= new LogHistogram()).recordMs(fromIntendedMs);
  }

  /** A step sent `lagMs` after it was ready (open-model engines). */
  lag(at: number, lagMs: number): void {
    (this.lagHistogram ??= new LogHistogram()).recordMs(lagMs);
    (this.timeline.at(at).lag ??= new LogHistogram()).recordMs(lagMs);
  }

  /** A step that became ready `waitingMs` after its intended time because its session's previous step had not answered. */
  waiting(at: number, waitingMs: number): void {
    (this.waitingHistogram ??= new LogHistogram()).recordMs(waitingMs);
    (this.timeline.at(at).waiting ??= new LogHistogram()).recordMs(waitingMs);
  }

  session(at: number, kind: string, event: SessionEvent): void {
    const k = (this.sessions.byKind[kind] ??= { completed: 0, failed: 0 });
    if (event === 'started') this.sessions.started++;
    else if (event === 'completed') {
      this.sessions.completed++;
      k.completed++;
    } else {
      this.sessions.failed++;
      k.failed++;
    }
    this.timeline
      .at(at)
      .count(
        event === 'started' ? 'sessionsStarted' : event === 'completed' ? 'sessionsCompleted' : 'sessionsFailed',
        1,
      );
  }

  skippedSteps(at: number, n: number): void {
    this.sessions.skippedSteps += n;
    this.timeline.at(at).count('skippedSteps', n);
  }

  /** Any other count (rejectedCoupons, droppedIterations, checksPassed, …), whole run and per slice. */
  count(at: number, name: string, n = 1): void {
    this.counters[name] = (this.counters[name] ?? 0) + n;
    this.timeline.at(at).count(name, n);
  }

  /** A sampled value (k6: vus); each slice keeps its highest. */
  gauge(at: number, name: string, value: number): void {
    this.timeline.at(at).gauge(name, value);
  }

  finish(info: FinishInfo): Results {
    const encodeMap = (m: Map<string, TallyAcc>): Record<string, RequestTally> => {
      const out: Record<string, RequestTally> = {};
      for (const k of [...m.keys()].sort()) out[k] = m.get(k)!.encode();
      return out;
    };
    const counters: Record<string, number> = {};
    for (const k of Object.keys(this.counters).sort()) counters[k] = this.counters[k]!;
    const results: Results = {
      format: RESULTS_FORMAT,
      version: RESULTS_VERSION,
      run: info.run,
      histogram: HISTOGRAM_SCHEME,
      requests: {
        ...this.overall.encode(),
        byStep: encodeMap(this.byStep),
        byEndpoint: encodeMap(this.byEndpoint),
        ...(this.fromIntended ? { fromIntended: this.fromIntended.encode() } : {}),
      },
      sessions: info.sessions ?? { ...this.sessions, byKind: { ...this.sessions.byKind } },
      counters,
      thresholds: info.thresholds ?? [],
      timeline: this.timeline.encode(),
      notes: info.notes ?? [],
    };
    if (this.lagHistogram || this.waitingHistogram) {
      results.lag = {
        lag: (this.lagHistogram ?? new LogHistogram()).encode(),
        waitingForPredecessor: (this.waitingHistogram ?? new LogHistogram()).encode(),
      };
    }
    if (info.skippedRows && Object.keys(info.skippedRows).length > 0) results.skippedRows = { ...info.skippedRows };
    if (info.filteredSteps && Object.keys(info.filteredSteps).length > 0)
      results.filteredSteps = { ...info.filteredSteps };
    if (info.capacity) results.capacity = info.capacity;
    return results;
  }
}
