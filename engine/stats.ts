// Counters and HDR histograms of one run, turned into the RunSummary's numbers at the end.
// Hot path: a few histogram records and integer increments per answer; no per-request objects.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import type { ResultsConsumer, ResultsEvent, StepOutcome } from '../model/results-events.ts';
import { EMPTY_LATENCY, type LatencyStats, type StepStats } from '../model/summary.ts';

/** Histograms hold integer microseconds from 1 µs to one hour, 3 significant digits (HdrHistogram). */
function newHistogram(): RecordableHistogram {
  return createHistogram({ lowest: 1, highest: 3_600_000_000, figures: 3 });
}

const MAX_US = 3_600_000_000;

/** Records a duration in ms; HDR histograms cannot hold 0, so sub-microsecond values count as 1 µs. */
export function recordMs(h: RecordableHistogram, ms: number): void {
  const us = Math.round(ms * 1000);
  h.record(us < 1 ? 1 : us > MAX_US ? MAX_US : us);
}

const round = (us: number): number => Math.round(us) / 1000;

export function latencyOf(h: RecordableHistogram): LatencyStats {
  if (h.count === 0) return { ...EMPTY_LATENCY };
  return {
    count: h.count,
    min: round(h.min),
    mean: round(h.mean),
    p50: round(h.percentile(50)),
    p90: round(h.percentile(90)),
    p95: round(h.percentile(95)),
    p99: round(h.percentile(99)),
    max: round(h.max),
  };
}

class Bucket {
  count = 0;
  readonly statuses: Record<string, number> = {};
  readonly latency = newHistogram();

  add(status: string, ms: number | undefined): void {
    this.count++;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (ms !== undefined) recordMs(this.latency, ms);
  }

  toJSON(): StepStats {
    return { count: this.count, statuses: { ...this.statuses }, latency: latencyOf(this.latency) };
  }
}

const bump = (m: Record<string, number>, k: string, n = 1): void => {
  m[k] = (m[k] ?? 0) + n;
};

/** Status texts as summaries key them, made once per status rather than once per answer. */
const STATUS_TEXT: string[] = [];
const statusText = (status: number): string => (status === 0 ? 'error' : (STATUS_TEXT[status] ??= String(status)));

/** At most this many distinct failures (endpoint → status) are explained in the notes. */
export const MAX_FAILURE_NOTES = 5;

/**
 * The run's counters and histograms, kept as a consumer of the results stream: everything the
 * summary says is recomputed from the events, nothing is read from the engine.
 */
export class RunStats implements ResultsConsumer {
  paced = false;
  total = 0;
  failed = 0;
  /** Non-2xx answers that repeat the status the recording had for that step: expected, not failures. */
  asRecorded = 0;
  conflicts409 = 0;
  readonly byStatus: Record<string, number> = {};
  private readonly byStep = new Map<string, Bucket>();
  private readonly byEndpoint = new Map<string, Bucket>();
  /** Server latency: from the actual send to the answer. */
  readonly latency = newHistogram();
  /** From the intended send time to the answer: what a user of the recorded pace would have felt. */
  readonly fromIntended = newHistogram();
  /** Sent − ready (the engine's own lateness); ready = max(intended, predecessor answered). */
  readonly lag = newHistogram();
  /** Ready − intended, for steps whose predecessor had not answered by their intended time. */
  readonly waiting = newHistogram();

  sessionsStarted = 0;
  sessionsFailed = 0;
  sessionsCut = 0;
  /** Steps not sent because an earlier step of their session failed. */
  skippedSteps = 0;
  /** Steps scheduled but never sent because the run stopped first. */
  unsentSteps = 0;
  private readonly kinds = new Map<string, { started: number; failed: number; cut: number }>();
  readonly filtered: Record<string, number> = {};
  readonly skippedRows: Record<string, number> = {};
  /** Requests without an answer, by why. */
  readonly noAnswer: Record<string, number> = {};
  /** The first few distinct failures ("endpoint → status") with what the answer said. */
  readonly failures = new Map<string, string>();

  event(e: ResultsEvent): void {
    switch (e.type) {
      case 'step':
        return this.step(e);
      case 'session':
        return this.session(e.change, e.kind);
      case 'left-out':
        if (e.why === 'filtered') bump(this.filtered, e.reason, e.count);
        else if (e.why === 'session-failed') this.skippedSteps += e.count;
        else this.unsentSteps += e.count;
        return;
      case 'row-issue':
        return bump(this.skippedRows, e.reason);
      case 'run-start':
        this.paced = e.paced;
        return;
      default:
        return;
    }
  }

  private bucket(map: Map<string, Bucket>, key: string): Bucket {
    let b = map.get(key);
    if (!b) {
      b = new Bucket();
      map.set(key, b);
    }
    return b;
  }

  /** One answered (or unanswered: status 0, no latency) request. */
  private step(e: StepOutcome): void {
    const status = statusText(e.status);
    const latencyMs = e.status === 0 ? undefined : e.latencyMs;
    this.total++;
    bump(this.byStatus, status);
    if (e.status === 409) this.conflicts409++;
    if (e.asRecorded) this.asRecorded++;
    this.bucket(this.byStep, e.step).add(status, latencyMs);
    this.bucket(this.byEndpoint, e.endpoint).add(status, latencyMs);
    if (latencyMs !== undefined) recordMs(this.latency, latencyMs);
    if (this.paced) {
      recordMs(this.fromIntended, e.answeredMs - e.intendedMs);
      recordMs(this.lag, e.lagMs);
      if (e.waitingMs > 0) recordMs(this.waiting, e.waitingMs);
    }
    if (e.failed) this.failure(e);
  }

  private failure(e: StepOutcome): void {
    this.failed++;
    if (e.error !== undefined) bump(this.noAnswer, e.error);
    if (e.detail === undefined || this.failures.size >= MAX_FAILURE_NOTES) return;
    const key = `${e.endpoint} → ${e.error ?? e.status}`;
    if (!this.failures.has(key)) this.failures.set(key, e.detail);
  }

  private session(change: 'started' | 'failed' | 'cut', kind: string): void {
    let k = this.kinds.get(kind);
    if (!k) this.kinds.set(kind, (k = { started: 0, failed: 0, cut: 0 }));
    k[change]++;
    if (change === 'started') this.sessionsStarted++;
    else if (change === 'failed') this.sessionsFailed++;
    else this.sessionsCut++;
  }

  steps(): Record<string, StepStats> {
    return Object.fromEntries([...this.byStep].map(([k, b]) => [k, b.toJSON()]));
  }

  endpoints(): Record<string, StepStats> {
    return Object.fromEntries([...this.byEndpoint].map(([k, b]) => [k, b.toJSON()]));
  }

  /** Per kind: completed = started − failed − cut (sessions the run stopped short). */
  byKind(): Record<string, { completed: number; failed: number }> {
    const out: Record<string, { completed: number; failed: number }> = {};
    for (const [kind, k] of this.kinds) out[kind] = { completed: k.started - k.failed - k.cut, failed: k.failed };
    return out;
  }
}
