// How fast the local target answers over HTTP, against a bare node:http server answering a fixed
// JSON body (bench/target-baseline-server.ts), both in their own process, loaded by autocannon
// from this one over loopback. The target must not be the bottleneck of replay benchmarks: the
// ratio says what its validation, state machine, rules and fastify cost on top of raw node:http.
// Each round runs the baseline and the two target workloads back to back, BENCH_SECONDS (default
// 3) each with 20 connections; the ratio is taken within a round (so slow drifts of a shared
// machine cancel out), and the median over BENCH_ROUNDS (default 5) rounds is reported with its range.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const CONNECTIONS = 20;
const KEY = 'bench-key';
const bin = fileURLToPath(new URL('../bin/cartload.mjs', import.meta.url));
const baselineScript = fileURLToPath(new URL('./target-baseline-server.ts', import.meta.url));

const cart = Array.from({ length: 5 }, (_, i) => ({
  sku: `SKU-${i}`,
  quantity: 1 + (i % 3),
  price: 9.99 + i,
  category: 'shoes',
}));
const createBody = JSON.stringify({
  customerSession: { profileId: 'bench', couponCodes: ['CLBENCH0001'], cartItems: cart },
});
const createWithSession = JSON.stringify({
  customerSession: { couponCodes: ['CLBENCH0001'], cartItems: cart },
  responseContent: ['customerSession'],
});

async function startServer(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, child };
}

interface Phase {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(url: string, body: string): Promise<Phase> {
  const r = await autocannon({
    url: `${url}/v2/customer_sessions/bench-[<id>]`,
    method: 'PUT',
    headers: { authorization: `ApiKey-v1 ${KEY}`, 'content-type': 'application/json' },
    body,
    idReplacement: true,
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx };
}

const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};
const fmt = (runs: Phase[]) => {
  const rps = median(runs.map((p) => p.rps));
  const p99 = median(runs.map((p) => p.p99));
  const non2xx = runs.reduce((n, p) => n + p.non2xx, 0);
  return `${Math.round(rps).toString().padStart(7)} req/s  p99 ${p99} ms${non2xx ? `  NON-2XX ${non2xx}` : ''}`;
};
const ratios = (runs: Phase[], base: Phase[]) => {
  const r = runs.map((p, i) => p.rps / base[i]!.rps);
  return `ratio ${median(r).toFixed(2)} (${Math.min(...r).toFixed(2)}..${Math.max(...r).toFixed(2)})`;
};

const baseline = await startServer(['--import', 'tsx', baselineScript]);
// --max-sessions keeps the target's store at the size a long replay would reach, with evictions.
const target = await startServer([bin, 'target', '--port', '0', '--api-key', KEY, '--max-sessions', '50000']);
try {
  await load(baseline.url, createBody); // warm-up: JIT and connection setup on both sides
  await load(target.url, createBody);
  const base: Phase[] = [];
  const create: Phase[] = [];
  const withSession: Phase[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    base.push(await load(baseline.url, createBody));
    create.push(await load(target.url, createBody));
    withSession.push(await load(target.url, createWithSession));
  }
  console.log(
    `target HTTP throughput, ${CONNECTIONS} connections, ${SECONDS} s a phase, median of ${ROUNDS} rounds (ratio range in brackets), loopback`,
  );
  console.log(`  baseline node:http, fixed JSON      ${fmt(base)}`);
  console.log(`  target PUT new session (5 items)    ${fmt(create)}   ${ratios(create, base)}`);
  console.log(`  target PUT + customerSession answer ${fmt(withSession)}   ${ratios(withSession, base)}`);
  if (create.some((p) => p.non2xx) || withSession.some((p) => p.non2xx)) process.exitCode = 1;
} finally {
  baseline.child.kill('SIGTERM');
  target.child.kill('SIGTERM');
}
