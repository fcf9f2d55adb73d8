// How close `cartload capacity` comes to a target's true ceiling, with each engine. The local target
// is given a ceiling with its capacity knob (W workers × S ms = W × 1000 / S requests/s, the
// baseline: configured, so known exactly), in a process of its own; the search runs with the
// default SLO (p95 < 500 ms, p99 < 1000 ms, failed < 1%) and a budget of 3 minutes, and the bench
// prints the highest sustainable request rate it reports as a ratio to the ceiling. k6 is the
// paced k6 stand-in (test/harness/paced) unless K6_BIN names a real k6.
//   BENCH_ENGINES=node,k6  BENCH_CONFIGS=4x10,16x20  BENCH_WARMUP=3s  BENCH_HOLD=7s
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCapacity } from '../orchestrate/capacity/index.ts';
import { standInK6Bin } from '../test/harness/paced/k6-standin.ts';
import { startTargetProcess } from '../test/helpers/target-process.ts';

const engines = (process.env['BENCH_ENGINES'] ?? 'node,k6').split(',') as ('node' | 'k6')[];
const configs = (process.env['BENCH_CONFIGS'] ?? '4x10,16x20')
  .split(',')
  .map((c) => c.split('x').map(Number) as [number, number]);
const warmup = process.env['BENCH_WARMUP'] ?? '3s';
const hold = process.env['BENCH_HOLD'] ?? '7s';
const dir = await mkdtemp(join(tmpdir(), 'cartload-bench-capacity-'));
const k6 = process.env['K6_BIN'] || (await standInK6Bin(join(dir, 'bin')));

console.log(
  `capacity search: default SLO, probes of ${warmup} warm-up + ${hold} hold, start 10 sessions/s, × 2 up, tolerance 5%, at most 3 min`,
);
console.log('  engine  target            ceiling req/s  found req/s  found/ceiling  probes  minutes  stopped by');
try {
  for (const [workers, serviceMs] of configs) {
    const ceiling = (workers * 1000) / serviceMs;
    for (const engine of engines) {
      const target = await startTargetProcess(['--workers', String(workers), '--service-time', String(serviceMs)], {
        apiKey: 'bench',
      });
      const started = performance.now();
      try {
        const r = await runCapacity({
          engine,
          env: { PATH: process.env['PATH'], K6_BIN: k6, TALON_BASE_URL: target.url, TALON_API_KEY: 'bench' },
          warmup,
          hold,
          search: { start: 10, budgetMs: 180_000 },
          knownCeiling: ceiling,
          resultsDir: join(dir, 'results'),
          distDir: join(dir, 'dist'),
          say: (l) => process.stderr.write(`    ${l}\n`),
        });
        const minutes = ((performance.now() - started) / 60_000).toFixed(1);
        if (r.engine === 'none') {
          console.log(
            `  ${engine.padEnd(6)}  ${`${workers} × ${serviceMs} ms`.padEnd(16)}  ${String(ceiling).padStart(13)}  failed: ${r.message}`,
          );
          process.exitCode = 1;
          continue;
        }
        const found = r.file.report.sustainable?.requestsPerSec ?? 0;
        console.log(
          `  ${engine.padEnd(6)}  ${`${workers} × ${serviceMs} ms`.padEnd(16)}  ${String(ceiling).padStart(13)}  ${found.toFixed(1).padStart(11)}  ${(found / ceiling).toFixed(2).padStart(13)}  ${String(r.file.probes.length).padStart(6)}  ${minutes.padStart(7)}  ${r.file.stoppedBy}`,
        );
        process.stderr.write(r.text);
      } finally {
        await target.stop();
      }
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
