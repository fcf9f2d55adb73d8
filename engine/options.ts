// The engine's options, their defaults, and the one check of all of them that runs before
// anything starts (no results folder, nothing sent): validateEngineOptions throws an
// EngineOptionError naming the flag a user would have given.
import { DEFAULT_CONNECTIONS } from '../model/conventions.ts';
import { CartloadError } from '../model/errors.ts';
import type { ResultsConsumer } from '../model/results-events.ts';
import type { ProgressSink } from './progress.ts';
import { checkRunId } from './run-id.ts';
import type { Filters, PlansInput, RecordingInput, Timing } from './sources.ts';

export interface EngineOptions {
  /** Base URL of the Integration API deployment. */
  target: string;
  /** Sent as `Authorization: ApiKey-v1 <key>`; never written anywhere. */
  apiKey?: string;
  input: RecordingInput | PlansInput;
  timing: Timing;
  /** Connections in the pool, and the cap on requests in flight (default DEFAULT_CONNECTIONS). */
  connections?: number;
  /** Per-request connect/headers/body timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** After the run stops early, how long in-flight requests may take to answer before they are cut (default 10 s). */
  drainTimeoutMs?: number;
  /** Generated plans with a duration: how long sessions already started may go on after it before they are cut (default 30 s, k6's gracefulStop). */
  gracefulStopMs?: number;
  /** How far ahead of the clock the reader may read (ms, default 250). */
  lookaheadMs?: number;
  /** At most this many steps read but not yet answered (default 50,000); the reader waits beyond it. */
  maxBuffered?: number;
  /** Prefix for recorded session IDs; '' keeps them. Default `cartload-<random>-`. Ignored for plans. */
  sessionPrefix?: string;
  /** Forget a recorded session after this much recorded time without a step (default 10 min); see SessionTable.forgetIdle. */
  sessionIdleMs?: number;
  /** Send updates with dry=true; steps a never-stored session cannot take (reopen, cancel, return, get) are left out and counted. */
  dry?: boolean;
  filters?: Filters;
  /** Replay a recording this many times, each pass with fresh session IDs (default 1). */
  loops?: number;
  /** Fail the run (outcome 'thresholds') when failed requests / requests exceeds this fraction (default DEFAULT_MAX_ERROR_RATE unless `slo` is given). */
  maxErrorRate?: number;
  /** The k6 scenarios' gate, evaluated the same way: http_req_failed rate < errorRate, and per step p(95) and p(99) under the limits. */
  slo?: { errorRate: number; p95Ms: number; p99Ms: number };
  runId?: string;
  /** Parent folder of the run folder (default 'results'). */
  resultsDir?: string;
  /** What the summary calls this run (default: the input's name). */
  scenario?: string;
  /** The options as the user gave them, recorded (redacted) in the summary. */
  options?: Record<string, unknown>;
  /** Abort to stop scheduling and drain in-flight requests (SIGINT). */
  signal?: AbortSignal;
  /** Abort to cut in-flight requests at once (a second SIGINT). */
  hardSignal?: AbortSignal;
  progress?: ProgressSink;
  /** Write requests.csv: one line per request with intended, sent and answered times. */
  logRequests?: boolean;
  /** Check the target answers (and accepts the key) before starting (default true). */
  preflight?: boolean;
  /** Called for each row the reader skipped (--on-error skip), after it is counted. */
  onIssue?: (issue: { file: string; line: number; reason: string; message: string }) => void;
  /** Notes added to the summary as they are (e.g. which engine ran and why). */
  notes?: string[];
  /** More consumers of the results stream (model/results-events.ts), after the engine's own. */
  consumers?: ResultsConsumer[];
  /**
   * Steps whose event carries a `mark` (a checkpoint's step number): called just before the step
   * is handed to the connection pool, and when it is answered (ok: 2xx, or the recorded status;
   * cut: the run stopping cut the request, so whether the target processed it is unknown).
   */
  steps?: StepHooks;
}

export interface StepHooks {
  sending(mark: number, sessionId: string, step: string): void;
  answered(mark: number, ok: boolean, cut: boolean): void;
}

export const ENGINE_DEFAULTS = {
  connections: DEFAULT_CONNECTIONS,
  timeoutMs: 30_000,
  drainTimeoutMs: 10_000,
  gracefulStopMs: 30_000,
  lookaheadMs: 250,
  maxBuffered: 50_000,
  sessionIdleMs: 600_000,
  resultsDir: 'results',
} as const;

/** Without --max-error-rate (and without a scenario's SLO), a run fails above this share of failed requests: the k6 scenarios' default. */
export const DEFAULT_MAX_ERROR_RATE = 0.01;

/**
 * The most sessions per second the engine accepts for --rate. A session is at least one request,
 * and one engine process sends at most about 16,000 requests/s as fast as possible against a
 * loopback server that answers at once (bench/replay-engine.bench.ts, "throughput", best runs on
 * a 2-core machine); the pacer and scheduler alone handle 1.9 to 4.3 million one-step sessions/s
 * there ("scheduler ceiling", runs on a busy machine), so it is HTTP that bounds it. About 3× that send rate leaves room for
 * faster machines; a rate beyond it cannot be kept by one process and is most likely a typo.
 */
export const MAX_RATE = 50_000;

export class EngineOptionError extends CartloadError {
  constructor(message: string) {
    super(message, { code: 'E_ENGINE_OPTION' });
    this.name = 'EngineOptionError';
  }
}

type Check = (o: EngineOptions) => string | undefined;

const whole = (v: number | undefined, min: number): boolean => v === undefined || (Number.isInteger(v) && v >= min);
const positiveMs = (v: number | undefined): boolean => v === undefined || (Number.isFinite(v) && v > 0);

