// cartload replay --workers against a minimal loopback HTTP server (a child process, so its CPU is
// not the client's), as fast as possible, over one request-log file; each figure beside its
// baseline measured in the same run, rounds alternated so that a busy machine slows both alike:
//  1. CPU per request (user + system of this process, worker threads included) of N workers
//     together vs one process replaying the whole file (goal ≤ 1.1×: N cores give close to N× the rate);
//  2. requests per second of 1 vs 2 workers.
// Bounded by the file's size; temporary files go to .cartload-tmp/ and are deleted.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { sessionPath } from '../model/plan.ts';
import { REQUEST_LOG_COLUMNS } from '../recordings/request-log.ts';
import { replayFile } from '../orchestrate/replay.ts';
import { replayWithWorkers } from '../orchestrate/replay-workers.ts';
import { startEchoServer, stopEchoServer } from './echo-server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const TMP = join(here, '..', '.cartload-tmp', 'bench-replay-workers');
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 10_000);
const STEPS = 3;
const CONNECTIONS = 32;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WORKERS = Math.max(2, Number(process.env.BENCH_WORKERS ?? availableParallelism()));

const BODY = JSON.stringify({
  customerSession: {
    profileId: 'bench-profile',
    cartItems: Array.from({ length: 4 }, (_, i) => ({
      sku: `SKU${1000 + i}`,
      name: `Item ${i}`,
      price: 9.99 + i,
      quantity: 1 + (i % 3),
    })),
  },
  responseContent: ['customerSession'],
});

async function writeLog(file: string): Promise<void> {
  const t0 = Date.UTC(2026, 0, 1);
  const rows: string[][] = [[...REQUEST_LOG_COLUMNS]];
  for (let i = 0; i < SESSIONS; i++) {
    const id = `bench-${i}`;
    for (let k = 0; k < STEPS; k++) {
      const row: Record<string, string> = {
        timestamp: new Date(t0 + i * 10 + k).toISOString(),
        session_id: id,
        method: 'PUT',
        path: sessionPath(id),
        body: BODY,
        step: k === 0 ? 'open' : 'update',
        kind: 'recorded',
      };
      rows.push(REQUEST_LOG_COLUMNS.map((c) => row[c] ?? ''));
    }
  }
  await writeFile(file, stringify(rows));
}

interface Measured {
  requests: number;
  cpuUs: number;
  wallMs: number;
}

async function measure(
  run: () => Promise<{ summary?: { requests: { total: number; failed: number } } }>,
): Promise<Measured> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const res = await run();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  const total = res.summary?.requests.total ?? 0;
  if (total !== SESSIONS * STEPS || (res.summary?.requests.failed ?? 1) !== 0)
    throw new Error(
      `expected ${SESSIONS * STEPS} answered requests, got ${total} (${res.summary?.requests.failed} failed)`,
    );
  return { requests: total, cpuUs: used.user + used.system, wallMs };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

await rm(TMP, { recursive: true, force: true });
await mkdir(TMP, { recursive: true });
const file = join(TMP, 'requests.csv');
await writeLog(file);
const server = await startEchoServer();
let n = 0;
const common = () => ({
  file,
  target: server.url,
  timing: { mode: 'asap' as const },
  connections: CONNECTIONS,
  resultsDir: join(TMP, 'results'),
  runId: `r${n++}`,
  preflight: false,
});
try {
  const runs: Record<string, Measured[]> = { one: [], workers: [], two: [] };
  // A warm-up round: connections, JIT, the file in the page cache.
  await measure(() => replayFile(common()));
  for (let r = 0; r < ROUNDS; r++) {
    runs.one!.push(await measure(() => replayFile(common())));
    runs.workers!.push(await measure(() => replayWithWorkers({ ...common(), workers: WORKERS })));
    if (WORKERS !== 2) runs.two!.push(await measure(() => replayWithWorkers({ ...common(), workers: 2 })));
  }
  if (WORKERS === 2) runs.two = runs.workers!;
  const perRequest = (m: Measured[]): number => median(m.map((x) => x.cpuUs / x.requests));
  const rate = (m: Measured[]): number => median(m.map((x) => (x.requests * 1000) / x.wallMs));
  const one = perRequest(runs.one!);
  const many = perRequest(runs.workers!);
  console.log(
    `${SESSIONS * STEPS} requests (${SESSIONS} sessions × ${STEPS} steps), ${CONNECTIONS} connections per process, --asap; ${availableParallelism()} cores; median of ${ROUNDS} rounds`,
  );
  console.log(
    `CPU per request: one process ${one.toFixed(1)} µs, ${WORKERS} workers together ${many.toFixed(1)} µs: ${(many / one).toFixed(2)}× (goal ≤ 1.10×) ${many / one <= 1.1 ? 'MET' : 'MISSED'}`,
  );
  console.log(
    `requests/s: 1 process ${rate(runs.one!).toFixed(0)}, 2 workers ${rate(runs.two!).toFixed(0)}: ${(rate(runs.two!) / rate(runs.one!)).toFixed(2)}× (one server process answers both)`,
  );
  for (const [k, m] of Object.entries(runs))
    if (m.length > 0)
      console.log(
        `  ${k}: ${m.map((x) => `${(x.cpuUs / x.requests).toFixed(1)} µs/req, ${((x.requests * 1000) / x.wallMs).toFixed(0)}/s`).join('; ')}`,
      );
} finally {
  stopEchoServer(server);
  await rm(TMP, { recursive: true, force: true });
}
