// `cartload replay FILE --workers N`: N worker threads, each replaying shard i/N of the same file
// (the engine's --shard: every session goes to exactly one worker, whole and in order) on one
// clock (orchestrate/shared-start.ts), each into its own folder under <run>/parts/; then one
// merged summary and one verdict in <run>/. One Node process sends from one core; N workers from N.
//
// Every worker reads and parses the whole file and keeps its own sessions, so reading costs N×;
// sending, the larger cost, is split. What the workers read alike (bad rows, sessions left out by
// --sample) is counted once in the merged summary, not N times.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_SESSION_PREFIX } from '../model/conventions.ts';
import type { RunSummary } from '../model/summary.ts';
import { prepareRunDir, RunDirError, writeSummary } from '../report/write.ts';
import type { RowIssue } from '../recordings/events.ts';
import type { EngineResult, ProgressSink } from '../engine/index.ts';
import type { Shard } from '../engine/hash.ts';
import { makeRunId, shortRandom } from '../engine/run-id.ts';
import { mergeParts, MergeError } from './merge-parts.ts';
import type { ReplayFileOptions } from './replay.ts';
import type { FromWorker, ToWorker, WorkerInput } from './replay-worker.ts';

export interface ReplayWorkersOptions extends Omit<ReplayFileOptions, 'stdin' | 'events' | 'progress'> {
  /** Worker threads (≥ 2; one worker is a plain replayFile). */
  workers: number;
  progress?: ProgressSink;
}

/** The workers a replay gets by default: one per core, or one when the input cannot be split. */
export function defaultWorkers(o: { file: string; loops?: number; limit?: number }): number {
  return o.file === '-' || (o.loops ?? 1) > 1 || o.limit !== undefined ? 1 : availableParallelism();
}

/** Why these options cannot run on several workers, or undefined. */
export function workersRefusal(o: { workers: number; file: string; loops?: number; limit?: number }): string | undefined {
  if (!(Number.isInteger(o.workers) && o.workers >= 1 && o.workers <= 256)) return `--workers must be a whole number from 1 to 256, got ${o.workers}`;
  if (o.workers === 1) return undefined;
  if (o.file === '-') return '--workers: each worker reads the file itself, and standard input can be read once: name a file, or use --workers 1';
  if ((o.loops ?? 1) > 1) return '--workers with --loop: a pass starts after the previous one ended in every worker, which workers cannot see; use --workers 1';
  if (o.limit !== undefined) return '--workers with --limit: the first N sessions of the file are spread over the workers, which cannot count them together; use --workers 1';
  return undefined;
}

/** Worker j of n within the user's own --shard i/m: shard (i-1) + m·(j-1) + 1 of m·n, a split of shard i/m. */
export function workerShard(j: number, n: number, outer: Shard | undefined): Shard {
  const m = outer?.count ?? 1;
  const i = outer?.index ?? 1;
  return { index: i + m * (j - 1), count: m * n };
}

/** The worker thread's entry, loaded through tsx as the CLI is (a worker does not inherit the loader). */
function startWorker(input: WorkerInput): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./replay-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, workerData: input });
}

interface WorkerEnd {
  outcome: string;
  message?: string;
  dir?: string;
}

/** Counts every worker made from the same input: take one worker's, not their sum. */
function countOnce(merged: RunSummary, first: RunSummary, shardedByUser: boolean): void {
  if (first.skippedRows) merged.skippedRows = { ...first.skippedRows };
  if (merged.filteredSteps) {
    const f = { ...merged.filteredSteps };
    if (first.filteredSteps?.sample !== undefined) f.sample = first.filteredSteps.sample;
    // Steps of the other workers' shards are not filtered out of the run.
    delete f.shard;
    merged.filteredSteps = f;
    if (Object.keys(f).length === 0) delete merged.filteredSteps;
  }
  if (shardedByUser) merged.notes = [...(merged.notes ?? []), 'steps outside this --shard are not counted with --workers'];
}

