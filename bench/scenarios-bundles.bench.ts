// Issue 4's "Speed and memory", measured through the k6 harness (k6 itself cannot run here):
// builds the real scenario bundles, then, in fresh `node --jitless` children (k6's Sobek is an
// interpreter too), measures for each bundle and for a minimal k6 script (one http.put of a fixed
// body) in the same run:
//   - heap per VU context: heap growth over VUS_FOR_HEAP fresh VU contexts, after GC, per VU;
//   - iterations/s and requests/s over a fixed number of iterations on SPEED_VUS VUs.
// It prints each figure as a ratio to the minimal script against the goals (memory ≤ 1.2×,
// iterations/s ≥ 0.5×). Rounds alternate the scripts and the median of each figure is reported.
// These are harness figures, a proxy for k6: the same script code per VU, not k6's runtime.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const HERE = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(HERE), '..');
const VUS_FOR_HEAP = 20;
const SPEED_VUS = 4;
const MIN_ITERATIONS = 300;
const MIN_SECONDS = 1.5;
const MAX_ITERATIONS = 100_000;
const CHUNK = 100;
/** Untimed first iterations: V8 compiles each function's bytecode on its first call. */
const WARMUP = 30;
const ROUNDS = 3;
const CHILD_TIMEOUT_MS = 240_000;

const MINIMAL_SCRIPT = `import http from 'k6/http';
const body = JSON.stringify({ customerSession: { state: 'open', cartItems: [{ sku: 'SKU-1', quantity: 1, price: 10 }] } });
const params = { headers: { 'Content-Type': 'application/json', Authorization: 'ApiKey-v1 ' + __ENV.TALON_API_KEY } };
export default function () {
  http.put(__ENV.TALON_BASE_URL + '/v2/customer_sessions/bench-' + __VU + '-' + __ITER, body, params);
}
`;

// The same script importing every k6 module the scenarios import: how much of a ratio is the
// harness's own module shims (JavaScript per VU here; Go-backed in k6) rather than scenario code.
const MODULES_SCRIPT = `import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
export const used = [check, group, sleep, Counter, Rate, Trend, SharedArray, exec];
const body = JSON.stringify({ customerSession: { state: 'open', cartItems: [{ sku: 'SKU-1', quantity: 1, price: 10 }] } });
const params = { headers: { 'Content-Type': 'application/json', Authorization: 'ApiKey-v1 ' + __ENV.TALON_API_KEY } };
export default function () {
  http.put(__ENV.TALON_BASE_URL + '/v2/customer_sessions/bench-' + __VU + '-' + __ITER, body, params);
}
`;

interface Measured {
  heapPerVu: number;
  iterationsPerSecond: number;
  requestsPerSecond: number;
  compiledBytes: number;
}

