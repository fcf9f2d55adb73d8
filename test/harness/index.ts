// The k6 harness: a test double of k6 that runs a real k6 bundle (dist/<name>.js) in Node, one
// fresh node:vm context per VU, with k6's module surface bound synchronously to the local target's
// in-process core. Lifecycle as in k6: init in VU 0 (options, SharedArrays), init of each VU,
// setup() once (its data JSON round-tripped into each VU), the iterations spread over the VUs,
// teardown(data), thresholds, handleSummary(data). It is not k6: no real network, no timing, no
// executor pacing (iterations run one after another, round-robin over the VUs; sleep() is
// recorded, not slept). See the README, "Verified without k6: the harness".
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createTargetCore } from '../../emulator/core/index.ts';
import { compileBundle } from './compile.ts';
import { executionTuple, type ExecutionTuple } from './execution-segment.ts';
import { validateK6Options } from './options.ts';
import type { MetricSample, ThresholdOutcome } from './metrics.ts';
import type { ConsoleEntry, FailedCheck, HarnessRequest, IterationError, SleepRecord } from './records.ts';
import { buildSummaryData, type SummaryData, type SummaryGroup, type SummaryMetric } from './summary-data.ts';
import { TestState, type ScenarioInfo } from './test-state.ts';
import type { HarnessTarget, InjectedAnswer, SentRequest } from './transport.ts';
import { isAbort, VirtualUser } from './vu.ts';

export type { HarnessRequest, FailedCheck, IterationError, ConsoleEntry, SleepRecord } from './records.ts';
export type { SummaryData, SummaryGroup, SummaryMetric, SummaryCheck } from './summary-data.ts';
export type { MetricSample, ThresholdOutcome } from './metrics.ts';
export type { HarnessTarget, InjectedAnswer, SentRequest } from './transport.ts';
export { validateK6Options } from './options.ts';
export { findK6, locateK6, runK6 } from '../../orchestrate/k6-binary.ts';

/** k6's exit codes that the harness can end with. */
export const K6_EXIT = {
  ok: 0,
  thresholdsFailed: 99,
  invalidConfig: 104,
  scriptException: 107,
  scriptAborted: 108,
} as const;

/** Where the target answers unless `baseUrl` says otherwise; TALON_BASE_URL defaults to it. */
export const HARNESS_BASE_URL = 'http://127.0.0.1:3000';
export const HARNESS_API_KEY = 'harness-api-key';

export interface RunK6BundleOptions {
  /** Path of the k6 bundle (dist/<name>.js); open() resolves relative to it. */
  bundle: string;
  /** __ENV. TALON_BASE_URL and TALON_API_KEY default to baseUrl and apiKey. */
  env?: Record<string, string | undefined>;
  /** VUs to initialise and spread iterations over. Default 1. */
  vus?: number;
  /**
   * Iterations of the whole test. Default 1. With an execution segment, this instance runs its
   * share of them (k6 scales a scenario's counts the same way), numbered test-wide.
   */
  iterations?: number;
  /**
   * k6's `--execution-segment` (e.g. `1/2:1`) and `--execution-segment-sequence` (e.g. `0,1/2,1`):
   * this harness run is one of several instances. Iterations get k6's striped test-wide numbers
   * (exec.scenario.iterationInTest), so instances never share one; see execution-segment.ts.
   */
  executionSegment?: string;
  executionSegmentSequence?: string;
  /** The target's in-process core; default a fresh createTargetCore(). */
  core?: HarnessTarget;
  /**
   * Origin the in-process core answers under (default http://127.0.0.1:3000); requests to any other
   * origin fail as unanswered. Nothing goes over the network, even when a server listens there.
   */
  baseUrl?: string;
  /** The API key the target accepts (`Authorization: ApiKey-v1 <key>`). */
  apiKey?: string;
  /** Which of options.scenarios to run (its exec, env and tags); default the first, or `default`. */
  scenario?: string;
  /**
   * k6 run's own `--vus`, `--iterations` and `--duration`, applied as k6 applies them: `iterations`
   * or `duration` replace the script's options.scenarios for the run with one scenario `default`
   * (shared-iterations of `iterations` over `vus`, or constant-vus for `duration`) that runs the
   * script's default export, which must exist; `vus` alone changes nothing when the script has
   * scenarios. The harness then runs `iterations` over `vus` VUs (for `duration`, the `vus` and
   * `iterations` options: it does not pace by time).
   */
  flags?: K6RunFlags;
  /** Sees each request the target would answer; returning { status, body } (or text) replaces the answer. */
  onRequest?: (req: SentRequest) => InjectedAnswer | void;
  /** Validate the script's options with k6's rules and refuse to run on errors (as k6 exits 104). Default true. */
  validateOptions?: boolean;
  /** Stop starting iterations after this long (the test is then marked timedOut). Default 120 s. */
  timeoutMs?: number;
  /**
   * Keep every request and metric sample in the result. Default true; benchmarks turn it off.
   * `metrics: false` keeps no metric values at all (thresholds and summary see none), so that a
   * memory measurement sees only what the VUs hold.
   */
  record?: { requests?: boolean; samples?: boolean; metrics?: boolean };
  /**
   * The folder k6 runs in. When set, handleSummary's files are written there as k6 writes them:
   * relative paths from this folder, no folder created (k6 cannot: a missing one fails that file
   * with k6's message, in `summaryWriteErrors`, and the others are still written). Unset, nothing
   * is written (the files are in `summary` either way).
   */
  cwd?: string;
  /** Print the script's console output to stderr as well as recording it. Default false. */
  printConsole?: boolean;
  /**
   * Longest one synchronous call into the script (the init code, setup, one iteration, teardown,
   * handleSummary) may run before the harness stops it: an endless loop fails instead of hanging.
   * Default 60 s; 0 turns it off (each limited call costs a watchdog thread, ~0.2 ms: benchmarks turn it off).
   */
  callTimeoutMs?: number;
}

