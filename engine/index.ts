// The Node replay engine: executes recorded events or generated session plans against a target in
// an open model, never sending two steps of one session at once, and writes results/<run-id>/.
//
// Time: every step has a due time in ms since the run's anchor (performance.now() at the start),
// computed from the recording or the rate, never from the previous sleep, so timer lateness never
// accumulates. One timer is armed for the earliest due step; the reader is pulled only while the
// source's frontier is within `lookaheadMs` of now (and the buffer holds fewer than `maxBuffered`
// steps), so a file of any size replays in constant memory.
//
// Order: a step that comes due while its session is busy waits in that session's FIFO and goes
// when the predecessor answers; that wait is measured apart (lag.waitingForPredecessor) from the
// engine's own lateness (lag) and from the server's latency.
import { createWriteStream, type WriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_SESSION_PREFIX } from '../model/conventions.ts';
import { sessionPath } from '../model/plan.ts';
import { redact, SUMMARY_SCHEMA_VERSION, type RunSummary, type ThresholdResult } from '../model/summary.ts';
import { prepareRunDir, RunDirError, writeSummary } from '../report/write.ts';
import { RecordingError, type RowIssue } from '../recordings/events.ts';
import { DueHeap } from '../recordings/sort/heap.ts';
import { startProgress, type ProgressSink } from './progress.ts';
import { makeRunId, shortRandom } from './run-id.ts';
import { Sender, type Outcome } from './sender.ts';
import { SessionTable } from './sessions.ts';
import { planSource, recordingSource, type Filters, type PlansInput, type RecordingInput, type Source, type Timing } from './sources.ts';
import { latencyOf, recordMs, RunStats } from './stats.ts';
import type { Session, StepItem } from './types.ts';

export type { Filters, PlansInput, RecordingInput, Timing } from './sources.ts';
export type { ProgressSink } from './progress.ts';

export interface EngineOptions {
  /** Base URL of the Integration API deployment. */
  target: string;
  /** Sent as `Authorization: ApiKey-v1 <key>`; never written anywhere. */
  apiKey?: string;
  input: RecordingInput | PlansInput;
  timing: Timing;
  /** Connections in the pool, and the cap on requests in flight (default 64). */
  connections?: number;
  /** Per-request connect/headers/body timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** After an interrupt, how long in-flight requests may take to answer before they are cut (default 10 s). */
  drainTimeoutMs?: number;
  /** How far ahead of the clock the reader may read (ms, default 250). */
  lookaheadMs?: number;
  /** At most this many steps read but not yet answered (default 50,000); the reader waits beyond it. */
  maxBuffered?: number;
  /** Prefix for recorded session IDs; '' keeps them. Default `cartload-<random>-`. Ignored for plans. */
  sessionPrefix?: string;
  /** Forget a recorded session after this much recorded time without a step (default 10 min); see SessionTable.forgetIdle. */
  sessionIdleMs?: number;
  /** Add dry=true to update and return steps; reopen steps, which have no dry mode, are filtered. */
  dry?: boolean;
  filters?: Filters;
  /** Replay a recording this many times, each pass with fresh session IDs (default 1). */
  loops?: number;
  /** Fail the run (outcome 'thresholds') when failed requests / requests exceeds this fraction. */
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
  onIssue?: (issue: RowIssue) => void;
  /** Notes added to the summary as they are (e.g. which engine ran and why). */
  notes?: string[];
  /**
   * Steps whose event carries a `mark` (a checkpoint's step number): called just before the step
   * is handed to the connection pool, and when it is answered (ok: 2xx, or the recorded status;
   * cut: the run stopping cut the request, so whether the target processed it is unknown).
   */
  steps?: { sending(mark: number, sessionId: string, step: string): void; answered(mark: number, ok: boolean, cut: boolean): void };
}

export type EngineOutcome = 'ok' | 'thresholds' | 'interrupted' | 'bad-input' | 'unavailable';

export interface EngineResult {
  outcome: EngineOutcome;
  /** Why, for 'bad-input' and 'unavailable'. */
  message?: string;
  summary?: RunSummary;
  /** The run folder, once created. */
  dir?: string;
}