const timingCheck: Check = ({ timing: t, input }) => {
  if (t.mode === 'speed' && !(t.speed > 0 && Number.isFinite(t.speed))) return '--speed must be a number above 0';
  if (t.mode === 'rate' && !(t.rate > 0 && Number.isFinite(t.rate))) return '--rate must be a number above 0';
  if (t.mode === 'rate' && t.rate > MAX_RATE)
    return `--rate ${t.rate}: above the Node engine's ceiling of ${MAX_RATE.toLocaleString('en')} sessions/s, more than one engine process can send`;
  if (input.kind === 'plans' && t.mode === 'speed')
    return 'generated plans are paced by --rate (or run as fast as possible), not --speed';
  return undefined;
};

const numbersCheck: Check = (o) => {
  if (!whole(o.connections, 1)) return '--connections must be a whole number of at least 1';
  if (!positiveMs(o.timeoutMs)) return '--timeout must be a duration above 0';
  if (!(o.drainTimeoutMs === undefined || o.drainTimeoutMs >= 0))
    return '--drain-timeout must be a duration of 0 or more';
  if (!positiveMs(o.sessionIdleMs)) return '--session-idle must be a duration above 0';
  if (!whole(o.loops, 1)) return '--loop must be a whole number of at least 1';
  if (o.maxErrorRate !== undefined && !(o.maxErrorRate >= 0 && o.maxErrorRate <= 1))
    return '--max-error-rate must be a fraction in [0, 1]';
  return undefined;
};

const inputCheck: Check = (o) => {
  if ((o.loops ?? 1) > 1) {
    if (o.input.kind === 'recording' && !o.input.rewindable)
      return '--loop cannot read standard input twice: name a file';
    if (o.sessionPrefix === '') return '--loop replays each pass under fresh session IDs: drop --keep-session-ids';
  }
  if (o.input.kind === 'plans') {
    const { durationMs, limit } = o.input;
    if (durationMs === undefined && limit === undefined) return 'a plans input needs a duration or a limit';
    if (durationMs !== undefined && !(durationMs > 0))
      return `--duration ${durationMs / 1000}s sends nothing: use a duration above 0`;
    if (!whole(limit, 1)) return 'a plans limit must be a whole number of at least 1';
  }
  return undefined;
};

const filtersCheck: Check = ({ filters: f = {} }) => {
  if (f.sample !== undefined && !(f.sample > 0 && f.sample <= 1)) return '--sample must be a fraction in (0, 1]';
  if (!whole(f.limit, 1)) return '--limit must be a whole number of at least 1';
  if (f.from !== undefined && f.to !== undefined && !(f.from < f.to)) return '--from must be before --to';
  if (f.shard && !(Number.isInteger(f.shard.count) && f.shard.index >= 1 && f.shard.index <= f.shard.count))
    return `--shard ${f.shard.index}/${f.shard.count}: i must be between 1 and n`;
  return undefined;
};

const targetCheck: Check = ({ target }) => {
  try {
    const u = new URL(target);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `--target ${target}: use an http:// or https:// URL`;
  } catch {
    return `--target "${target}" is not a URL (for example https://yourbaseurl.talon.one)`;
  }
  return undefined;
};

const runIdCheck: Check = ({ runId }) => {
  const bad = runId === undefined ? undefined : checkRunId(runId);
  return bad === undefined ? undefined : `--run-id ${bad}`;
};

const CHECKS: readonly Check[] = [targetCheck, timingCheck, numbersCheck, inputCheck, filtersCheck, runIdCheck];

/** Checks every engine option; throws an EngineOptionError naming the flag. Pure: touches no file, sends nothing. */
export function validateEngineOptions(o: EngineOptions): void {
  for (const check of CHECKS) {
    const why = check(o);
    if (why !== undefined) throw new EngineOptionError(why);
  }
}

/** The options with their defaults, as the run uses them. */
export interface Settings {
  connections: number;
  timeoutMs: number;
  drainTimeoutMs: number;
  gracefulStopMs: number;
  lookaheadMs: number;
  maxBuffered: number;
  sessionIdleMs: number;
  paced: boolean;
  /** Plans with a duration: when (ms after the anchor) no session may start any more. */
  deadlineMs: number | undefined;
}

export function settingsOf(o: EngineOptions): Settings {
  const connections = o.connections ?? ENGINE_DEFAULTS.connections;
  const paced = o.timing.mode !== 'asap';
  // As fast as possible, time gives no bound: keep enough steps read to fill every connection
  // from many sessions, and no more (a big buffer only feeds the garbage collector).
  const asapBuffer = Math.max(1024, connections * 32);
  const wanted = o.maxBuffered ?? (paced ? ENGINE_DEFAULTS.maxBuffered : asapBuffer);
  return {
    connections,
    timeoutMs: o.timeoutMs ?? ENGINE_DEFAULTS.timeoutMs,
    drainTimeoutMs: o.drainTimeoutMs ?? ENGINE_DEFAULTS.drainTimeoutMs,
    gracefulStopMs: o.gracefulStopMs ?? ENGINE_DEFAULTS.gracefulStopMs,
    lookaheadMs: o.lookaheadMs ?? ENGINE_DEFAULTS.lookaheadMs,
    maxBuffered: Math.max(paced ? wanted : Math.min(wanted, asapBuffer), connections * 2),
    sessionIdleMs: o.sessionIdleMs ?? ENGINE_DEFAULTS.sessionIdleMs,
    paced,
    deadlineMs: o.input.kind === 'plans' ? o.input.durationMs : undefined,
  };
}
