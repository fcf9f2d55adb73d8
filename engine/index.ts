// The Node engine: executes recorded events or generated session plans against a target in an
// open model, never sending two steps of one session at once, and writes results/<run-id>/.
// docs/engine.md describes its parts; this module wires them:
//   source (sources.ts, paced by pacer.ts) → Scheduler (scheduler.ts, pure) → Sender (undici)
//   → the results stream (stream.ts) → its consumers: the summary (summary.ts), the request log
//   and the bad-row log (logs.ts), live progress, and any the caller adds.
// Nothing starts before every option is checked and the input's first step is read: a bad flag, an
// empty or malformed file leaves no results folder and sends nothing.
import { readdirSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_SESSION_PREFIX } from '../model/conventions.ts';
import { makeDirsSync } from '../io/dirs.ts';
import { CartloadError } from '../model/errors.ts';
import type { ResultsConsumer, RunStart } from '../model/results-events.ts';
import { redact, type RunSummary } from '../model/summary.ts';
import { RequestLog, RowIssueLog } from './logs.ts';
import {
  DEFAULT_MAX_ERROR_RATE,
  ENGINE_DEFAULTS,
  settingsOf,
  validateEngineOptions,
  type EngineOptions,
  type Settings,
} from './options.ts';
import { pacerFor } from './pacer.ts';
import { preflight } from './preflight.ts';
import { startProgress } from './progress.ts';
import { EngineRun } from './run.ts';
import { makeRunId, shortRandom } from './run-id.ts';
import { Sender } from './sender.ts';
import { SessionTable } from './sessions.ts';
import { planSource, recordingSource, type Source, type SourceContext } from './sources.ts';
import { ResultsStream } from './stream.ts';
import { SummaryWriter } from './summary.ts';
import { ResultsStreamWriter } from '../report/data/stream-writer.ts';
import { gitRevision, toolVersions } from '../report/environment.ts';
import { writeRunFolder } from '../report/write.ts';
import type { StepItem } from './types.ts';

export type { Filters, PlansInput, RecordingInput, Timing } from './sources.ts';
export type { ProgressSink } from './progress.ts';
export {
  DEFAULT_MAX_ERROR_RATE,
  ENGINE_DEFAULTS,
  EngineOptionError,
  MAX_RATE,
  validateEngineOptions,
  type EngineOptions,
} from './options.ts';

export type EngineOutcome = 'ok' | 'thresholds' | 'interrupted' | 'bad-input' | 'unavailable';

export interface EngineResult {
  outcome: EngineOutcome;
  /** Why, for 'bad-input' and 'unavailable'. */
  message?: string;
  summary?: RunSummary;
  /** The run folder, once created. */
  dir?: string;
  /** 'bad-input' because the input left nothing to send (a resume of a finished replay is done, not bad). */
  nothingToSend?: true;
}

interface Run {
  o: EngineOptions;
  settings: Settings;
  runId: string;
  dir: string;
  sessionPrefix: string;
  sender: Sender;
}

/** Why `dir` cannot be this run's folder (it holds a run, or a file is in the way), or undefined. */
async function runDirProblem(dir: string): Promise<string | undefined> {
  try {
    if (!(await stat(dir)).isDirectory())
      return `${dir} is a file, not a folder: choose another --results-dir or --run-id`;
    const existing = await readdir(dir);
    if (existing.length > 0) return `${dir} already holds a run (${existing.join(', ')}); choose another --run-id`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `${dir}: a file is in the way of the --results-dir path`;
    if (code !== 'ENOENT') return `${dir}: cannot use it as the run folder (${code ?? (err as Error).message})`;
  }
  return undefined;
}