const DEFAULTS = { connections: 64, timeoutMs: 30_000, drainTimeoutMs: 10_000, lookaheadMs: 250, maxBuffered: 50_000 };
const MAX_ERROR_NOTES = 5;

function validate(o: EngineOptions): string | undefined {
  const t = o.timing;
  if (t.mode === 'speed' && !(t.speed > 0)) return '--speed must be a number above 0';
  if (t.mode === 'rate' && !(t.rate > 0)) return '--rate must be a number above 0';
  if (o.connections !== undefined && !(Number.isInteger(o.connections) && o.connections >= 1)) return '--connections must be a whole number of at least 1';
  if (o.loops !== undefined && !(Number.isInteger(o.loops) && o.loops >= 1)) return '--loop must be a whole number of at least 1';
  if ((o.loops ?? 1) > 1) {
    if (o.input.kind === 'recording' && !o.input.rewindable) return '--loop cannot read standard input twice: name a file';
    if (o.sessionPrefix === '') return '--loop replays each pass under fresh session IDs: drop --keep-session-ids';
  }
  if (o.input.kind === 'plans' && t.mode === 'speed') return 'generated plans are paced by --rate (or run as fast as possible), not --speed';
  const f = o.filters ?? {};
  if (f.sample !== undefined && !(f.sample > 0 && f.sample <= 1)) return '--sample must be a fraction in (0, 1]';
  if (f.limit !== undefined && !(Number.isInteger(f.limit) && f.limit >= 1)) return '--limit must be a whole number of at least 1';
  if (o.maxErrorRate !== undefined && !(o.maxErrorRate >= 0 && o.maxErrorRate <= 1)) return '--max-error-rate must be a fraction in [0, 1]';
  try {
    const u = new URL(o.target);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `--target ${o.target}: use an http:// or https:// URL`;
  } catch {
    return `--target "${o.target}" is not a URL (for example https://yourbaseurl.talon.one)`;
  }
  return undefined;
}

/** One GET for a session that cannot exist: any answer but 401/403 proves the target is there and takes the key. */
async function preflight(sender: Sender, prefix: string): Promise<string | undefined> {
  const o = await new Promise<Outcome>((resolve) => sender.send('GET', sessionPath(`${prefix}preflight-${shortRandom(8)}`), undefined, false, (done: (o: Outcome) => void, o) => done(o), resolve));
  if (o.status === 0) return `the target did not answer: ${'message' in o ? o.message : 'no answer'}`;
  if (o.status === 401 || o.status === 403) return `the target refused the API key (HTTP ${o.status}); set TALON_API_KEY`;
  return undefined;
}

const csvCell = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

export async function runEngine(o: EngineOptions): Promise<EngineResult> {
  const invalid = validate(o);
  if (invalid) return { outcome: 'bad-input', message: invalid };
  const connections = o.connections ?? DEFAULTS.connections;
  const lookahead = o.lookaheadMs ?? DEFAULTS.lookaheadMs;
  // As fast as possible, time gives no bound: keep enough steps read to fill every connection
  // from many sessions, and no more (a big buffer only feeds the garbage collector).
  const asapBuffer = Math.max(1024, connections * 32);
  const maxBuffered = Math.max(o.timing.mode === 'asap' ? Math.min(o.maxBuffered ?? asapBuffer, asapBuffer) : (o.maxBuffered ?? DEFAULTS.maxBuffered), connections * 2);
  const drainTimeoutMs = o.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs;
  const random = shortRandom();
  const runId = o.runId ?? makeRunId(new Date(), random);
  const sessionPrefix = o.sessionPrefix ?? `${DEFAULT_SESSION_PREFIX}-${random}-`;
  const paced = o.timing.mode !== 'asap';
  const sender = new Sender({ target: o.target, apiKey: o.apiKey, connections, timeoutMs: o.timeoutMs ?? DEFAULTS.timeoutMs });

  try {
    if (o.preflight !== false) {
      const why = await preflight(sender, sessionPrefix);
      if (why) return { outcome: 'unavailable', message: `${o.target}: ${why}` };
    }
    let dir: string;
    try {
      dir = await prepareRunDir(o.resultsDir ?? 'results', runId);
    } catch (err) {
      if (err instanceof RunDirError) return { outcome: 'bad-input', message: err.message };
      throw err;
    }
    const result = await execute(o, { dir, runId, sessionPrefix, connections, lookahead, maxBuffered, drainTimeoutMs, paced, sender });
    return { ...result, dir };
  } finally {
    await sender.destroy().catch(() => undefined);
  }
}

