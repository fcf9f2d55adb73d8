// How fast the local target answers over HTTP, against a bare node:http server answering a fixed
// JSON body (bench/target-baseline-server.ts), both in their own process, loaded by autocannon
// from this one over loopback. The target must not be the bottleneck of replay benchmarks: the
// ratio says what its validation, state machine, rules and fastify cost on top of raw node:http.
// Each phase runs BENCH_SECONDS (default 5) with 20 connections, twice, alternating; the better
// run of each counts (noise on 2 shared cores only ever slows a run down).
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CONNECTIONS = 20;
const KEY = 'bench-key';
const bin = fileURLToPath(new URL('../bin/cartload.mjs', import.meta.url));
const baselineScript = fileURLToPath(new URL('./target-baseline-server.ts', import.meta.url));

const cart = Array.from({ length: 5 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 + (i % 3), price: 9.99 + i, category: 'shoes' }));
const createBody = JSON.stringify({ customerSession: { profileId: 'bench', couponCodes: ['CLBENCH0001'], cartItems: cart } });
const createWithSession = JSON.stringify({ customerSession: { couponCodes: ['CLBENCH0001'], cartItems: cart }, responseContent: ['customerSession'] });

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

const best = (a: Phase | undefined, b: Phase): Phase => (a && a.rps >= b.rps ? a : b);
const fmt = (p: Phase) => `${Math.round(p.rps).toString().padStart(7)} req/s  p50 ${p.p50} ms  p99 ${p.p99} ms${p.non2xx ? `  NON-2XX ${p.non2xx}` : ''}`;

const baseline = await startServer(['--import', 'tsx', baselineScript]);
// --max-sessions keeps the target's store at the size a long replay would reach, with evictions.
const target = await startServer([bin, 'target', '--port', '0', '--api-key', KEY, '--max-sessions', '50000']);
try {
  await load(baseline.url, createBody); // warm-up: JIT and connection setup on both sides
  let base: Phase | undefined;
  let create: Phase | undefined;
  let withSession: Phase | undefined;
  for (let round = 0; round < 2; round++) {
    base = best(base, await load(baseline.url, createBody));
    create = best(create, await load(target.url, createBody));
    withSession = best(withSession, await load(target.url, createWithSession));
  }
  console.log(`target HTTP throughput, ${CONNECTIONS} connections, ${SECONDS} s a phase, best of 2, loopback`);
  console.log(`  baseline node:http, fixed JSON      ${fmt(base!)}`);
  console.log(`  target PUT new session (5 items)    ${fmt(create!)}   ratio ${(create!.rps / base!.rps).toFixed(2)}`);
  console.log(`  target PUT + customerSession answer ${fmt(withSession!)}   ratio ${(withSession!.rps / base!.rps).toFixed(2)}`);
  if (create!.non2xx || withSession!.non2xx) process.exitCode = 1;
} finally {
  baseline.child.kill('SIGTERM');
  target.child.kill('SIGTERM');
}
