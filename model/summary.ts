// The run summary (results/<run-id>/summary.json): a run's figures for people and simple tools,
// from any engine. Where a run folder also holds results.json (the full results format, with the
// histograms; report/data/format.ts), summary.json is derived from it. A plain `k6 run` writes
// summary.json alone, from its handleSummary data. See docs/results-format.md.
// No Node APIs here: the k6 handleSummary builds one too.

/** 2: engine "node" (was "replay"), per-step `failed`, `tools`, `git`, `kind`, `parts`. 1 still reads. */
export const SUMMARY_SCHEMA_VERSION = 2;

export interface LatencyStats {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export interface StepStats {
  count: number;
  /** Requests the engine counted as failed (schemaVersion 2; version 1: the non-2xx statuses). */
  failed?: number;
  /** Counts by HTTP status as a string ("200", "409"); "error" for a request that got no answer. */
  statuses: Record<string, number>;
  /** Server latency in ms: from the actual send to the answer. */
  latency: LatencyStats;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  ok: boolean;
  /** The measured value the expression was judged on (a rate, or ms), when known. */
  value?: number;
}

/** The engines' machine names. Summaries written before the Node engine had one name say 'replay'. */
export type EngineName = 'k6' | 'node' | 'harness';

/** An engine name as read from any summary.json: the old 'replay' is the Node engine. */
export function engineName(name: string): string {
  return name === 'replay' ? 'node' : name;
}

export interface RunSummary {
  tool: 'cartload';
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  engine: EngineName;
  runId: string;
  /** 'scenario': a generated load test; 'recording': a replayed file. */
  kind?: 'scenario' | 'recording';
  /** What was run: a scenario name, or the replay input's file name. */
  scenario: string;
  /** Versions of what produced the run (cartload, node, k6). */
  tools?: Record<string, string>;
  /** The git revision of the folder the run started in, when it is a checkout. */
  git?: { revision: string; dirty?: boolean };
  /** A merged run: the run IDs it combines. */
  parts?: string[];
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /**
   * When the first request was sent (the Node engine): a replay first reads its recording far
   * enough to put the first request in order, which for an unsorted file is the whole file.
   */
  sendingStartedAt?: string;
  /** From sendingStartedAt to endedAt: the sending phase, over which request rates are figured. */
  sendingMs?: number;
  /** The target's base URL; never the API key. */
  target: string;
  /** The options the run used, with secrets removed (see redact()). */
  options: Record<string, unknown>;
  interrupted: boolean;
  requests: {
    total: number;
    failed: number;
    conflicts409: number;
    byStatus: Record<string, number>;
    byStep: Record<string, StepStats>;
    byEndpoint: Record<string, StepStats>;
    latency: LatencyStats;
    /** Open-model engines only: from the intended send time to the answer (includes lag and waiting). */
    latencyFromIntended?: LatencyStats;
  };
  sessions: {
    started: number;
    completed: number;
    failed: number;
    /** Steps not sent because an earlier step of their session failed. */
    skippedSteps: number;
    byKind: Record<string, { completed: number; failed: number }>;
  };
  /** Open-model engines only: how late steps were sent against their schedule, in ms. */
  lag?: LatencyStats & { waitingForPredecessor: LatencyStats };
  checks?: { passes: number; fails: number };
  thresholds?: ThresholdResult[];
  rejectedCoupons?: number;
  /** Input rows skipped with a reason (replay), by reason. */
  skippedRows?: Record<string, number>;
  /** Steps left out by the run's options (replay: --sample, --shard, --from, --to, --state, --limit, --dry), by reason. */
  filteredSteps?: Record<string, number>;
  notes?: string[];
}

/** The time requests were being sent, in ms: the sending phase when the run reports one. */
export function sendingDurationMs(s: Pick<RunSummary, 'durationMs' | 'sendingMs'>): number {
  return s.sendingMs ?? s.durationMs;
}

const SECRET_KEY = /(api[-_]?key|authorization|token|secret|password)/i;

/** A copy of an options object with every secret-looking value replaced, at any depth. */
export function redact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => redact(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_KEY.test(k) ? (v === undefined || v === '' ? v : '[redacted]') : redact(v);
    }
    return out as T;
  }
  return value;
}

export const EMPTY_LATENCY: LatencyStats = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, max: 0 };