interface Resolved {
  dir: string;
  runId: string;
  sessionPrefix: string;
  connections: number;
  lookahead: number;
  maxBuffered: number;
  drainTimeoutMs: number;
  paced: boolean;
  sender: Sender;
}

async function execute(o: EngineOptions, r: Resolved): Promise<Omit<EngineResult, 'dir'>> {
  const { sender, paced, connections, lookahead, maxBuffered } = r;
  const stats = new RunStats();
  const table = new SessionTable(stats);
  const heap = new DueHeap<StepItem>();
  /** Steps whose session allows them but that wait for a free connection (cap = connections). */
  const ready: StepItem[] = [];
  let readyHead = 0;
  let inFlight = 0;
  /** Steps read and not yet answered or dropped. */
  let buffered = 0;
  let sent = 0;
  let stopping = false;
  let sourceDone = false;
  let badInput: string | undefined;
  let readError: unknown;
  const errorNotes = new Map<string, string>();
  const errorKinds: Record<string, number> = {};

  const startedAt = new Date();
  // Re-anchored when the first step is read: a reader that sorts or decompresses before its first
  // event must not make every step late by that much.
  let anchor = performance.now();
  let anchored = false;
  const now = (): number => performance.now() - anchor;

  let requestLog: WriteStream | undefined;
  if (o.logRequests) {
    requestLog = createWriteStream(join(r.dir, 'requests.csv'));
    requestLog.write('session_id,step,method,path,status,intended_ms,sent_ms,answered_ms\n');
  }
  let issuesLog: WriteStream | undefined;
  const onIssue = (issue: RowIssue): void => {
    issuesLog ??= createWriteStream(join(r.dir, 'row-issues.ndjson'));
    issuesLog.write(`${JSON.stringify(issue)}\n`);
    o.onIssue?.(issue);
  };

  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const checkDone = (): void => {
    if (buffered === 0 && (sourceDone || stopping)) finish();
  };

  const forgetIfIdle = (s: Session): void => {
    if (s.ended && !s.busy && (s.queue === undefined || s.queue.length === 0)) table.forget(s);
  };

  const ctx = { stats, table, now, ended: forgetIfIdle, onIssue };
  let source: Source;
  try {
    source =
      o.input.kind === 'recording'
        ? recordingSource(o.input, { timing: o.timing, filters: o.filters ?? {}, sessionPrefix: r.sessionPrefix, loops: o.loops ?? 1, dry: o.dry === true, sessionIdleMs: o.sessionIdleMs ?? 600_000 }, ctx)
        : planSource(o.input, o.timing, ctx);
  } catch (err) {
    return { outcome: 'bad-input', message: err instanceof Error ? err.message : String(err) };
  }

  // --- sending -------------------------------------------------------------------------------
  const send = (item: StepItem, t: number): void => {
    inFlight++;
    sent++;
    if (paced) recordMs(stats.lag, t - item.ready);
    item.sentAt = t;
    if (item.mark !== undefined) o.steps?.sending(item.mark, item.session.id, item.stepName);
    // onAnswer itself is the callback, the item its context: no closure per request.
    sender.send(item.method, item.path, item.body, errorNotes.size < MAX_ERROR_NOTES, onAnswer, item);
  };

  /** The session is free: send now, or wait for a connection. */
  const dispatch = (item: StepItem, t: number): void => {
    item.session.busy = true;
    if (inFlight < connections && readyHead === ready.length) send(item, t);
    else ready.push(item);
  };

  const onDue = (item: StepItem, t: number): void => {
    const s = item.session;
    if (s.failed) {
      stats.skippedSteps++;
      buffered--;
      s.pending--;
      forgetIfIdle(s);
      return;
    }
    if (s.busy) {
      (s.queue ??= []).push(item);
      return;
    }
    dispatch(item, t);
  };

  const onAnswer = (item: StepItem, outcome: Outcome): void => {
    const t = now();
    const sentAt = item.sentAt;
    inFlight--;
    buffered--;
    item.session.pending--;
    const s = item.session;
    s.busy = false;
    const status = outcome.status;
    const ok = status >= 200 && status < 300;
    const asRecorded = !ok && status !== 0 && item.recordedStatus === status;
    const failed = !ok && !asRecorded;
    stats.answer(item.stepName, item.endpoint, status === 0 ? 'error' : String(status), status === 0 ? undefined : t - sentAt, paced ? t - item.due : undefined, failed);
    if (asRecorded) stats.asRecorded++;
    if (item.mark !== undefined) o.steps?.answered(item.mark, !failed, 'error' in outcome && outcome.error === 'aborted');
    if (requestLog) {
      requestLog.write(`${csvCell(s.id)},${item.stepName},${item.method},${csvCell(item.path)},${status === 0 ? 'error' : status},${item.due.toFixed(3)},${sentAt.toFixed(3)},${t.toFixed(3)}\n`);
    }
    if (failed) {
      if ('error' in outcome) errorKinds[outcome.error] = (errorKinds[outcome.error] ?? 0) + 1;
      const key = `${item.endpoint} → ${status === 0 ? ('error' in outcome ? outcome.error : 'error') : status}`;
      if (!errorNotes.has(key) && errorNotes.size < MAX_ERROR_NOTES) {
        const detail = 'error' in outcome ? outcome.message : (outcome.body ?? '').replace(/\s+/g, ' ').slice(0, 300);
        errorNotes.set(key, detail);
      }
      if (!s.failed) {
        s.failed = true;
        stats.sessionFailed(s.kind);
      }
      const dropped = s.queue?.length ?? 0;
      stats.skippedSteps += dropped;
      buffered -= dropped;
      s.pending -= dropped;
      s.queue = undefined;
    } else if (s.queue !== undefined && s.queue.length > 0 && !stopping) {
      const next = s.queue.shift() as StepItem;
      // Most sessions wait for one step at most: give the array back rather than keep its capacity.
      if (s.queue.length === 0) s.queue = undefined;
      next.ready = t;
      if (paced && t > next.due) recordMs(stats.waiting, t - next.due);
      dispatch(next, t);
    }
    if (item.last || s.failed) forgetIfIdle(s);
    pump();
    checkDone();
  };

  // --- the clock -----------------------------------------------------------------------------
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let wakeReader: (() => void) | undefined;

  const readerMayRead = (t: number): boolean => buffered < maxBuffered && source.frontier <= t + lookahead;
  // A waiting reader is woken only once the buffer has drained to a quarter below full, so it reads
  // in runs rather than one step per answer (one promise and wake-up per run, not per step).
  const lowWater = maxBuffered - Math.max(1, maxBuffered >> 2);
  const readerShouldWake = (t: number): boolean => buffered <= lowWater && source.frontier <= t + lookahead;

  const pump = (): void => {
    if (stopping) return;
    const t = now();
    for (let top = heap.peek(); top !== undefined && top.due <= t; top = heap.peek()) onDue(heap.pop() as StepItem, t);
    while (inFlight < connections && readyHead < ready.length) {
      const item = ready[readyHead] as StepItem;
      ready[readyHead++] = undefined as unknown as StepItem; // let the item go while the array is reused
      send(item, t);
    }
    if (readyHead === ready.length && readyHead > 0) {
      ready.length = 0;
      readyHead = 0;
    }
    if (wakeReader && readerShouldWake(t)) {
      const w = wakeReader;
      wakeReader = undefined;
      w();
    }
    // Next wake-up: the earliest due step, or the moment the reader may read again.
    let at = heap.peek()?.due ?? Infinity;
    if (wakeReader && buffered <= lowWater) at = Math.min(at, source.frontier - lookahead);
    if (at < timerAt || timer === undefined) {
      if (timer) clearTimeout(timer);
      timer = undefined;
      timerAt = Infinity;
      if (at !== Infinity) {
        timerAt = at;
        timer = setTimeout(onTimer, Math.max(0, at - t));
      }
    }
    // Due steps of failed sessions are dropped here: the run may just have ended.
    checkDone();
  };
  const onTimer = (): void => {
    timer = undefined;
    timerAt = Infinity;
    pump();
  };

  // --- the reader ----------------------------------------------------------------------------
  const read = async (): Promise<void> => {
    try {
      while (!stopping) {
        if (!readerMayRead(now())) {
          await new Promise<void>((resolve) => {
            wakeReader = resolve;
            pump();
          });
          continue;
        }
        const item = await source.next();
        if (item !== undefined && !anchored) {
          anchored = true;
          const shift = performance.now() - anchor;
          anchor += shift;
          if (!paced) item.due = 0;
        }
        if (item === undefined || stopping) {
          if (item) stats.unsentSteps++;
          break;
        }
        buffered++;
        if (paced) heap.push(item);
        else onDue(item, now());
        // Steps due now go at once; later ones wait for the timer.
        if (!paced || item.due <= now()) pump();
        else if (item.due < timerAt) pump();
      }
    } catch (err) {
      // Kept, not thrown: the run still drains and writes its summary, then reports it.
      const code = (err as { code?: string } | null)?.code;
      if (err instanceof RecordingError) badInput = err.message;
      else if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') badInput = `${o.input.name}: ${(err as Error).message}`;
      else readError = err;
      stop();
    } finally {
      sourceDone = true;
      pump();
      checkDone();
    }
  };

  // --- stopping ------------------------------------------------------------------------------
  let interrupted = false;
  const unfinished = new Map<string, number>();
  const markUnfinished = (s: Session): void => {
    if (s.failed) return;
    unfinished.set(s.kind, (unfinished.get(s.kind) ?? 0) + 1);
  };
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const cut = new Set<Session>();
    for (let item = heap.pop(); item; item = heap.pop()) {
      stats.unsentSteps++;
      buffered--;
      item.session.pending--;
      cut.add(item.session);
    }
    for (let i = readyHead; i < ready.length; i++) {
      const item = ready[i] as StepItem;
      stats.unsentSteps++;
      buffered--;
      item.session.pending--;
      cut.add(item.session);
    }
    ready.length = 0;
    readyHead = 0;
    for (const s of table.values()) {
      if (s.queue && s.queue.length > 0) {
        stats.unsentSteps += s.queue.length;
        buffered -= s.queue.length;
        s.pending -= s.queue.length;
        s.queue = undefined;
        cut.add(s);
      }
    }
    for (const s of cut) markUnfinished(s);
    if (wakeReader) wakeReader();
    void source.close().catch(() => undefined);
    checkDone();
  };
  const onAbort = (): void => {
    interrupted = true;
    stop();
  };
  const onHardAbort = (): void => {
    onAbort();
    void sender.destroy().catch(() => undefined);
  };
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.hardSignal?.aborted) onHardAbort();
  o.hardSignal?.addEventListener('abort', onHardAbort, { once: true });

  const stopProgress = o.progress
    ? startProgress(o.progress, () => ({ elapsedMs: now(), sent, inFlight, errors: stats.failed, lagP99: paced && stats.lag.count > 0 ? stats.lag.percentile(99) / 1000 : undefined }))
    : undefined;

  const reading = read();
  try {
    await finished;
    if (stopping && inFlight > 0) {
      // Drain: in-flight requests get drainTimeoutMs to answer, then the pool is cut.
      const drained = new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (inFlight === 0) {
            clearInterval(poll);
            resolve();
          }
        }, 10);
        setTimeout(() => {
          clearInterval(poll);
          resolve();
        }, r.drainTimeoutMs).unref();
      });
      await drained;
      if (inFlight > 0) await sender.destroy().catch(() => undefined);
    }
    await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 100).unref())]);
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    o.hardSignal?.removeEventListener('abort', onHardAbort);
    stopProgress?.();
    if (timer) clearTimeout(timer);
  }
  await Promise.all(
    [requestLog, issuesLog].map((w) => (w ? new Promise<void>((resolve) => w.end(() => resolve())) : Promise.resolve())),
  );

  const endedAt = new Date();
  const errorRate = stats.total === 0 ? 0 : stats.failed / stats.total;
  const gate: ThresholdResult[] = [];
  if (o.maxErrorRate !== undefined) gate.push({ metric: 'error_rate', expression: `rate<=${o.maxErrorRate}`, ok: errorRate <= o.maxErrorRate });
  const byStep = stats.steps();
  if (o.slo) {
    gate.push({ metric: 'http_req_failed', expression: `rate<${o.slo.errorRate}`, ok: errorRate < o.slo.errorRate });
    for (const [step, st] of Object.entries(byStep).sort()) {
      gate.push({ metric: `http_req_duration{step:${step}}`, expression: `p(95)<${o.slo.p95Ms}`, ok: st.latency.p95 < o.slo.p95Ms });
      gate.push({ metric: `http_req_duration{step:${step}}`, expression: `p(99)<${o.slo.p99Ms}`, ok: st.latency.p99 < o.slo.p99Ms });
    }
  }
  const thresholds = gate.length > 0 ? gate : undefined;
  const notes = [...(o.notes ?? [])];
  if (badInput) notes.push(`stopped by bad input: ${badInput}`);
  if (readError !== undefined) notes.push(`stopped by an error while reading: ${readError instanceof Error ? readError.message : String(readError)}`);
  if (stats.unsentSteps > 0) notes.push(`${stats.unsentSteps} scheduled steps were not sent because the run stopped`);
  if (o.filters?.states && stats.sessionsStarted === 0 && (stats.filtered.state ?? 0) > 0) {
    notes.push('--state kept no session: only a session export records final states (a request log has none)');
  }
  if (table.forgotten > 0) notes.push(`${table.forgotten} sessions idle for more than ${((o.sessionIdleMs ?? 600_000) / 60_000).toFixed(0)} min of recorded time were forgotten; a later step of one would count as a new session`);
  if (stats.asRecorded > 0) notes.push(`${stats.asRecorded} non-2xx answers repeated the recorded status and were not counted as failures`);
  for (const [kind, n] of Object.entries(errorKinds)) notes.push(`${n} requests got no answer: ${kind}`);
  for (const [key, detail] of errorNotes) notes.push(`first ${key}: ${detail}`);

  const completed = stats.sessionsStarted - stats.sessionsFailed - [...unfinished.values()].reduce((a, b) => a + b, 0);
  const summary: RunSummary = {
    tool: 'cartload',
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    engine: 'replay',
    runId: r.runId,
    scenario: o.scenario ?? (o.input.kind === 'recording' && o.input.name !== '-' ? basename(o.input.name) : o.input.name),
    startedAt: startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: Math.round(endedAt.getTime() - startedAt.getTime()),
    target: o.target,
    options: redact(o.options ?? {}),
    interrupted,
    requests: {
      total: stats.total,
      failed: stats.failed,
      conflicts409: stats.conflicts409,
      byStatus: { ...stats.byStatus },
      byStep,
      byEndpoint: stats.endpoints(),
      latency: latencyOf(stats.latency),
      ...(paced ? { latencyFromIntended: latencyOf(stats.fromIntended) } : {}),
    },
    sessions: {
      started: stats.sessionsStarted,
      completed,
      failed: stats.sessionsFailed,
      skippedSteps: stats.skippedSteps,
      byKind: stats.byKind(unfinished),
    },
    ...(paced ? { lag: { ...latencyOf(stats.lag), waitingForPredecessor: latencyOf(stats.waiting) } } : {}),
    ...(thresholds ? { thresholds } : {}),
    ...(Object.keys(stats.skippedRows).length > 0 ? { skippedRows: { ...stats.skippedRows } } : {}),
    ...(Object.keys(stats.filtered).length > 0 ? { filteredSteps: { ...stats.filtered } } : {}),
    ...(notes.length > 0 ? { notes } : {}),
  };
  await writeSummary(r.dir, summary);
  if (readError !== undefined) throw readError;
  const outcome: EngineOutcome = badInput ? 'bad-input' : interrupted ? 'interrupted' : thresholds?.some((t) => !t.ok) ? 'thresholds' : 'ok';
  return { outcome, summary, ...(badInput ? { message: badInput } : {}) };
}
