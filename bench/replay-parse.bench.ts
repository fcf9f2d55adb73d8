// How fast the replay reads a recording, against csv-parse alone over the same file in the same run
// (the reader splits records with it), and against the floor of any reader built on it: csv-parse
// plus one JSON.parse of each body.
// Files: a request log of about BENCH_ROWS rows (default 200,000) made by the generators, once with
// sessions starting in file order ("sorted") and once with session starts scattered over the file,
// as in an export sorted by ID ("shuffled"), plus the same requests in time order, read with the
// full sort and with a 60 s reorder window (sortWindowMs). Each phase runs in its own process (clean RSS), three
// times; the median counts. Prints rows/s, ratios, the sort's disk traffic and peak RSS.
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { readRecording, type SortStats } from '../recordings/index.ts';
import { planToRequestLogRecords, REQUEST_LOG_COLUMNS } from '../recordings/request-log.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const REPEAT = 3;
const GOAL_ROWS_PER_S = 100_000;

interface PhaseResult {
  rows: number;
  ms: number;
  rssMb: number;
  sort?: SortStats;
  /** ms from the start to the first event out. */
  firstMs?: number;
}

function sampleRss(): () => number {
  let max = process.memoryUsage.rss();
  const timer = setInterval(() => {
    max = Math.max(max, process.memoryUsage.rss());
  }, 20);
  timer.unref();
  return () => {
    clearInterval(timer);
    return Math.max(max, process.memoryUsage.rss()) / 2 ** 20;
  };
}

/** One measurement, run in a child process so its peak RSS is its own. */
async function phase(name: string, file: string, tmp: string): Promise<PhaseResult> {
  const rss = sampleRss();
  const t0 = performance.now();
  let rows = 0;
  let sort: SortStats | undefined;
  let firstMs: number | undefined;
  if (name === 'csv-parse' || name === 'floor') {
    // The same parser options as replay/readers/csv.ts; the floor also parses each JSON body once,
    // which any reader must do at least.
    const body = name === 'floor' ? REQUEST_LOG_COLUMNS.indexOf('body') : -1;
    const parser = createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(
      parse({ bom: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] }),
    );
    for await (const r of parser as AsyncIterable<string[]>) {
      if (rows++ > 0 && body >= 0 && r[body]) JSON.parse(r[body]);
    }
    rows--; // the header
  } else {
    sort = { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 };
    const inMemory = name === 'read-in-memory';
    const events = readRecording({
      file,
      onError: 'abort',
      tmpDir: tmp,
      sortStats: sort,
      ...(inMemory ? { sortChunkItems: Number.POSITIVE_INFINITY, sortChunkBytes: Number.POSITIVE_INFINITY } : {}),
      ...(name === 'read-window' ? { sortWindowMs: 60_000 } : {}),
    });
    for await (const _e of events) if (rows++ === 0) firstMs = performance.now() - t0;
  }
  const ms = performance.now() - t0;
  return { rows, ms, rssMb: rss(), ...(sort ? { sort } : {}), ...(firstMs !== undefined ? { firstMs } : {}) };
}

