// The capacity knob gives the target a real saturation point: with W workers and a service time
// of S ms it cannot serve more than W × 1000 / S requests a second, and beyond that requests
// queue and latency grows. This bench offers rising concurrency and prints what it served, as a
// ratio to that ceiling (the baseline: computed, not measured), and the latency it took.
// BENCH_SECONDS (default 3) a step.
import autocannon from 'autocannon';
import { startTarget } from '../emulator/server/index.ts';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const WORKERS = 4;
const SERVICE_MS = 10;
const CEILING = (WORKERS * 1000) / SERVICE_MS;
const body = JSON.stringify({ customerSession: { cartItems: [{ sku: 'A', quantity: 1, price: 10 }] } });

const t = await startTarget({
  apiKey: 'bench',
  config: { maxSessions: 50_000 },
  knobs: { capacity: { workers: WORKERS, serviceTime: String(SERVICE_MS) } },
});
try {
  console.log(
    `capacity knob: ${WORKERS} workers × ${SERVICE_MS} ms service time = ceiling ${CEILING} req/s; ${SECONDS} s a step`,
  );
  console.log('  connections    req/s   of ceiling   p50 ms   p99 ms');
  for (const connections of [1, 2, 4, 8, 16]) {
    const r = await autocannon({
      url: `${t.url}/v2/customer_sessions/cap-[<id>]`,
      method: 'PUT',
      headers: { authorization: 'ApiKey-v1 bench' },
      body,
      idReplacement: true,
      connections,
      duration: SECONDS,
    });
    if (r.non2xx) process.exitCode = 1;
    const rps = r.requests.average;
    console.log(
      `  ${String(connections).padStart(11)} ${Math.round(rps).toString().padStart(8)} ${(rps / CEILING).toFixed(2).padStart(12)} ${String(r.latency.p50).padStart(8)} ${String(r.latency.p99).padStart(8)}`,
    );
  }
} finally {
  await t.close();
}
