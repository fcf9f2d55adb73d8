// `cartload replay FILE --workers N`: the file is read and parsed once, here, and each session's
// events go to one of N worker threads (shard j of N by a hash of the session ID, as --shard
// splits, within the user's own --shard): every session is sent by exactly one worker, whole and
// in order. Each worker runs the engine over its events into its own folder under <run>/parts/,
// on one clock (orchestrate/shared-start.ts); then one merged summary and one verdict in <run>/.
// One Node process sends from one core; N workers send from N, while one thread reads.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DEFAULT_SESSION_PREFIX } from '../model/conventions.ts';
import { prepareRunDir, RunDirError, writeSummary } from '../report/write.ts';
import { RecordingError, type ReplayEvent, type RowIssue } from '../recordings/events.ts';
import type { EngineResult, ProgressSink } from '../engine/index.ts';
import { shardOf, type Shard } from '../engine/hash.ts';
import { makeRunId, shortRandom } from '../engine/run-id.ts';
import { mergeParts, MergeError } from './merge-parts.ts';
import { openRecording, recordingSourceOf, type OpenedRecording, type ReplayFileOptions } from './replay.ts';
import { CREDIT, type FromWorker, type ToWorker, type WorkerInput } from './replay-worker-protocol.ts';
import { firstSentStep } from './shared-start.ts';

export interface ReplayWorkersOptions extends Omit<ReplayFileOptions, 'progress'> {
  /** Worker threads (≥ 2; one worker is a plain replayFile). */
  workers: number;
  progress?: ProgressSink;
  /** The recording, already opened (openRecording); default: opened here. */
  recording?: OpenedRecording;
}

/** Why these options cannot run on several workers, or undefined. */
export function workersRefusal(o: {
  workers: number;
  file: string;
  loops?: number;
  limit?: number;
}): string | undefined {
  if (!(Number.isInteger(o.workers) && o.workers >= 1 && o.workers <= 256))
    return `--workers must be a whole number from 1 to 256, got ${o.workers}`;
  if (o.workers === 1) return undefined;
  if (o.file === '-')
    return '--workers: each worker reads the file itself, and standard input can be read once: name a file, or use --workers 1';
  if ((o.loops ?? 1) > 1)
    return '--workers with --loop: a pass starts after the previous one ended in every worker, which workers cannot see; use --workers 1';
  if (o.limit !== undefined)
    return '--workers with --limit: the first N sessions of the file are spread over the workers, which cannot count them together; use --workers 1';
  return undefined;
}

/** Worker j of n within the user's own --shard i/m: shard (i-1) + m·(j-1) + 1 of m·n, a split of shard i/m. */
export function workerShard(j: number, n: number, outer: Shard | undefined): Shard {
  const m = outer?.count ?? 1;
  const i = outer?.index ?? 1;
  return { index: i + m * (j - 1), count: m * n };
}

let workerCode: Promise<string> | undefined;

/**
 * The worker thread's code. A worker does not inherit the tsx loader the CLI runs under, and
 * loading TypeScript through it costs each worker about a second of CPU; so the worker's modules
 * are bundled once per process into one script (esbuild, already the bundler of the k6
 * scenarios). Without esbuild the worker loads them through tsx.
 */
// Spelt in parts: the CLI's own build rewrites that expression wherever it appears in a source.
const META_URL = ['import', 'meta', 'url'].join('.');

function workerScript(): Promise<string> {
  // From orchestrate/ or from the compiled CLI (dist-cli/, also one level down): the worker's source.
  const entry = new URL('../orchestrate/replay-worker.ts', import.meta.url);
  workerCode ??= import('esbuild')
    .then(async (esbuild) => {
      const r = await esbuild.build({
        entryPoints: [fileURLToPath(entry)],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        write: false,
        logLevel: 'silent',
        // A CommonJS bundle has no import.meta: each module that finds files beside it (the
        // report's client script, package.json) gets its own source file's URL, written in.
        plugins: [
          {
            name: 'own-import-meta-url',
            setup(b) {
              b.onLoad({ filter: /\.ts$/ }, async (args) => {
                if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
                const text = await readFile(args.path, 'utf8');
                if (!text.includes(META_URL)) return undefined;
                return {
                  contents: text.replaceAll(META_URL, JSON.stringify(pathToFileURL(args.path).href)),
                  loader: 'ts',
                };
              });
            },
          },
        ],
      });
      return (r.outputFiles[0] as { text: string }).text;
    })
    .catch(() => {
      const tsx = import.meta.resolve('tsx/esm/api');
      return `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });`;
    });
  return workerCode;
}

interface WorkerEnd {
  outcome: string;
  message?: string;
  dir?: string;
}

