// How much memory `cartload learn` needs as the recording grows: a request log of 10,000, 100,000
// and 1,000,000 rows (BENCH_ROWS overrides the largest), made by the generators (the default
// profile, a session starting every half second: about 5 days of traffic at 1M rows), streamed into
// a learner in its own process through standard input, as `cartload generate | cartload learn -`
// would. The learner's peak RSS (sampled every 50 ms) and its peak live V8 heap (measured after a
// full garbage collection once a second: what the learner holds, not garbage waiting to be
// collected) are printed for each size, with the ratio of the largest to the smallest: constant
// memory means a ratio near 1. Memory is
// bounded by the sessions open at once (those with a request in the last --session-idle of recorded
// time, here about 30 min × 2 sessions/s), which the learner also reports.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { REQUEST_LOG_COLUMNS, planToRequestLogRecords } from '../recordings/request-log.ts';

const LARGEST = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SIZES = [10_000, 100_000, LARGEST].filter((n, i, all) => n > 0 && all.indexOf(n) === i && n <= LARGEST);
const SPACING_MS = 500;

interface Measured {
  rows: number;
  sessions: number;
  openPeak: number;
  ms: number;
  peakRssMb: number;
  peakHeapMb: number;
  peakLiveHeapMb: number;
}

/** The learner's side: learn from standard input, sampling memory, and print what it measured. */
async function learnChild(): Promise<void> {
  const { learnProfile } = await import('../learn/index.ts');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the learner with --expose-gc');
  let rss = 0;
  let heap = 0;
  let live = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  const collect = (): void => {
    gc();
    live = Math.max(live, process.memoryUsage().heapUsed);
  };
  const timer = setInterval(sample, 50);
  const full = setInterval(collect, 1000);
  const t0 = performance.now();
  // Measured while the sessions are still open: the profile is built after the last row.
  const r = await learnProfile({ file: '-', stdin: process.stdin });
  clearInterval(timer);
  clearInterval(full);
  sample();
  const out: Measured = {
    rows: r.stats.rows,
    sessions: r.sessions,
    openPeak: r.stats.openPeak,
    ms: performance.now() - t0,
    peakRssMb: rss / 2 ** 20,
    peakHeapMb: heap / 2 ** 20,
    peakLiveHeapMb: live / 2 ** 20,
  };
  console.log(JSON.stringify(out));
}

/** Generates `rows` request-log rows into a learner process and returns what it measured. */
async function measure(rows: number): Promise<Measured> {
  const { buildPools } = await import('../generators/pools.ts');
  const { createPlanner } = await import('../generators/planner.ts');
  const planner = createPlanner({ pools: buildPools({ seed: 1 }), seed: 1, profile: 'default' });
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--learn'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  const closed = once(child, 'close');
  const base = Date.UTC(2026, 0, 1);
  let written = 0;
  let buf = stringify([[...REQUEST_LOG_COLUMNS]]);
  for (let i = 0; written < rows; i++) {
    const records = planToRequestLogRecords(planner.plan(i), base + i * SPACING_MS);
    written += records.length;
    buf += stringify(records);
    if (buf.length > 1 << 20) {
      if (!child.stdin.write(buf)) await once(child.stdin, 'drain');
      buf = '';
    }
  }
  child.stdin.end(buf);
  const [code] = (await closed) as [number | null];
  if (code !== 0) throw new Error(`the learner exited ${code}`);
  return JSON.parse(stdout.trim().split('\n').pop() as string) as Measured;
}

async function main(): Promise<void> {
  if (process.argv.includes('--learn')) return learnChild();
  console.log(
    `cartload learn, request logs of ${SIZES.map((n) => n.toLocaleString('en')).join(', ')} rows (default profile, a session every ${SPACING_MS} ms, --session-idle 30m), 2 shared cores`,
  );
  const results: Measured[] = [];
  for (const rows of SIZES) {
    const m = await measure(rows);
    results.push(m);
    console.log(
      `${m.rows.toLocaleString('en').padStart(10)} rows  ${m.sessions.toLocaleString('en').padStart(8)} sessions  ${(m.ms / 1000).toFixed(1).padStart(6)} s  ${Math.round(
        (m.rows * 1000) / m.ms,
      )
        .toLocaleString('en')
        .padStart(
          7,
        )} rows/s  open at once ≤ ${m.openPeak.toLocaleString('en').padStart(6)}  peak RSS ${m.peakRssMb.toFixed(0).padStart(4)} MB  peak heap ${m.peakHeapMb.toFixed(0).padStart(4)} MB (live ${m.peakLiveHeapMb.toFixed(0).padStart(3)} MB)`,
    );
  }
  const last = results[results.length - 1] as Measured;
  for (const first of results.slice(0, -1)) {
    console.log(
      `ratio ${last.rows.toLocaleString('en')} / ${first.rows.toLocaleString('en')} rows (${(last.rows / first.rows).toFixed(0)}× the rows): peak RSS ${(last.peakRssMb / first.peakRssMb).toFixed(2)}×, peak heap ${(last.peakHeapMb / first.peakHeapMb).toFixed(2)}×, peak live heap ${(last.peakLiveHeapMb / first.peakLiveHeapMb).toFixed(2)}×`,
    );
  }
}

await main();
