// The results format (results.json in every run folder): what ran, what happened, and the raw
// material to recompute every figure exactly (latency histograms for the whole run and per time
// slice). Both engines write it, k6 metric streams convert into it, runs merge through it, and
// reports and comparisons read it. summary.json is a view derived from it (model/summary.ts).
// Documented in docs/results-format.md; keep the two in step. Pure: no Node APIs.
import type { ThresholdResult } from '../../model/summary.ts';
import type { EncodedHistogram, HISTOGRAM_SCHEME } from './histogram.ts';

export const RESULTS_FORMAT = 'cartload-results';
/**
 * 2: results.json (this file). Version 1 was summary.json alone (schemaVersion 1): it still reads
 * for reports, but has no histograms to merge or to judge noise with.
 */
export const RESULTS_VERSION = 2;
export const RESULTS_FILE = 'results.json';

export type EngineName = 'k6' | 'node';

export interface RunInfo {
  runId: string;
  engine: EngineName;
  /** 'scenario': a generated load test (name = the scenario); 'recording': a replayed file (name = its file name). */
  kind: 'scenario' | 'recording';
  /** The scenario name, or the recording's file name. */
  scenario: string;
  /** The target's base URL; never the API key. */
  target: string;
  /** The options the run used, secrets removed. */
  options: Record<string, unknown>;
  /** Versions of what produced the run: cartload, Node, k6 (when known). */
  tools: Record<string, string>;
  /** The git revision of the working folder the run started in, when it is a git checkout. */
  git?: { revision: string; dirty?: boolean };
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** Node engine: when the first request went (after reading far enough to put it in order), and the sending phase's length. */
  sendingStartedAt?: string;
  sendingMs?: number;
  interrupted: boolean;
  /** A merged run: the runs it combines, in the order given. */
  parts?: RunPart[];
}

export interface RunPart {
  runId: string;
  startedAt: string;
  endedAt: string;
  interrupted: boolean;
  /** k6's execution segment or the replay shard, when the part's options name one. */
  segment?: string;
}

/** Requests of one step or endpoint (or all of them). */
export interface RequestTally {
  count: number;
  /** Requests that failed: no answer, or an answer the engine counts as failed (k6: http_req_failed). */
  failed: number;
  /** Counts by HTTP status ("200", "409"); "error" for a request that got no answer. */
  statuses: Record<string, number>;
  /** Server latency (sent → answered) of the answered requests, µs. */
  latency: EncodedHistogram;
}

export interface SliceStep {
  n: number;
  failed: number;
  latency: EncodedHistogram;
}

/** One time slice: what ended in [t, t + widthMs). */
export interface Slice {
  /** Slice start, epoch ms (a multiple of widthMs, so slices of parallel runs line up). */
  t: number;
  steps: Record<string, SliceStep>;
  /** Open-model engines: how late steps were sent, and the wait for a session's previous step. */
  lag?: EncodedHistogram;
  waiting?: EncodedHistogram;
  /** Events counted in the slice: sessionsStarted, sessionsCompleted, sessionsFailed, droppedIterations, … */
  counters?: Record<string, number>;
  /** Highest value a gauge had in the slice (k6: vus). */
  gauges?: Record<string, number>;
}

export interface Timeline {
  /** 1 s, or coarser for long runs (one of TIMELINE_WIDTHS_MS). */
  widthMs: number;
  slices: Slice[];
}

/** A capacity run's curve: one point per rate stepped through (filled by capacity runs; the report draws it). */
export interface CapacityCurve {
  /** The unit of `offered` and `achieved`, e.g. "sessions/s". */
  unit: string;
  points: CapacityPoint[];
  /** The highest offered rate that met the SLO, and where latency started to climb. */
  sustainable?: number;
  knee?: number;
  notes?: string[];
}

export interface CapacityPoint {
  offered: number;
  achieved: number;
  requestsPerSecond?: number;
  p50: number;
  p95: number;
  p99: number;
  /** Failed requests / requests, 0..1. */
  errorRate: number;
  withinSlo?: boolean;
}

export interface Results {
  format: typeof RESULTS_FORMAT;
  version: typeof RESULTS_VERSION;
  run: RunInfo;
  histogram: typeof HISTOGRAM_SCHEME;
  requests: RequestTally & {
    byStep: Record<string, RequestTally>;
    byEndpoint: Record<string, RequestTally>;
    /** Open-model engines: intended send → answer (includes lag and waiting). */
    fromIntended?: EncodedHistogram;
  };
  /** Open-model engines: how late steps were sent (sent − ready), and ready − intended when a step waited for its predecessor. */
  lag?: { lag: EncodedHistogram; waitingForPredecessor: EncodedHistogram };
  sessions: {
    started: number;
    completed: number;
    failed: number;
    /** Steps not sent because an earlier step of their session failed. */
    skippedSteps: number;
    byKind: Record<string, { completed: number; failed: number }>;
  };
  /** Whole-run counts of other things: rejectedCoupons, droppedIterations, checksPassed, checksFailed, … */
  counters: Record<string, number>;
  thresholds: ThresholdRecord[];
  timeline: Timeline;
  skippedRows?: Record<string, number>;
  filteredSteps?: Record<string, number>;
  notes: string[];
  capacity?: CapacityCurve;
}

export interface ThresholdRecord extends ThresholdResult {
  /** Merged runs: false when the verdict could not be recomputed from the merged data (then: every part passed). */
  recomputed?: boolean;
}

/** Slice widths a timeline may have: each divides the next, so timelines of any two widths merge. */
export const TIMELINE_WIDTHS_MS = [
  1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000,
] as const;
/** A timeline is coarsened to the next width when it would hold more slices than this. */
export const MAX_SLICES = 900;