export async function runEngine(o: EngineOptions): Promise<EngineResult> {
  try {
    validateEngineOptions(o);
  } catch (err) {
    if (err instanceof CartloadError) return { outcome: 'bad-input', message: err.message };
    throw err;
  }
  const settings = settingsOf(o);
  const random = shortRandom();
  const runId = o.runId ?? makeRunId(new Date(), random);
  const dir = resolve(o.resultsDir ?? ENGINE_DEFAULTS.resultsDir, runId);
  const problem = await runDirProblem(dir);
  if (problem) return { outcome: 'bad-input', message: problem };
  const sessionPrefix = o.sessionPrefix ?? `${DEFAULT_SESSION_PREFIX}-${random}-`;
  const sender = new Sender({
    target: o.target,
    apiKey: o.apiKey,
    connections: settings.connections,
    timeoutMs: settings.timeoutMs,
  });
  try {
    return await execute({ o, settings, runId, dir, sessionPrefix, sender });
  } finally {
    await sender.destroy().catch(() => undefined);
  }
}

/** The run-start event; creating the run folder first (the stream calls it when the run starts). */
function runStart(r: Run, startedAt: number): RunStart {
  // Not mkdirSync({ recursive: true }): under /proc it never returns (io/dirs.ts).
  makeDirsSync(r.dir);
  if (readdirSync(r.dir).length > 0) throw new CartloadError(`${r.dir} already holds a run; choose another --run-id`);
  const { o } = r;
  return {
    type: 'run-start',
    runId: r.runId,
    dir: r.dir,
    engine: 'node',
    scenario: o.scenario ?? o.input.name,
    target: o.target,
    epochMs: startedAt,
    paced: r.settings.paced,
    connections: r.settings.connections,
    options: redact(o.options ?? {}),
    notes: o.notes ?? [],
  };
}

function consumersOf(r: Run, summary: SummaryWriter, results: ResultsStreamWriter): ResultsConsumer[] {
  return [
    summary,
    results,
    ...(r.o.logRequests ? [new RequestLog()] : []),
    new RowIssueLog(r.o.onIssue),
    ...(r.o.consumers ?? []),
  ];
}

/**
 * Writes the run folder: results.json (the results format: histograms, slices) from the stream,
 * and summary.json, summary.txt and report.html derived from it; the summary's description,
 * sessions and notes come from the engine's own count. Returns the summary written.
 */
async function writeResults(
  r: Run,
  summary: SummaryWriter,
  results: ResultsStreamWriter,
): Promise<RunSummary | undefined> {
  const counted = summary.summary();
  if (!counted) return undefined;
  const git = gitRevision();
  const full = results.results(counted, {
    kind: r.o.input.kind === 'recording' ? 'recording' : 'scenario',
    tools: toolVersions(),
    ...(git ? { git } : {}),
  });
  return (await writeRunFolder(r.dir, full)).summary;
}

function sourceOf(r: Run, ctx: SourceContext): Source {
  const { o } = r;
  if (o.input.kind === 'plans') return planSource(o.input, ctx);
  const options = {
    filters: o.filters ?? {},
    sessionPrefix: r.sessionPrefix,
    loops: o.loops ?? 1,
    dry: o.dry === true,
    sessionIdleMs: r.settings.sessionIdleMs,
  };
  return recordingSource(o.input, options, ctx);
}