export interface HarnessResult {
  /** The code k6 would exit with: 0, 99 (thresholds), 107 (teardown threw), 108 (test.abort()). */
  exitCode: number;
  /** The script's exported options, as JSON. */
  options: Record<string, unknown>;
  scenario: ScenarioInfo;
  requests: HarnessRequest[];
  /** Passes and fails per check name, over all groups. */
  checks: Record<string, { passes: number; fails: number }>;
  failedChecks: FailedCheck[];
  /** Groups and checks as handleSummary sees them (root_group). */
  checkTree: SummaryGroup;
  samples: MetricSample[];
  /** The metrics of the summary data (values per metric and tagged sub-metric). */
  metrics: Record<string, SummaryMetric>;
  /** The data object handed to handleSummary. */
  summaryData: SummaryData;
  /** What handleSummary returned (file name or stdout/stderr → content). */
  summary: Record<string, string>;
  summaryError?: string;
  /** With `cwd`: the files written (as handleSummary named them), and k6's error for each that could not be. */
  summaryWrites?: { written: string[]; errors: string[] };
  thresholds: ThresholdOutcome[];
  thresholdsOk: boolean;
  /** Iterations that threw (the test went on, as in k6). */
  errors: IterationError[];
  teardownError?: string;
  aborted?: { reason: string; byThreshold: boolean };
  timedOut: boolean;
  iterations: { completed: number; interrupted: number };
  /** What setup() returned, after its JSON round trip. */
  setupData: unknown;
  sleeps: SleepRecord[];
  console: ConsoleEntry[];
  /** Exceptions thrown by the target's core (answered 500): bugs in the target. */
  targetErrors: string[];
  durationMs: number;
}

/** The execution flags of `k6 run` (the CLI tier of k6's options). */
export interface K6RunFlags {
  vus?: number;
  iterations?: number;
  /** A k6 duration, e.g. `30s`. */
  duration?: string;
}

/**
 * The script's options as k6 consolidates them with the command line's execution flags (k6's
 * Options.Apply and DeriveScenariosFromShortcuts): a shortcut in the higher tier clears every
 * execution setting of the script, and becomes the scenario `default`.
 */
export function applyRunFlags(options: Record<string, unknown>, flags: K6RunFlags): Record<string, unknown> {
  if (flags.iterations === undefined && flags.duration === undefined)
    return flags.vus === undefined ? options : { ...options, vus: flags.vus };
  const { scenarios: _s, stages: _st, iterations: _i, duration: _d, vus: scriptVus, ...rest } = options;
  const vus = flags.vus ?? (typeof scriptVus === 'number' ? scriptVus : 1);
  const scenario: Record<string, unknown> =
    flags.iterations !== undefined
      ? {
          executor: 'shared-iterations',
          vus,
          iterations: flags.iterations,
          ...(flags.duration !== undefined ? { maxDuration: flags.duration } : {}),
        }
      : { executor: 'constant-vus', vus, duration: flags.duration };
  return { ...rest, vus, scenarios: { default: scenario } };
}

function stringEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

function pickScenario(options: Record<string, unknown>, wanted: string | undefined): ScenarioInfo {
  const scenarios = (options.scenarios ?? undefined) as Record<string, Record<string, unknown>> | undefined;
  const names = scenarios ? Object.keys(scenarios) : [];
  if (wanted !== undefined && !names.includes(wanted) && !(wanted === 'default' && names.length === 0)) {
    throw new Error(`scenario "${wanted}" is not in the script's options.scenarios (${names.join(', ') || 'none'})`);
  }
  const name = wanted ?? names[0] ?? 'default';
  const sc = scenarios?.[name] ?? {};
  return {
    name,
    executor: typeof sc.executor === 'string' ? sc.executor : 'per-vu-iterations',
    exec: typeof sc.exec === 'string' && sc.exec !== '' ? sc.exec : 'default',
    env: (sc.env as Record<string, string> | undefined) ?? {},
    tags: (sc.tags as Record<string, string> | undefined) ?? {},
  };
}

function toText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]')
    return Buffer.from(value as ArrayBuffer).toString('utf8');
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  throw new Error(`handleSummary() returned a ${typeof value} where a string or ArrayBuffer is expected`);
}

/**
 * Writes handleSummary's files as k6 does (cmd/run.go: each path opened with O_CREATE|O_TRUNC,
 * relative to the working folder, folders never created; a file that cannot be opened is reported
 * and the rest are still written; the run's exit code does not change).
 */
