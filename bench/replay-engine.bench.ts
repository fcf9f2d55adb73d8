// The replay engine against a minimal loopback HTTP server (a child process, so it does not share
// the engine's event loop), each figure with a baseline measured in the same run:
//  1. throughput: as fast as possible with C connections, vs autocannon with the same C (goal ≥ 0.7×);
//  2. schedule lag at 2,000 steps/s, vs the lateness of a bare anchored timer loop (goal p99 ≤ 5 ms);
//  3. peak RSS while replaying a 1,000,000-row request log, vs a 10,000-row one (goal < 200 MB),
//     each in its own process so the peak is its own;
//  4. the scheduler's ceiling: sessions/s it can schedule with no HTTP at all (the basis of the
//     --rate ceiling, engine/options.ts MAX_RATE), vs a bare loop making the same items.
// Everything is bounded by counts; temporary files go to .cartload-tmp/ and are deleted.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createHistogram, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { stringify } from 'csv-stringify/sync';
import { sessionPath } from '../model/plan.ts';
import { MAX_RATE, runEngine } from '../engine/index.ts';
import { RatePacer } from '../engine/pacer.ts';
import { Scheduler } from '../engine/scheduler.ts';
import type { Session, StepItem } from '../engine/types.ts';
import type { ReplayEvent } from '../recordings/events.ts';
import { readRecording } from '../recordings/index.ts';
import { REQUEST_LOG_COLUMNS } from '../recordings/request-log.ts';
import { startEchoServer, stopEchoServer } from './echo-server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const TMP = join(here, '..', '.cartload-tmp', 'bench-replay-engine');
const CONNECTIONS = 32;
const THROUGHPUT_REQUESTS = 100_000;
const THROUGHPUT_SECONDS = 3;
const LAG_RATE = 2000;
const LAG_SECONDS = 10;
const MEMORY_ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);

const BODY = JSON.stringify({
  customerSession: {
    profileId: 'bench-profile',
    storeIntegrationId: 'store-1',
    cartItems: Array.from({ length: 4 }, (_, i) => ({
      sku: `SKU${1000 + i}`,
      name: `Item ${i}`,
      price: 9.99 + i,
      quantity: 1 + (i % 3),
      category: 'Bench',
    })),
    couponCodes: ['CLBENCH2026'],
  },
  responseContent: ['customerSession'],
});
const BODY_OBJECT: unknown = JSON.parse(BODY);

/** `sessions` sessions of `steps` update steps each; session i at i·gapMs, steps stepMs apart. */
function events(sessions: number, steps: number, gapMs: number, stepMs: number): ReplayEvent[] {
  const out: ReplayEvent[] = [];
  for (let i = 0; i < sessions; i++) {
    const id = `bench-${i}`;
    for (let k = 0; k < steps; k++) {
      out.push({
        time: i * gapMs + k * stepMs,
        sessionId: id,
        kind: 'recorded',
        step: { step: k === 0 ? 'open' : 'update', method: 'PUT', path: sessionPath(id), body: BODY_OBJECT },
        source: { file: 'bench', line: out.length + 2 },
      });
    }
  }
  return out.sort((a, b) => a.time - b.time);
}

const input = (evs: ReplayEvent[]) => ({
  kind: 'recording' as const,
  name: 'bench',
  rewindable: true,
  open: () =>
    (async function* () {
      yield* evs;
    })(),
});