/** Events go to a worker in batches of this many, or every FLUSH_MS when fewer are read. */
const BATCH = 256;
const FLUSH_MS = 10;

interface WorkerState {
  thread: Worker;
  batch: ReplayEvent[];
  /** Events it may still be sent before it takes some. */
  credit: number;
  wakeProducer: (() => void) | undefined;
  opened: boolean;
  offsetMs: number;
  end: WorkerEnd | undefined;
}

export async function replayWithWorkers(o: ReplayWorkersOptions): Promise<EngineResult> {
  const refusal = workersRefusal({
    workers: o.workers,
    file: o.file,
    ...(o.loops !== undefined ? { loops: o.loops } : {}),
    ...(o.filters?.limit !== undefined ? { limit: o.filters.limit } : {}),
  });
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
  // What stays in this thread: the reader, the callbacks, the signals.
  const {
    workers: _n,
    progress,
    onIssue,
    signal,
    hardSignal,
    file,
    format: _format,
    onError: _onError,
    tmpDir: _tmpDir,
    sortWindowMs: _sortWindowMs,
    stdin: _stdin,
    recording: opened,
    consumers: _consumers,
    ...engine
  } = o;
  const recording = opened ?? (await openRecording(recordingSourceOf(o)));
  const speed = o.timing.mode === 'speed' ? o.timing.speed : undefined;
  const { shard: outer, ...filters } = o.filters ?? {};
  const m = outer?.count ?? 1;
  // One session namespace for the whole run, as one process would have.
  const sessionPrefix = o.sessionPrefix ?? `${DEFAULT_SESSION_PREFIX}-${shortRandom()}-`;

  const code = await workerScript();
  const ws: WorkerState[] = Array.from({ length: n }, (_, k) => {
    const j = k + 1;
    const input: WorkerInput = {
      engine: {
        ...engine,
        // --rate is the whole run's: each worker starts its share.
        timing: o.timing.mode === 'rate' ? { mode: 'rate', rate: o.timing.rate / n } : o.timing,
        sessionPrefix,
        filters,
        resultsDir: partsDir,
        runId: `${runId}-w${j}of${n}`,
        notes: [...(o.notes ?? []), `worker ${j} of ${n}`],
        // One check of the target for the run: the first worker's (the others start after it).
        preflight: j === 1 && o.preflight !== false,
      },
      name: file,
      ...(speed !== undefined ? { speed } : {}),
      progress: progress !== undefined,
    };
    return {
      thread: new Worker(code, { eval: true, workerData: input }),
      batch: [],
      credit: CREDIT,
      wakeProducer: undefined,
      opened: false,
      offsetMs: 0,
      end: undefined,
    };
  });

  let stopping = false;
  let wakeOpened: (() => void) | undefined;
  const post = (w: WorkerState, msg: ToWorker): void => {
    if (w.end === undefined) w.thread.postMessage(msg);
  };
  const broadcast = (msg: ToWorker): void => ws.forEach((w) => post(w, msg));
  const onStop = (): void => {
    stopping = true;
    broadcast({ type: 'stop' });
    for (const w of ws) w.wakeProducer?.();
    wakeOpened?.();
  };
  const onHard = (): void => broadcast({ type: 'hard' });

  const done = ws.map(
    (w, k) =>
      new Promise<void>((resolve) => {
        const j = k + 1;
        const end = (e: WorkerEnd): void => {
          // A worker's thread exits after its report: that exit is no failure, and must not stop
          // the workers still sending (it did, and they dropped what they had not sent).
          if (w.end !== undefined) return;
          w.end = e;
          // A worker that could not start (the target refused, the input is bad) stops the run.
          if (e.outcome !== 'ok' && e.outcome !== 'thresholds' && e.outcome !== 'interrupted') onStop();
          w.wakeProducer?.();
          wakeOpened?.();
          resolve();
        };
        w.thread.on('message', (msg: FromWorker) => {
          switch (msg.type) {
            case 'open':
              w.opened = true;
              wakeOpened?.();
              break;
            case 'primed':
              w.offsetMs = msg.offsetMs;
              break;
            case 'credit':
              w.credit += msg.events;
              w.wakeProducer?.();
              break;
            case 'progress':
              progress?.write(`[worker ${j}/${n}] ${msg.text}`);
              break;
            case 'done':
              end(msg);
              break;
          }
        });
        w.thread.on('error', (err) =>
          end({ outcome: 'error', message: err instanceof Error ? err.message : String(err) }),
        );
        w.thread.on('exit', (code) =>
          end({ outcome: 'error', message: `worker ${j} exited (${code}) before reporting` }),
        );
      }),
  );
  if (signal?.aborted) onStop();
  signal?.addEventListener('abort', onStop, { once: true });
  if (hardSignal?.aborted) onHard();
  hardSignal?.addEventListener('abort', onHard, { once: true });

  /** Steps of sessions outside the user's --shard: left out, counted here. */
  let outside = 0;
  const read = async (): Promise<void> => {
    // Every worker's engine has checked the target (the first) and made its folder before anything is read.
    while (!stopping && ws.some((w) => !w.opened && w.end === undefined))
      await new Promise<void>((r) => (wakeOpened = r));
    wakeOpened = undefined;
    if (stopping || ws.some((w) => w.end !== undefined)) return;
    const isEarliest = firstSentStep(filters);
    let earliest: number | undefined;
    const flush = (w: WorkerState): void => {
      if (w.batch.length === 0) return;
      w.credit -= w.batch.length;
      post(w, { type: 'events', events: w.batch, earliest });
      w.batch = [];
    };
    const timer = setInterval(() => ws.forEach(flush), FLUSH_MS);
    let started = false;
    try {
      // Bad rows: counted by the first worker's engine (once for the run), shown by the caller.
      const reader = recording.input.open((issue) => {
        post(ws[0] as WorkerState, { type: 'issue', issue });
        onIssue?.(issue);
      });
      for await (const ev of reader) {
        if (stopping) break;
        if (!started) {
          started = true;
          // A few ms for the message to reach every worker.
          broadcast({ type: 'start', at: Date.now() + 20 });
        }
        const h = shardOf(ev.sessionId, m * n) - 1;
        if (outer && h % m !== outer.index - 1) {
          outside++;
          continue;
        }
        if (earliest === undefined && isEarliest(ev)) earliest = ev.time;
        const w = ws[Math.floor(h / m)] as WorkerState;
        if (w.end !== undefined) continue;
        w.batch.push(ev);
        if (w.batch.length >= BATCH) {
          flush(w);
          while (w.credit < BATCH && !stopping && w.end === undefined)
            await new Promise<void>((r) => (w.wakeProducer = r));
          w.wakeProducer = undefined;
        }
      }
      ws.forEach(flush);
      broadcast({ type: 'end' });
    } catch (err) {
      ws.forEach(flush);
      const issue: RowIssue =
        err instanceof RecordingError
          ? err.issue
          : {
              file,
              line: 0,
              reason: 'read-error',
              message: `${file}: ${err instanceof Error ? err.message : String(err)}`,
            };
      broadcast({ type: 'fail', issue });
    } finally {
      clearInterval(timer);
      if (!started) broadcast({ type: 'start', at: Date.now() });
    }
  };
  try {
    await Promise.all([read(), ...done]);
  } finally {
    await recording.close();
    signal?.removeEventListener('abort', onStop);
    hardSignal?.removeEventListener('abort', onHard);
  }

  const finished = ws.map((w) => w.end as WorkerEnd);
  const broken = finished.find((e) => e.outcome === 'error');
  const bad = finished.find((e) => e.outcome === 'bad-input');
  const unavailable = finished.find((e) => e.outcome === 'unavailable');
  const parts = finished.map((e) => e.dir).filter((d): d is string => d !== undefined);
  if (parts.length === 0) {
    if (broken) throw new Error(broken.message ?? 'a replay worker failed');
    const e = unavailable ?? bad;
    return {
      outcome: e ? (e.outcome as EngineResult['outcome']) : 'bad-input',
      message: e?.message ?? 'no worker wrote results',
      dir,
    };
  }
  let merged;
  try {
    merged = await mergeParts({
      parts,
      dir,
      runId,
      notes: [`${n} workers on one clock; one thread read the file and gave each worker the sessions of its shard`],
    });
  } catch (err) {
    if (err instanceof MergeError) return { outcome: 'bad-input', message: err.message, dir };
    throw err;
  }
  if (outside > 0) {
    merged.summary.filteredSteps = { ...(merged.summary.filteredSteps ?? {}), shard: outside };
    await writeSummary(dir, merged.summary);
  }
  await gatherFiles(
    ws.map((w) => ({ ...(w.end?.dir ? { dir: w.end.dir } : {}), offsetMs: w.offsetMs })),
    dir,
  );
  if (broken) throw new Error(broken.message ?? 'a replay worker failed');
  const outcome: EngineResult['outcome'] = unavailable
    ? 'unavailable'
    : bad
      ? 'bad-input'
      : merged.summary.interrupted
        ? 'interrupted'
        : (merged.summary.thresholds ?? []).some((t) => !t.ok)
          ? 'thresholds'
          : 'ok';
  const message = (unavailable ?? bad)?.message;
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