export function writeSummaryFiles(files: Record<string, string>, cwd: string): { written: string[]; errors: string[] } {
  const written: string[] = [];
  const errors: string[] = [];
  for (const [path, content] of Object.entries(files)) {
    if (path === 'stdout' || path === 'stderr') continue;
    try {
      writeFileSync(resolve(cwd, path), content, { flag: 'w' });
      written.push(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why =
        code === 'ENOENT'
          ? 'no such file or directory'
          : code === 'EISDIR'
            ? 'is a directory'
            : code === 'EACCES'
              ? 'permission denied'
              : (err as Error).message;
      errors.push(`could not open '${path}': ${why}`);
    }
  }
  return { written, errors };
}

/**
 * One harness test, step by step; runK6Bundle runs them all. Benchmarks use the steps to measure
 * a VU context's memory.
 */
export class K6Test {
  readonly state: TestState;
  readonly vu0: VirtualUser;
  readonly vus: VirtualUser[] = [];
  private compiled!: Awaited<ReturnType<typeof compileBundle>>;
  private setupJson: string | undefined;
  private readonly vuData: unknown[] = [];
  /** This instance's segment of the test (the whole test unless options name one). */
  readonly segment: ExecutionTuple;
  private readonly nextIndex: () => { inInstance: number; inTest: number };

  constructor(private readonly opts: RunK6BundleOptions) {
    const baseUrl = new URL(opts.baseUrl ?? HARNESS_BASE_URL);
    const apiKey = opts.apiKey ?? HARNESS_API_KEY;
    const env = stringEnv({ TALON_BASE_URL: baseUrl.origin, TALON_API_KEY: apiKey, ...opts.env });
    this.state = new TestState(
      opts.bundle,
      env,
      {
        target: opts.core ?? createTargetCore(),
        origin: baseUrl.origin,
        apiKey,
        ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
      },
      {
        requests: opts.record?.requests ?? true,
        samples: opts.record?.samples ?? true,
        metrics: opts.record?.metrics ?? true,
      },
      opts.printConsole ?? false,
      opts.callTimeoutMs ?? 60_000,
    );
    this.vu0 = new VirtualUser(0, this.state);
    this.segment = executionTuple(opts.executionSegment ?? '', opts.executionSegmentSequence ?? '');
    this.nextIndex = this.segment.indexes();
  }

  /** Compiles the bundle and runs its init code in VU 0: options, shared arrays, metrics. */
  async prepare(): Promise<void> {
    this.compiled = await compileBundle(this.opts.bundle);
    this.vu0.init(this.compiled);
    const exported = this.vu0.exports.options;
    const scriptOptions =
      exported === undefined ? {} : (JSON.parse(JSON.stringify(exported)) as Record<string, unknown>);
    const options = this.opts.flags ? applyRunFlags(scriptOptions, this.opts.flags) : scriptOptions;
    this.state.options = options;
    if (this.opts.validateOptions !== false) {
      const functions = Object.keys(this.vu0.exports).filter((k) => typeof this.vu0.exports[k] === 'function');
      const errors = validateK6Options(options, { exports: functions, metrics: this.state.metrics.types() });
      if (errors.length > 0) {
        const e = new Error(`k6 would refuse this script's options (exit code 104):\n- ${errors.join('\n- ')}`);
        e.name = 'K6OptionsError';
        throw e;
      }
    }
    this.state.scenario = pickScenario(options, this.opts.scenario);
    this.state.metrics.setThresholds(options.thresholds as Record<string, unknown> | undefined);
  }

  /** Creates and initialises one more VU (a fresh context running the script's init code). */
  addVu(): VirtualUser {
    const vu = new VirtualUser(this.vus.length + 1, this.state);
    vu.init(this.compiled);
    this.vus.push(vu);
    return vu;
  }

  async setup(): Promise<void> {
    const setup = this.vu0.exports.setup;
    if (typeof setup !== 'function') return;
    const data = await this.vu0.call('setup', setup as (...a: unknown[]) => unknown, []);
    this.setupJson = data === undefined ? undefined : JSON.stringify(data);
  }

  /**
   * Runs the next `iterations` iterations of this instance round-robin over the VUs, one at a time.
   * Calls continue one another: iteration indexes (exec.scenario.iterationInTest, striped over the
   * execution segments as in k6) and each VU's data carry on.
   */
  async iterate(iterations: number, timeoutMs: number): Promise<{ timedOut: boolean }> {
    const s = this.state;
    if (this.vus.length === 0) throw new Error('no VUs: call addVu() before iterate()');
    const fn = this.vus[0]!.exports[s.scenario.exec];
    if (typeof fn !== 'function') throw new Error(`function '${s.scenario.exec}' not found in exports`);
    // Each VU parses its own copy of setup's data once, as in k6.
    while (this.vuData.length < this.vus.length)
      this.vuData.push(this.vus[this.vuData.length]!.parseHere(this.setupJson));
    const abortChecks = s.metrics.thresholds.some((t) => t.expressions.some((e) => e.abortOnFail));
    if (s.plannedIterations === 0) {
      // k6 samples its VU gauges on a timer; the harness has one level: all VUs, all the time.
      s.metrics.add('vus', this.vus.length, {});
      s.metrics.add('vus_max', this.vus.length, {});
    }
    s.plannedIterations += iterations;
    const deadline = performance.now() + timeoutMs;
    for (let n = 0; n < iterations; n++) {
      if (s.aborted) break;
      if (performance.now() > deadline) return { timedOut: true };
      const { inInstance, inTest } = this.nextIndex();
      const k = inInstance % this.vus.length;
      const vu = this.vus[k]!;
      await vu.runIteration(vu.exports[s.scenario.exec] as (d: unknown) => unknown, this.vuData[k], inTest, inInstance);
      if (abortChecks) {
        const crossed = s.metrics.evaluate(s.elapsedMs(), true).filter((o) => !o.ok);
        if (crossed.length > 0) {
          const metrics = [...new Set(crossed.map((o) => o.metric))].sort().join(', ');
          s.aborted = {
            reason: `thresholds on metrics '${metrics}' were crossed; at least one has abortOnFail enabled, stopping test prematurely`,
            byThreshold: true,
          };
        }
      }
    }
    return { timedOut: false };
  }

  async teardown(): Promise<string | undefined> {
    const teardown = this.vu0.exports.teardown;
    if (typeof teardown !== 'function') return undefined;
    try {
      await this.vu0.call('teardown', teardown as (...a: unknown[]) => unknown, [this.vu0.parseHere(this.setupJson)]);
      return undefined;
    } catch (err) {
      if (isAbort(err)) return undefined;
      const d = this.vu0.describe(err);
      return d.stack ?? d.message;
    }
  }

  /** Evaluates thresholds, builds the summary data and calls handleSummary. */
  async finish(extra: {
    timedOut: boolean;
    teardownError: string | undefined;
    durationMs?: number;
  }): Promise<HarnessResult> {
    const s = this.state;
    const durationMs = extra.durationMs ?? s.elapsedMs();
    const thresholds = s.metrics.evaluate(durationMs);
    const trendStats = Array.isArray(s.options.summaryTrendStats)
      ? (s.options.summaryTrendStats as string[])
      : undefined;
    const summaryData = buildSummaryData(s.metrics, s.tree, thresholds, {
      durationMs,
      ...(trendStats ? { trendStats } : {}),
      ...(typeof s.options.summaryTimeUnit === 'string' ? { summaryTimeUnit: s.options.summaryTimeUnit } : {}),
      ...(typeof s.options.noColor === 'boolean' ? { noColor: s.options.noColor } : {}),
    });
    const summary: Record<string, string> = {};
    let summaryError: string | undefined;
    const handle = this.vu0.exports.handleSummary;
    if (typeof handle === 'function') {
      try {
        const out = await this.vu0.call('summary', handle as (...a: unknown[]) => unknown, [
          this.vu0.parseHere(JSON.stringify(summaryData)),
        ]);
        if (out !== null && typeof out === 'object') for (const [k, v] of Object.entries(out)) summary[k] = toText(v);
        else if (out !== undefined) throw new Error('handleSummary() must return an object of file name → content');
      } catch (err) {
        const d = this.vu0.describe(err);
        summaryError = d.stack ?? d.message;
      }
    }
    const summaryWrites = this.opts.cwd === undefined ? undefined : writeSummaryFiles(summary, this.opts.cwd);
    const thresholdsOk = thresholds.every((t) => t.ok);
    const exitCode = s.aborted?.byThreshold
      ? K6_EXIT.thresholdsFailed
      : s.aborted
        ? K6_EXIT.scriptAborted
        : extra.teardownError
          ? K6_EXIT.scriptException
          : thresholdsOk
            ? K6_EXIT.ok
            : K6_EXIT.thresholdsFailed;
    return {
      exitCode,
      options: s.options,
      scenario: s.scenario,
      requests: s.requests,
      checks: Object.fromEntries(s.checkTotals),
      failedChecks: s.failedChecks,
      checkTree: s.tree.root,
      samples: s.metrics.samples ?? [],
      metrics: summaryData.metrics,
      summaryData,
      summary,
      ...(summaryError ? { summaryError } : {}),
      ...(summaryWrites ? { summaryWrites } : {}),
      thresholds,
      thresholdsOk,
      errors: s.errors,
      ...(extra.teardownError ? { teardownError: extra.teardownError } : {}),
      ...(s.aborted ? { aborted: s.aborted } : {}),
      timedOut: extra.timedOut,
      iterations: { completed: s.iterationsCompleted, interrupted: s.iterationsInterrupted },
      setupData: this.setupJson === undefined ? undefined : JSON.parse(this.setupJson),
      sleeps: s.sleeps,
      console: s.console,
      targetErrors: s.targetErrors,
      durationMs,
    };
  }
}

/**
 * Runs a k6 bundle through the harness. Rejects when k6 would not start the test: the bundle does
 * not load, the init code throws, the options break k6's rules, or setup() throws.
 */
export async function runK6Bundle(options: RunK6BundleOptions): Promise<HarnessResult> {
  const flags = options.flags;
  // Under --iterations k6 runs exactly those iterations over --vus VUs.
  const vus = flags?.iterations !== undefined ? (flags.vus ?? 1) : (options.vus ?? flags?.vus ?? 1);
  const iterations = flags?.iterations ?? options.iterations ?? 1;
  if (!Number.isInteger(vus) || vus < 1) throw new Error(`vus must be a positive integer, got ${vus}`);
  if (!Number.isInteger(iterations) || iterations < 0)
    throw new Error(`iterations must be a non-negative integer, got ${iterations}`);
  const test = new K6Test(options);
  try {
    await test.prepare();
    for (let i = 0; i < vus && !test.state.aborted; i++) test.addVu();
  } catch (err) {
    // test.abort() in the init code ends the test before it starts (k6 exits 108).
    if (!isAbort(err)) throw err;
  }
  let timedOut = false;
  if (!test.state.aborted) {
    try {
      await test.setup();
    } catch (err) {
      if (!isAbort(err)) {
        const d = test.vu0.describe(err);
        const e = new Error(`setup() failed: ${d.message}`);
        if (d.stack) e.stack = `${e.message}\n${d.stack}`;
        throw e;
      }
    }
  }
  if (!test.state.aborted)
    timedOut = (await test.iterate(test.segment.scale(iterations), options.timeoutMs ?? 120_000)).timedOut;
  const teardownError = await test.teardown();
  return test.finish({ timedOut, teardownError });
}