async function throughput(url: string): Promise<void> {
  const evs = events(THROUGHPUT_REQUESTS / 4, 4, 0, 0);
  // autocannon's own mode: a fixed duration, its completed requests ÷ its measured duration. (With
  // `amount` it ends on its next whole-second tick, which understates it.)
  const cannon = async (): Promise<number> => {
    const r = await autocannon({
      url: `${url}${sessionPath('bench-ac')}`,
      connections: CONNECTIONS,
      pipelining: 1,
      duration: THROUGHPUT_SECONDS,
      method: 'PUT',
      body: BODY,
      headers: { 'content-type': 'application/json', authorization: 'ApiKey-v1 bench' },
    });
    if (r.errors > 0 || r.non2xx > 0) throw new Error(`autocannon: ${r.errors} errors, ${r.non2xx} non-2xx`);
    return r.requests.total / r.duration;
  };
  const cpu: number[] = [];
  const engine = async (): Promise<number> => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const res = await runEngine({
      target: url,
      apiKey: 'bench',
      input: input(evs),
      timing: { mode: 'asap' },
      connections: CONNECTIONS,
      resultsDir: join(TMP, 'results'),
      preflight: false,
    });
    const c = process.cpuUsage(c0);
    const s = (performance.now() - t0) / 1000;
    if (res.summary?.requests.total !== THROUGHPUT_REQUESTS)
      throw new Error(`engine sent ${res.summary?.requests.total}`);
    cpu.push((c.user + c.system) / THROUGHPUT_REQUESTS);
    return THROUGHPUT_REQUESTS / s;
  };
  // Warm both up, then alternate so drift on a shared machine hits both alike; the median counts.
  await cannon();
  await engine();
  const a: number[] = [];
  const e: number[] = [];
  for (let i = 0; i < 3; i++) {
    a.push(await cannon());
    e.push(await engine());
  }
  const med = (xs: number[]): number => [...xs].sort((x, y) => x - y)[1] as number;
  console.log(
    `throughput, ${CONNECTIONS} connections, PUTs of ${BODY.length} B (autocannon for ${THROUGHPUT_SECONDS} s, the engine ${THROUGHPUT_REQUESTS} requests), median of 3:`,
  );
  console.log(`  autocannon        ${med(a).toFixed(0)} req/s   (runs: ${a.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`  replay engine     ${med(e).toFixed(0)} req/s   (runs: ${e.map((x) => x.toFixed(0)).join(', ')})`);
  console.log(`  ratio             ${(med(e) / med(a)).toFixed(2)}× autocannon (goal ≥ 0.70×)`);
  // CPU time of this process (the server is another one) per request: less swayed by other load than req/s.
  console.log(
    `  engine CPU        ${med(cpu.slice(1)).toFixed(1)} µs per request (runs: ${cpu
      .slice(1)
      .map((x) => x.toFixed(1))
      .join(', ')})`,
  );
}

/** The floor: an anchored timer loop firing LAG_RATE ticks/s, lateness of each tick, nothing sent. */
async function timerFloor(): Promise<{ p50: number; p99: number; max: number }> {
  const h = createHistogram();
  const n = LAG_RATE * LAG_SECONDS;
  const period = 1000 / LAG_RATE;
  const t0 = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now() - t0;
      while (i < n && i * period <= now) {
        h.record(Math.max(1, Math.round((now - i * period) * 1000)));
        i++;
      }
      if (i >= n) resolve();
      else setTimeout(tick, Math.max(0, i * period - (performance.now() - t0)));
    };
    tick();
  });
  return { p50: h.percentile(50) / 1000, p99: h.percentile(99) / 1000, max: h.max / 1000 };
}

async function lag(url: string): Promise<void> {
  // 500 sessions/s × 4 steps 40 ms apart = 2,000 steps/s; no step waits for its predecessor.
  const sessions = (LAG_RATE / 4) * LAG_SECONDS;
  const evs = events(sessions, 4, 1000 / (LAG_RATE / 4), 40);
  const floor = await timerFloor();
  const res = await runEngine({
    target: url,
    apiKey: 'bench',
    input: input(evs),
    timing: { mode: 'speed', speed: 1 },
    connections: CONNECTIONS,
    resultsDir: join(TMP, 'results'),
    preflight: false,
  });
  const l = res.summary?.lag;
  if (!l) throw new Error('no lag in the summary');
  console.log(
    `schedule lag at ${LAG_RATE} steps/s for ${LAG_SECONDS} s (${l.count} steps, ${l.waitingForPredecessor.count} waited for a predecessor):`,
  );
  console.log(
    `  bare timer loop   p50 ${floor.p50.toFixed(2)}  p99 ${floor.p99.toFixed(2)}  max ${floor.max.toFixed(2)} ms`,
  );
  console.log(
    `  replay engine     p50 ${l.p50.toFixed(2)}  p99 ${l.p99.toFixed(2)}  max ${l.max.toFixed(2)} ms  (goal p99 ≤ 5 ms)`,
  );
  console.log(`  ratio             p99 ${(l.p99 / Math.max(floor.p99, 0.001)).toFixed(2)}× the bare timer loop's`);
}

