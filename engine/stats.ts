// Counters and HDR histograms of one run, turned into the RunSummary's numbers at the end.
// Hot path: one histogram record and a few integer increments per answer; no per-request objects.
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
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

export class RunStats {
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
  skippedSteps = 0;
  /** Steps scheduled but never sent because the run was interrupted. */
  unsentSteps = 0;
  private readonly kinds = new Map<string, { started: number; failed: number }>();
  readonly filtered: Record<string, number> = {};
  readonly skippedRows: Record<string, number> = {};

  private bucket(map: Map<string, Bucket>, key: string): Bucket {
    let b = map.get(key);
    if (!b) {
      b = new Bucket();
      map.set(key, b);
    }
    return b;
  }

  /** One answered (or unanswered: status 'error', latency undefined) request. */
  answer(step: string, endpoint: string, status: string, latencyMs: number | undefined, fromIntendedMs: number | undefined, failed: boolean): void {
    this.total++;
    bump(this.byStatus, status);
    if (status === '409') this.conflicts409++;
    if (failed) this.failed++;
    this.bucket(this.byStep, step).add(status, latencyMs);
    this.bucket(this.byEndpoint, endpoint).add(status, latencyMs);
    if (latencyMs !== undefined) recordMs(this.latency, latencyMs);
    if (fromIntendedMs !== undefined) recordMs(this.fromIntended, fromIntendedMs);
  }

  sessionStarted(kind: string): void {
    this.sessionsStarted++;
    const k = this.kinds.get(kind);
    if (k) k.started++;
    else this.kinds.set(kind, { started: 1, failed: 0 });
  }

  sessionFailed(kind: string): void {
    this.sessionsFailed++;
    const k = this.kinds.get(kind);
    if (k) k.failed++;
  }

  filter(reason: string, n = 1): void {
    bump(this.filtered, reason, n);
  }

  skipRow(reason: string): void {
    bump(this.skippedRows, reason);
  }

  steps(): Record<string, StepStats> {
    return Object.fromEntries([...this.byStep].map(([k, b]) => [k, b.toJSON()]));
  }

  endpoints(): Record<string, StepStats> {
    return Object.fromEntries([...this.byEndpoint].map(([k, b]) => [k, b.toJSON()]));
  }

  /** Per kind: completed = started − failed − unfinished (sessions cut short by an interrupt). */
  byKind(unfinished: Map<string, number>): Record<string, { completed: number; failed: number }> {
    const out: Record<string, { completed: number; failed: number }> = {};
    for (const [kind, k] of this.kinds) out[kind] = { completed: k.started - k.failed - (unfinished.get(kind) ?? 0), failed: k.failed };
    return out;
  }
}