async function child(bundle: string): Promise<void> {
  const { K6Test } = await import('../harness/index.ts');
  const { compileBundle } = await import('../harness/compile.ts');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const env = { THINK_SCALE: '0', SESSION_PREFIX: 'bench' };
  // No per-call time limit: its watchdog thread per call would be most of the minimal script's cost.
  const callTimeoutMs = 0;

  // Memory: VU 0 (options, shared arrays) first, then VUS_FOR_HEAP more contexts.
  const heapTest = new K6Test({ bundle, env, callTimeoutMs, record: { requests: false, samples: false } });
  await heapTest.prepare();
  heapTest.addVu(); // the first VU warms lazily compiled code paths shared by all
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < VUS_FOR_HEAP; i++) heapTest.addVu();
  gc();
  gc();
  const heapPerVu = (process.memoryUsage().heapUsed - before) / VUS_FOR_HEAP;
  if (heapTest.vus.length !== VUS_FOR_HEAP + 1) throw new Error('VUs were not kept');

  // Speed: a fresh test, no recording, fixed iteration count.
  const speedTest = new K6Test({ bundle, env, callTimeoutMs, record: { requests: false, samples: false } });
  await speedTest.prepare();
  for (let i = 0; i < SPEED_VUS; i++) speedTest.addVu();
  await speedTest.setup();
  await speedTest.iterate(WARMUP, CHILD_TIMEOUT_MS);
  const warmRequests = speedTest.state.metrics.valuesOf('http_reqs')?.values.length ?? 0;
  // At least MIN_ITERATIONS and MIN_SECONDS (a fast script's 300 iterations take a few ms: too
  // short to time on a noisy machine), at most MAX_ITERATIONS.
  const started = performance.now();
  let iterations = 0;
  while (iterations < MIN_ITERATIONS || (performance.now() - started < MIN_SECONDS * 1000 && iterations < MAX_ITERATIONS)) {
    await speedTest.iterate(CHUNK, CHILD_TIMEOUT_MS);
    iterations += CHUNK;
  }
  const seconds = (performance.now() - started) / 1000;
  const result = await speedTest.finish({ timedOut: false, teardownError: undefined });
  if (result.errors.length > 0) throw new Error(`iterations failed: ${result.errors[0]!.message}`);
  const requests = (result.metrics.http_reqs?.values.count ?? 0) - warmRequests;
  const out: Measured = {
    heapPerVu,
    iterationsPerSecond: iterations / seconds,
    requestsPerSecond: requests / seconds,
    compiledBytes: (await compileBundle(bundle)).bytes,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function measure(bundle: string): Measured {
  const r = spawnSync(process.execPath, ['--jitless', '--expose-gc', '--import', 'tsx', HERE, '--child', bundle], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`child for ${bundle} failed (${r.status ?? r.signal}): ${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as Measured;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cartload-bench-bundles-'));
  try {
    const { buildScenarios } = await import('../bundle/index.ts');
    const report = await buildScenarios({ outDir: join(dir, 'dist') });
    const minimal = join(dir, 'dist', 'minimal.js');
    const modules = join(dir, 'dist', 'minimal-modules.js');
    const esm: BuildOptions = { bundle: true, format: 'esm', platform: 'neutral', external: ['k6', 'k6/*'], logLevel: 'silent' };
    await build({ stdin: { contents: MINIMAL_SCRIPT, loader: 'js' }, outfile: minimal, ...esm });
    await build({ stdin: { contents: MODULES_SCRIPT, loader: 'js' }, outfile: modules, ...esm });
    const scripts = [
      { name: 'minimal (baseline)', file: minimal, bytes: 0 },
      { name: 'minimal+k6 modules', file: modules, bytes: 0 },
      ...report.bundles.map((b) => ({ name: b.name, file: b.file, bytes: b.bytes })),
    ];
    const samples = new Map<string, Measured[]>(scripts.map((s) => [s.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scripts) samples.get(s.name)!.push(measure(s.file));
    }
    const fig = (name: string, key: keyof Measured): number => median(samples.get(name)!.map((m) => m[key]));
    const base = scripts[0]!.name;
    console.log(`k6 bundles through the harness, node --jitless, ${process.arch}, ${ROUNDS} rounds (medians);`);
    console.log(`heap per VU over ${VUS_FOR_HEAP} contexts; speed over at least ${MIN_ITERATIONS} iterations and ${MIN_SECONDS} s (after ${WARMUP} untimed) on ${SPEED_VUS} VUs, think times 0`);
    console.log('');
    console.log('script              bundle    heap/VU   ×base  goal≤1.2   iter/s   ×base  goal≥0.5   req/s   ×base');
    for (const s of scripts) {
      const heap = fig(s.name, 'heapPerVu');
      const its = fig(s.name, 'iterationsPerSecond');
      const rps = fig(s.name, 'requestsPerSecond');
      const heapRatio = heap / fig(base, 'heapPerVu');
      const itRatio = its / fig(base, 'iterationsPerSecond');
      const reqRatio = rps / fig(base, 'requestsPerSecond');
      const isBase = s.name === base;
      console.log(
        [
          s.name.padEnd(18),
          (s.bytes ? `${(s.bytes / 1024).toFixed(1)} kB` : '-').padStart(8),
          `${(heap / 1024).toFixed(0)} kB`.padStart(9),
          `${heapRatio.toFixed(2)}×`.padStart(7),
          (isBase || !s.bytes ? '' : heapRatio <= 1.2 ? 'met' : 'MISSED').padStart(9),
          its.toFixed(0).padStart(8),
          `${itRatio.toFixed(2)}×`.padStart(7),
          (isBase || !s.bytes ? '' : itRatio >= 0.5 ? 'met' : 'MISSED').padStart(9),
          rps.toFixed(0).padStart(7),
          `${reqRatio.toFixed(2)}×`.padStart(7),
        ].join(' '),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) await child(process.argv[process.argv.indexOf('--child') + 1]!);
else await main();