/** A request log of `rows` rows (4 steps a session, 200 sessions/s), written by streaming. */
async function writeLog(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write(stringify([[...REQUEST_LOG_COLUMNS]]));
  const t0 = Date.UTC(2026, 0, 1);
  const body = BODY;
  let batch: string[][] = [];
  for (let r = 0; r < rows; r++) {
    const i = Math.floor(r / 4);
    const k = r % 4;
    const id = `mem-${i}`;
    const row: Record<string, string> = {
      timestamp: new Date(t0 + i * 5 + k * 1000).toISOString(),
      session_id: id,
      method: 'PUT',
      path: sessionPath(id),
      query: '',
      body,
      status: '',
      step: k === 0 ? 'open' : k === 3 ? 'close' : 'update',
      kind: 'recorded',
      expect: '',
    };
    batch.push(REQUEST_LOG_COLUMNS.map((c) => row[c] ?? ''));
    if (batch.length === 5000 || r === rows - 1) {
      if (!out.write(stringify(batch))) await once(out, 'drain');
      batch = [];
    }
  }
  out.end();
  await once(out, 'finish');
}

/**
 * Child phase: replays one file as fast as possible and prints, as JSON, its peak RSS, split into
 * the reading phase (before the reader's first event: parsing and the sort's spill) and the
 * replaying phase, with V8's heap (committed and used) at the replaying peak. It is replayFile()
 * with the reader wrapped to see its first event.
 */
async function memoryPhase(url: string, file: string, sessionIdleMs?: number): Promise<void> {
  const mb = (n: number): number => n / 2 ** 20;
  let replaying = false;
  let readPeak = process.memoryUsage.rss();
  let replayPeak = 0;
  let heap = { total: 0, used: 0 };
  const sample = (): void => {
    const rss = process.memoryUsage.rss();
    if (!replaying) readPeak = Math.max(readPeak, rss);
    else if (rss > replayPeak) {
      replayPeak = rss;
      const m = process.memoryUsage();
      heap = { total: mb(m.heapTotal), used: mb(m.heapUsed) };
    }
  };
  const timer = setInterval(sample, 50);
  const t0 = performance.now();
  const res = await runEngine({
    target: url,
    apiKey: 'bench',
    timing: { mode: 'asap' },
    connections: CONNECTIONS,
    resultsDir: join(TMP, 'results'),
    preflight: false,
    ...(sessionIdleMs !== undefined ? { sessionIdleMs } : {}),
    input: {
      kind: 'recording',
      name: file,
      rewindable: true,
      open: (onIssue) =>
        (async function* () {
          for await (const e of readRecording({ file, onError: 'abort', onIssue, tmpDir: TMP })) {
            replaying = true;
            yield e;
          }
        })(),
    },
  });
  clearInterval(timer);
  sample();
  const rssMb = mb(Math.max(readPeak, replayPeak));
  console.log(
    JSON.stringify({
      rssMb,
      readMb: mb(readPeak),
      replayMb: mb(replayPeak),
      heap,
      requests: res.summary?.requests.total,
      failed: res.summary?.requests.failed,
      seconds: (performance.now() - t0) / 1000,
    }),
  );
}