async function execute(r: Run): Promise<EngineResult> {
  const { o } = r;
  const summary = new SummaryWriter({
    ...(o.scenario !== undefined ? { scenario: o.scenario } : {}),
    maxErrorRate: o.maxErrorRate ?? (o.slo ? undefined : DEFAULT_MAX_ERROR_RATE),
    ...(o.slo ? { slo: o.slo } : {}),
    statesFiltered: o.filters?.states !== undefined,
  });
  const openedAt = o.input.kind === 'recording' ? o.input.openedAt : undefined;
  const startedAt = Math.min(openedAt ?? Date.now(), Date.now());
  const results = new ResultsStreamWriter();
  const stream = new ResultsStream(consumersOf(r, summary, results), () => runStart(r, startedAt));
  const table = new SessionTable((s) => stream.session('started', s));
  const run = new EngineRun({
    settings: r.settings,
    sender: r.sender,
    stream,
    table,
    inputName: o.input.name,
    ...(o.steps ? { steps: o.steps } : {}),
  });
  const source = sourceOf(r, {
    table,
    pacer: pacerFor(o.timing, run.now),
    leftOut: (why, reason, count) => stream.leftOut(why, reason, count),
    ended: (s) => run.scheduler.ended(s),
    onIssue: (issue) =>
      stream.emit({
        type: 'row-issue',
        file: issue.file,
        line: issue.line,
        reason: issue.reason,
        message: issue.message,
      }),
  });
  stream.emit({ type: 'phase', phase: 'preparing', epochMs: startedAt });
  const first = await run.prime(source);
  // An error that is not the input's fault (a disk failing under the sort) is a crash, not bad input.
  if (first === undefined && run.stopped.readError !== undefined) {
    await source.close().catch(() => undefined);
    throw run.stopped.readError;
  }
  const early = first === undefined ? (run.stopped.message ?? nothingToSend(o.input.name, stream)) : undefined;
  const check =
    early === undefined && o.preflight !== false ? await preflight(r.sender, r.sessionPrefix) : { ok: true as const };
  if (early !== undefined || !check.ok) {
    await source.close().catch(() => undefined);
    const why: EngineResult =
      early !== undefined
        ? {
            outcome: 'bad-input',
            message: early,
            ...(first === undefined && run.stopped.message === undefined ? { nothingToSend: true as const } : {}),
          }
        : { outcome: 'unavailable', message: `${o.target}: ${(check as { message: string }).message}` };
    return finishEarly(r, stream, summary, results, run, why);
  }
  stream.begin();
  const stopProgress = progressOf(r, run, summary);
  try {
    await run.run(first as StepItem, {
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.hardSignal ? { hard: o.hardSignal } : {}),
    });
  } finally {
    stopProgress();
  }
  return finish(r, stream, summary, results, run, 'warning' in check && check.warning ? [check.warning] : []);
}

function nothingToSend(name: string, stream: ResultsStream): string {
  const left = Object.entries(stream.heldLeftOut());
  if (left.length === 0) return `${name}: nothing to send: it holds no steps`;
  return `${name}: nothing to send: every step was left out (${left.map(([why, n]) => `${why}: ${n}`).join(', ')})`;
}

/** The run ended before sending (bad input, nothing to send, target unavailable): a summary only if the run folder was already made (bad rows were logged). */
async function finishEarly(
  r: Run,
  stream: ResultsStream,
  summary: SummaryWriter,
  results: ResultsStreamWriter,
  run: EngineRun,
  result: EngineResult,
): Promise<EngineResult> {
  if (!stream.started) return result;
  stream.emit(run.end([result.message ?? '']));
  await stream.close();
  const written = await writeResults(r, summary, results);
  return { ...result, ...(written ? { summary: written } : {}), dir: r.dir };
}

async function finish(
  r: Run,
  stream: ResultsStream,
  summary: SummaryWriter,
  results: ResultsStreamWriter,
  run: EngineRun,
  notes: string[],
): Promise<EngineResult> {
  stream.emit(run.end(notes));
  await stream.close();
  const written = (await writeResults(r, summary, results)) as RunSummary;
  const stopped = run.stopped;
  if (stopped.readError !== undefined) throw stopped.readError;
  const base = { summary: written, dir: r.dir };
  if (stopped.reason === 'bad-input') return { ...base, outcome: 'bad-input', message: stopped.message ?? 'bad input' };
  if (run.interrupted) return { ...base, outcome: 'interrupted' };
  if (written.requests.total === 0)
    return { ...base, outcome: 'bad-input', message: `${r.o.input.name}: nothing was sent` };
  return { ...base, outcome: written.thresholds?.some((t) => !t.ok) ? 'thresholds' : 'ok' };
}

/** Live progress while sending; it stops when the run starts stopping (no line after "stopping"). */
function progressOf(r: Run, run: EngineRun, summary: SummaryWriter): () => void {
  const sink = r.o.progress;
  if (!sink) return () => undefined;
  const stats = summary.stats;
  const stop = startProgress(sink, () => ({
    elapsedMs: run.now(),
    sent: run.sent,
    inFlight: run.scheduler.inFlight,
    errors: stats.failed,
    lagP99: r.settings.paced && stats.lag.count > 0 ? stats.lag.percentile(99) / 1000 : undefined,
  }));
  let stopped = false;
  const once = (): void => {
    if (!stopped) stop();
    stopped = true;
  };
  run.onStopping = once;
  return once;
}