/** Writes the request log: session i starts at base + slot(i) seconds/10, where slot scatters or not. */
async function writeLog(file: string, scatter: boolean): Promise<{ rows: number; sessions: number }> {
  // Imported here so the measuring child processes load only the reader.
  const { buildPools } = await import('../generators/pools.ts');
  const { createPlanner } = await import('../generators/planner.ts');
  const pools = buildPools({ seed: 1 });
  const planner = createPlanner({ pools, seed: 1, profile: 'default' });
  const out = createWriteStream(file);
  const base = Date.UTC(2026, 0, 1);
  // A multiplier coprime with the slot count makes i → slot a permutation.
  const slots = ROWS;
  const mult = 7_919;
  let rows = 0;
  let sessions = 0;
  let buf = stringify([[...REQUEST_LOG_COLUMNS]]);
  while (rows < ROWS) {
    const plan = planner.plan(sessions);
    const slot = scatter ? (sessions * mult) % slots : sessions;
    const records = planToRequestLogRecords(plan, base + slot * 100);
    rows += records.length;
    sessions++;
    buf += stringify(records);
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
  return { rows, sessions };
}

/** The same requests in time order, as a log written while the traffic happened would be. */
async function writeTimeOrdered(from: string, file: string, tmp: string): Promise<void> {
  const out = createWriteStream(file);
  let buf = stringify([[...REQUEST_LOG_COLUMNS]]);
  for await (const e of readRecording({ file: from, onError: 'abort', tmpDir: tmp })) {
    const s = e.step;
    buf += stringify([
      [
        new Date(e.time).toISOString(),
        e.sessionId,
        s.method,
        s.path,
        s.query ? new URLSearchParams(s.query).toString() : '',
        e.bodyText ?? '',
        s.recordedStatus === undefined ? '' : String(s.recordedStatus),
        s.step,
        e.kind,
        s.expect ?? '',
      ],
    ]);
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

function runPhase(name: string, file: string, tmp: string): PhaseResult {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--phase', name, file, tmp],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`phase ${name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as PhaseResult;
}

function median(results: PhaseResult[]): PhaseResult {
  return [...results].sort((a, b) => a.ms - b.ms)[Math.floor(results.length / 2)] as PhaseResult;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--phase') {
    const [, , , name, file, tmp] = process.argv;
    console.log(JSON.stringify(await phase(name as string, file as string, tmp as string)));
    return;
  }
  if (!(ROWS > 0 && ROWS <= 5_000_000)) throw new RangeError('BENCH_ROWS: 1 to 5,000,000');
  const dir = join(here, '..', '.cartload-tmp', `bench-replay-parse-${process.pid}`);
  const spill = join(dir, 'spill');
  await mkdir(spill, { recursive: true });
  try {
    const sorted = join(dir, 'sorted.csv');
    const shuffled = join(dir, 'shuffled.csv');
    const made = await writeLog(sorted, false);
    await writeLog(shuffled, true);
    const ordered = join(dir, 'time-ordered.csv');
    await writeTimeOrdered(sorted, ordered, spill);
    const mb = (await stat(sorted)).size / 2 ** 20;
    console.log(
      `request log: ${made.rows} rows, ${made.sessions} sessions, ${mb.toFixed(0)} MiB; median of ${REPEAT} runs each (2 shared cores)`,
    );

    const measure = (name: string, file: string): PhaseResult =>
      median(Array.from({ length: REPEAT }, () => runPhase(name, file, spill)));
    const base = measure('csv-parse', sorted);
    const floor = measure('floor', sorted);
    const readSorted = measure('read', sorted);
    const readShuffled = measure('read', shuffled);
    const readShuffledMem = measure('read-in-memory', shuffled);
    const readOrdered = measure('read', ordered);
    const readWindow = measure('read-window', ordered);
    const rate = (r: PhaseResult): number => (r.rows * 1000) / r.ms;
    const line = (label: string, r: PhaseResult, extra = ''): void =>
      console.log(
        `${label.padEnd(50)} ${Math.round(rate(r)).toLocaleString('en').padStart(9)} rows/s  ${(r.ms / 1000).toFixed(2).padStart(6)} s  peak RSS ${r.rssMb.toFixed(0).padStart(4)} MB${extra}`,
      );
    const spilled = (r: PhaseResult): string =>
      r.sort ? `  spilled ${r.sort.runs} runs, ${(r.sort.bytesWritten / 2 ** 20).toFixed(0)} MiB` : '';

    line('baseline: csv-parse alone (records only)', base);
    line('floor: csv-parse + JSON.parse of each body', floor);
    line('readRecording, sorted input', readSorted, spilled(readSorted));
    line('readRecording, shuffled input', readShuffled, spilled(readShuffled));
    line('readRecording, shuffled, sort in memory only', readShuffledMem, spilled(readShuffledMem));
    line('readRecording, time-ordered input', readOrdered, spilled(readOrdered));
    line('readRecording, time-ordered, 60 s reorder window', readWindow, spilled(readWindow));
    console.log(
      `first event out after: full sort ${(readOrdered.firstMs ?? 0).toFixed(0)} ms, 60 s window ${(readWindow.firstMs ?? 0).toFixed(0)} ms (time-ordered input)`,
    );
    console.log(`ratio readRecording / csv-parse (sorted)             ${(rate(readSorted) / rate(base)).toFixed(2)}×`);
    console.log(`ratio readRecording / floor (sorted)                 ${(rate(readSorted) / rate(floor)).toFixed(2)}×`);
    console.log(
      `ratio shuffled / sorted                              ${(rate(readShuffled) / rate(readSorted)).toFixed(2)}×`,
    );
    console.log(
      `ratio spilling sort / in-memory sort (shuffled)      ${(rate(readShuffled) / rate(readShuffledMem)).toFixed(2)}×`,
    );
    console.log(
      `ratio 60 s window / full sort (time-ordered)         ${(rate(readWindow) / rate(readOrdered)).toFixed(2)}×`,
    );
    const goal = rate(readShuffled) >= GOAL_ROWS_PER_S && rate(readSorted) >= GOAL_ROWS_PER_S;
    console.log(
      `goal ≥ ${GOAL_ROWS_PER_S.toLocaleString('en')} rows/s (sorted and shuffled): ${goal ? 'met' : 'NOT met'}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
