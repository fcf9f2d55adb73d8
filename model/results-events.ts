// The results stream: what an engine run emits, in order, to every consumer (the summary, the
// request log, the bad-row log, the results files). Consumers never reach into the engine; a
// consumer that needs a number recomputes it from these events.
//
// Hot path: the engine emits one StepOutcome per request. To keep that allocation-free the engine
// reuses ONE StepOutcome object (and one SessionChange) for the whole run, so an event is valid
// only during the call: a consumer copies the fields it keeps and never stores the object.
// Pure and k6-safe: no Node APIs, so a converter of k6 output can build the same events.

/** Why a request got no answer (status 0). */
export type NoAnswer = 'timeout' | 'connection' | 'aborted' | 'other';

export interface RunStart {
  type: 'run-start';
  runId: string;
  /** The run folder (exists when this is emitted): where consumers write their files. */
  dir: string;
  /** The engine's machine name; k6 conversions say 'k6'. */
  engine: 'node' | 'k6';
  /** A scenario name, or the recording's file name. */
  scenario: string;
  /** The target's base URL; never the API key. */
  target: string;
  /** Wall clock (epoch ms) when the run started (before preflight and reading). */
  epochMs: number;
  /** True when steps have intended send times (recorded pace or a rate): lag is meaningful. */
  paced: boolean;
  /** The cap on requests in flight. */
  connections: number;
  /** The options as given, secrets already removed. */
  options: Readonly<Record<string, unknown>>;
  /** Notes the caller attached (which engine ran and why, ...). */
  notes: readonly string[];
}

/**
 * What the engine is doing. Times of StepOutcome and SessionChange are ms since `sending`'s
 * `epochMs` (the anchor: when the first step was read, after any sorting or decompressing).
 * - preparing: reading/sorting the input before its first step (for a big unsorted file, minutes);
 * - sending: the anchor; steps go out;
 * - stopping: no new step is sent (`reason` says why); requests in flight may still answer;
 * - draining: waiting for those, at most the drain timeout, then they are cut.
 */
export interface PhaseChange {
  type: 'phase';
  phase: 'preparing' | 'sending' | 'stopping' | 'draining';
  epochMs: number;
  /** For 'stopping': why. */
  reason?: StopReason;
}

/** Why a run stopped before its input ended. */
export type StopReason = 'interrupted' | 'duration' | 'bad-input' | 'read-error';

/** One request's fate. REUSED by the engine: valid only during the consumer's call. */
export interface StepOutcome {
  type: 'step';
  /** The session ID as sent. */
  session: string;
  /** The session's kind (a lifecycle kind, or 'recorded'). */
  kind: string;
  /** The step's name (open, update, close, cancel, return, get, ...). */
  step: string;
  /** The endpoint (model/plan.ts ENDPOINTS), or 'other'. */
  endpoint: string;
  method: string;
  /** Path and query as sent, after the base URL's own path. */
  path: string;
  /** HTTP status; 0 when there was no answer (see `error`). */
  status: number;
  /** Set only when status is 0. */
  error: NoAnswer | undefined;
  /** Counted as a failure: not 2xx, and not the status the recording had for this step. */
  failed: boolean;
  /** Not 2xx but the recorded status: expected, not a failure. */
  asRecorded: boolean;
  /** The first bytes of a failed answer's body, or the no-answer message; only for the first few distinct failures. */
  detail: string | undefined;
  /** When the schedule meant it to go (ms since the anchor). Unpaced runs: when it was read. */
  intendedMs: number;
  /** When its session allowed it: intended, or later when its predecessor answered late. */
  readyMs: number;
  /** When it was handed to a connection. */
  sentMs: number;
  /** When the answer (or the error) came. */
  answeredMs: number;
  /** answeredMs − sentMs: the server's latency. Meaningless when status is 0. */
  latencyMs: number;
  /** sentMs − readyMs: the engine's own lateness (meaningful when the run is paced). */
  lagMs: number;
  /** readyMs − intendedMs: time spent waiting for the session's previous step (0 when none). */
  waitingMs: number;
}

/** A session's life. REUSED by the engine: valid only during the consumer's call. */
export interface SessionChange {
  type: 'session';
  /**
   * started: admitted; failed: a step of it failed (its later steps are left out);
   * cut: the run stopped with steps of it unsent. Completed = started − failed − cut.
   */
  change: 'started' | 'failed' | 'cut';
  session: string;
  kind: string;
}

/**
 * Steps not sent, counted: `filtered` by an option (reason: sample, shard, state, before-from,
 * after-to, limit, dry-not-applicable), `session-failed` after an earlier step of the session
 * failed, `unsent` because the run stopped first.
 */
export interface StepsLeftOut {
  type: 'left-out';
  why: 'filtered' | 'session-failed' | 'unsent';
  reason: string;
  count: number;
}

/** A recorded row the reader skipped (--on-error skip). */
export interface RowIssueEvent {
  type: 'row-issue';
  file: string;
  line: number;
  /** Short and stable, for counting (bad-json, missing-column, ...). */
  reason: string;
  /** The full message, naming file, line and column. */
  message: string;
}

export interface RunEnd {
  type: 'run-end';
  epochMs: number;
  /** Stopped by SIGINT/SIGTERM (or the caller's abort signal). */
  interrupted: boolean;
  /** Set when the run stopped before its input ended. */
  stopReason: StopReason | undefined;
  /** For bad-input and read-error: the message. */
  message: string | undefined;
  /** Recorded sessions forgotten after --session-idle without a step. */
  forgottenSessions: number;
  /** The --session-idle it used (ms). */
  sessionIdleMs: number;
  /** Notes learned while running (e.g. the preflight check's warning), after run-start's. */
  notes: readonly string[];
}

export type ResultsEvent = RunStart | PhaseChange | StepOutcome | SessionChange | StepsLeftOut | RowIssueEvent | RunEnd;

/**
 * A consumer of the stream. `event` is called synchronously, in order, on the engine's hot path:
 * keep it cheap, never throw, and never keep a StepOutcome or SessionChange object (copy fields).
 * `close` is awaited after run-end (flush files there); the run's summary is written after it.
 */
export interface ResultsConsumer {
  event(e: ResultsEvent): void;
  close?(): Promise<void> | void;
}