export async function replayWithWorkers(o: ReplayWorkersOptions): Promise<EngineResult> {
  const refusal = workersRefusal({ workers: o.workers, file: o.file, ...(o.loops !== undefined ? { loops: o.loops } : {}), ...(o.filters?.limit !== undefined ? { limit: o.filters.limit } : {}) });
  if (refusal) return { outcome: 'bad-input', message: refusal };
  const n = o.workers;
  const runId = o.runId ?? makeRunId();
  let dir: string;
  try {
    dir = await prepareRunDir(o.resultsDir ?? 'results', runId);
  } catch (err) {
    if (err instanceof RunDirError) return { outcome: 'bad-input', message: err.message };
    throw err;
  }
  const partsDir = join(dir, 'parts');
  // One session namespace for the whole run, as one process would have.
  const sessionPrefix = o.sessionPrefix ?? `${DEFAULT_SESSION_PREFIX}-${shortRandom()}-`;
  // What stays in this thread: the callbacks, the signals, and a standard input a caller may have passed along.
  const { workers: _n, progress, onIssue, signal, hardSignal, stdin: _stdin, events: _events, ...replay } = o as ReplayWorkersOptions & Pick<ReplayFileOptions, 'stdin' | 'events'>;
  const speed = o.timing.mode === 'speed' ? o.timing.speed : undefined;
  // --rate is the whole run's: each worker starts its share.
  const timing = o.timing.mode === 'rate' ? { mode: 'rate' as const, rate: o.timing.rate / n } : o.timing;

  const ends: (WorkerEnd | undefined)[] = new Array(n).fill(undefined);
  /** How long after the shared start each worker's clock starts (its first step's offset). */
  const offsets: number[] = new Array(n).fill(0);
  const threads: Worker[] = [];
  let primed = 0;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    // A few ms for the message to reach every worker.
    const at = Date.now() + 20;
    for (const w of threads) w.postMessage({ type: 'start', at } satisfies ToWorker);
  };
  const onePrimed = (): void => {
    if (++primed === n) release();
  };
  const broadcast = (m: ToWorker): void => {
    for (const w of threads) w.postMessage(m);
  };
  const onStop = (): void => {
    release();
    broadcast({ type: 'stop' });
  };
  const onHard = (): void => broadcast({ type: 'hard' });

  const done = Array.from({ length: n }, (_, k) => {
    const j = k + 1;
    const input: WorkerInput = {
      options: {
        ...replay,
        timing,
        sessionPrefix,
        filters: { ...(o.filters ?? {}), shard: workerShard(j, n, o.filters?.shard) },
        resultsDir: partsDir,
        runId: `${runId}-w${j}of${n}`,
        notes: [...(o.notes ?? []), `worker ${j} of ${n}`],
        // One check of the target for the run: the first worker's (the others wait for it at the start).
        preflight: j === 1 && o.preflight !== false,
      },
      ...(speed !== undefined ? { speed } : {}),
      progress: progress !== undefined,
      issues: j === 1,
    };
    const w = startWorker(input);
    threads.push(w);
    let wasPrimed = false;
    return new Promise<void>((resolve) => {
      const end = (e: WorkerEnd): void => {
        ends[k] ??= e;
        // A worker that could not start (the target refused, the input is bad) stops the others before they send.
        if (!released && e.outcome !== 'ok' && e.outcome !== 'thresholds' && e.outcome !== 'interrupted') broadcast({ type: 'stop' });
        if (!wasPrimed) {
          wasPrimed = true;
          onePrimed();
        }
        resolve();
      };
      w.on('message', (m: FromWorker) => {
        if (m.type === 'primed' && !wasPrimed) {
          wasPrimed = true;
          offsets[k] = m.offsetMs;
          onePrimed();
        } else if (m.type === 'progress') progress?.write(`[worker ${j}/${n}] ${m.text}`);
        else if (m.type === 'issue') onIssue?.(m.issue as RowIssue);
        else if (m.type === 'done') end(m);
      });
      w.on('error', (err) => end({ outcome: 'error', message: err instanceof Error ? err.message : String(err) }));
      w.on('exit', (code) => end({ outcome: 'error', message: `worker ${j} exited (${code}) before reporting` }));
    });
  });
  if (signal?.aborted) onStop();
  signal?.addEventListener('abort', onStop, { once: true });
  if (hardSignal?.aborted) onHard();
  hardSignal?.addEventListener('abort', onHard, { once: true });
  try {
    await Promise.all(done);
  } finally {
    signal?.removeEventListener('abort', onStop);
    hardSignal?.removeEventListener('abort', onHard);
  }

  const finished = ends as WorkerEnd[];
  const broken = finished.find((e) => e.outcome === 'error');
  const bad = finished.find((e) => e.outcome === 'bad-input');
  const unavailable = finished.find((e) => e.outcome === 'unavailable');
  const parts = finished.map((e) => e.dir).filter((d): d is string => d !== undefined);
  if (parts.length === 0) {
    if (broken) throw new Error(broken.message ?? 'a replay worker failed');
    const e = bad ?? unavailable;
    return { outcome: e ? (e.outcome as EngineResult['outcome']) : 'bad-input', message: e?.message ?? 'no worker wrote results', dir };
  }
  let merged;
  try {
    merged = await mergeParts({ parts, dir, runId, notes: [`${n} workers, one shard each (${finished.map((_, k) => `${workerShard(k + 1, n, o.filters?.shard).index}/${n * (o.filters?.shard?.count ?? 1)}`).join(', ')}), on one clock`] });
  } catch (err) {
    if (err instanceof MergeError) return { outcome: 'bad-input', message: err.message, dir };
    throw err;
  }
  const first = JSON.parse(await readFile(join(parts[0] as string, 'summary.json'), 'utf8')) as RunSummary;
  countOnce(merged.summary, first, o.filters?.shard !== undefined);
  await writeSummary(dir, merged.summary);
  await gatherFiles(finished.map((e, k) => ({ dir: e.dir, offsetMs: offsets[k] as number })), dir);
  if (broken) throw new Error(broken.message ?? 'a replay worker failed');
  const outcome: EngineResult['outcome'] = bad ? 'bad-input' : unavailable ? 'unavailable' : merged.summary.interrupted ? 'interrupted' : (merged.summary.thresholds ?? []).some((t) => !t.ok) ? 'thresholds' : 'ok';
  const message = (bad ?? unavailable)?.message;
  return { outcome, summary: merged.summary, dir, ...(message ? { message } : {}) };
}

/**
 * The run's own copies of the parts' files: the bad rows (one worker's: all read the same rows),
 * and every request line, its times moved from the worker's clock to the run's (ms since the
 * shared start).
 */
async function gatherFiles(parts: { dir?: string; offsetMs: number }[], dir: string): Promise<void> {
  const written = parts.filter((p): p is { dir: string; offsetMs: number } => p.dir !== undefined);
  if (written.length === 0) return;
  await copyFile(join(written[0]!.dir, 'row-issues.ndjson'), join(dir, 'row-issues.ndjson')).catch(() => undefined);
  let header: string | undefined;
  const lines: string[] = [];
  for (const p of written) {
    const text = await readFile(join(p.dir, 'requests.csv'), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    const rows = text.split('\n');
    header ??= rows[0];
    for (const row of rows.slice(1)) {
      if (row === '') continue;
      // The last three cells are the intended, sent and answered times (ms); the session ID before them may hold commas.
      const cells = row.split(',');
      const times = cells.splice(-3).map((t) => (Number(t) + p.offsetMs).toFixed(3));
      lines.push([...cells, ...times].join(','));
    }
  }
  if (header !== undefined) await writeFile(join(dir, 'requests.csv'), `${[header, ...lines].join('\n')}\n`);
}