async function memory(url: string): Promise<void> {
  const big = join(TMP, 'big.csv');
  const small = join(TMP, 'small.csv');
  await writeLog(small, 10_000);
  await writeLog(big, MEMORY_ROWS);
  const mb = (await stat(big)).size / 2 ** 20;
  type Phase = {
    rssMb: number;
    readMb: number;
    replayMb: number;
    heap: { total: number; used: number };
    requests: number;
    seconds: number;
  };
  const run = (file: string, v8Flags: string[] = [], sessionIdleMs?: number): Phase => {
    const args = [
      ...v8Flags,
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--phase',
      'memory',
      url,
      file,
      ...(sessionIdleMs !== undefined ? [String(sessionIdleMs)] : []),
    ];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`memory phase failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop() as string);
  };
  try {
    // V8 grows its heap with the allocation rate, not with what is live: a capped heap shows
    // what the replay really needs (and that it runs as fast in it).
    const capped = ['--max-old-space-size=96', '--max-semi-space-size=8'];
    const s = run(small);
    const b = run(big);
    const c = run(big, capped);
    // Idle sessions of a request log are most of what is live while replaying (see --session-idle).
    const i = run(big, [], 60_000);
    const line = (what: string, x: Phase): string =>
      `  ${what.padEnd(44)} ${x.rssMb.toFixed(0).padStart(4)} MB  (reading ${x.readMb.toFixed(0)} MB, replaying ${x.replayMb.toFixed(0)} MB with V8 heap ${x.heap.total.toFixed(0)} MB committed / ${x.heap.used.toFixed(0)} MB used; ${x.requests} requests in ${x.seconds.toFixed(1)} s, ${(x.requests / x.seconds).toFixed(0)} req/s)`;
    console.log(
      `memory, replaying a request log as fast as possible (${CONNECTIONS} connections), peak RSS of the process:`,
    );
    console.log(line('10,000 rows', s));
    console.log(line(`${MEMORY_ROWS.toLocaleString('en')} rows (${mb.toFixed(0)} MB file)`, b));
    console.log(line(`same, node ${capped.join(' ')}`, c));
    console.log(line('same, --session-idle 1m (default 10m)', i));
    console.log(
      `  ratio                                        ${(b.rssMb / s.rssMb).toFixed(2)}× (capped heap ${(c.rssMb / s.rssMb).toFixed(2)}×) for ${(MEMORY_ROWS / 10_000).toFixed(0)}× the rows (goal < 200 MB)`,
    );
  } finally {
    await rm(big, { force: true });
    await rm(small, { force: true });
  }
}

/**
 * Sessions of one step at a huge rate through the RatePacer and the Scheduler, each answered the
 * moment it is sent: what the engine's own bookkeeping costs per session, with no HTTP. The bare
 * loop only makes the same session and item objects.
 */
function ceiling(): void {
  const n = 1_000_000;
  const make = (i: number, pacer: RatePacer): StepItem => {
    const session: Session = {
      id: `c-${i}`,
      key: `c-${i}`,
      kind: 'recorded',
      busy: false,
      failed: false,
      ended: true,
      begun: false,
      cut: false,
      pending: 1,
      lastTime: 0,
      queue: undefined,
    };
    const due = pacer.recorded(0, true);
    return {
      due,
      seq: i,
      session,
      stepName: 'open',
      endpoint: 'PUT /v2/customer_sessions/{id}',
      method: 'PUT',
      path: '/x',
      body: undefined,
      recordedStatus: undefined,
      last: true,
      ready: due,
      sentAt: 0,
    };
  };
  const bare = (): number => {
    const pacer = new RatePacer(1e9);
    const t0 = performance.now();
    let sink = 0;
    for (let i = 0; i < n; i++) sink += make(i, pacer).due;
    if (sink < 0) throw new Error('unreachable');
    return n / ((performance.now() - t0) / 1000);
  };
  const scheduled = (): number => {
    const pacer = new RatePacer(1e9);
    const answered: StepItem[] = [];
    const sch = new Scheduler(64, true, {
      send: (item) => answered.push(item),
      session: () => undefined,
      leftOut: () => undefined,
      forget: () => undefined,
      sessions: () => [],
    });
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      sch.add(make(i, pacer), 0);
      sch.pump(i);
      for (let a = answered.pop(); a; a = answered.pop()) sch.answered(a, i, false);
    }
    return n / ((performance.now() - t0) / 1000);
  };
  bare();
  scheduled();
  const b = [bare(), bare(), bare()].sort((x, y) => x - y)[1] as number;
  const s = [scheduled(), scheduled(), scheduled()].sort((x, y) => x - y)[1] as number;
  console.log(
    `scheduler ceiling, ${n.toLocaleString('en')} one-step sessions, answered at once, no HTTP (median of 3):`,
  );
  console.log(`  making the items  ${b.toFixed(0)} sessions/s`);
  console.log(`  scheduled         ${s.toFixed(0)} sessions/s  (--rate ceiling MAX_RATE = ${MAX_RATE} sessions/s)`);
  console.log(`  ratio             ${(s / b).toFixed(2)}× the bare loop`);
}

async function main(): Promise<void> {
  const [flag, phase, url, file, idle] = process.argv.slice(2);
  if (flag === '--phase' && phase === 'memory' && url && file)
    return memoryPhase(url, file, idle === undefined ? undefined : Number(idle));
  await mkdir(TMP, { recursive: true });
  const server = await startEchoServer();
  try {
    const parts = (process.env.BENCH_PARTS ?? 'throughput,lag,memory,ceiling').split(',');
    if (parts.includes('ceiling')) ceiling();
    if (parts.includes('throughput')) await throughput(server.url);
    if (parts.includes('lag')) await lag(server.url);
    if (parts.includes('memory')) await memory(server.url);
  } finally {
    stopEchoServer(server);
    await rm(TMP, { recursive: true, force: true });
  }
}

await main();
