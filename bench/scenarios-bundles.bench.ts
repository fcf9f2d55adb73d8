// Issue 4's "Speed and memory", measured through the k6 harness (k6 itself cannot run here), against
// two baselines in the same run:
//   A. the real scenario bundles, as they run (their own profiles), against a minimal k6 script (one
//      http.put of a fixed body per iteration): the issue's goals, memory per VU ≤ 1.2× and
//      iterations/s ≥ 0.5×. Answers come from the target's in-process core for every script.
//   B. like for like: the lifecycle bundle on a fixed session shape (open + close of ITEMS items, no
//      think time) against a hand-written script that sends the same two requests with constant
//      bodies, the same tags and one check each; and against the same script with cartload's four
//      checks and its metrics (what is left between those two is the plan). Canned answers, so that
//      each script pays only for its own code.
// Every script is measured the same way, in a fresh `node --jitless` child (k6's Sobek is an
// interpreter too): heap (plus typed-array backing stores) per VU context after its init and first
// iteration (planners are built on a VU's first iteration), and iterations/s over at least
// MIN_ITERATIONS and MIN_SECONDS on SPEED_VUS VUs after WARMUP untimed iterations. Rounds alternate
// the scripts; the best round of each figure is kept (least disturbed by the 2 shared cores'
// other jobs). These are harness figures, a proxy for k6: the same script code per VU, not k6's runtime.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { RunK6BundleOptions } from '../test/harness/index.ts';

const HERE = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(HERE), '..');
const ITEMS = 5;
const VUS_FOR_HEAP = 16;
const SPEED_VUS = 4;
const MIN_ITERATIONS = 300;
const MIN_SECONDS = 1.5;
const MAX_ITERATIONS = 100_000;
const CHUNK = 100;
/** Untimed first iterations: V8 compiles each function's bytecode on its first call. */
const WARMUP = 30;
const ROUNDS = 3;
const CHILD_TIMEOUT_MS = 240_000;

const REQUEST = `const params = { headers: { 'Content-Type': 'application/json', Authorization: 'ApiKey-v1 ' + __ENV.TALON_API_KEY } };`;

const MINIMAL = `import http from 'k6/http';
const body = JSON.stringify({ customerSession: { state: 'open', cartItems: [{ sku: 'SKU-1', quantity: 1, price: 10 }] } });
${REQUEST}
export default function () {
  http.put(__ENV.TALON_BASE_URL + '/v2/customer_sessions/bench-' + __VU + '-' + __ITER, body, params);
}
`;

/** The minimal script importing every k6 module the scenarios import: the harness's own share (its shims are JavaScript per VU here, Go in k6). */
const MINIMAL_MODULES = `import { check, group, sleep } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
export const used = [check, group, sleep, Counter, Rate, Trend, SharedArray, exec];
${MINIMAL}`;

/** The hand-written session: the same two requests as the fixed-shape lifecycle bundle, constant bodies. */
const handWritten = (checked: boolean): string => `import http from 'k6/http';
import { check } from 'k6';
${checked ? `import { Counter, Trend } from 'k6/metrics';
const stepDuration = new Trend('cartload_step_duration', true);
const completed = new Counter('cartload_lifecycles_completed');` : ''}
const headers = { Authorization: 'ApiKey-v1 ' + __ENV.TALON_API_KEY, 'Content-Type': 'application/json' };
const items = [];
for (let j = 0; j < ${ITEMS}; j++) items.push({ sku: 'SKU-' + j, name: 'Practical Steel Chair', price: 24.99, category: 'Home', quantity: 1 });
export default function () {
  const url = __ENV.TALON_BASE_URL + '/v2/customer_sessions/hand-' + __ITER + '-' + __VU;
  for (const [step, state] of [['open', 'open'], ['close', 'closed']]) {
    const body = JSON.stringify({ customerSession: { profileId: 'customer-1', cartItems: items, state }, responseContent: ['customerSession'] });
    const tags = { name: 'PUT /v2/customer_sessions/{id}', step, kind: 'checkout' };
    const res = http.put(url, body, { headers, tags });
${checked ? `    stepDuration.add(res.timings.duration, tags);
    const answer = res.status === 200 ? JSON.parse(res.body) : undefined;
    check(res, {
      [step + ': status 200']: (r) => r.status === 200,
      [step + ': no 409']: (r) => r.status !== 409,
      [step + ': effects is an array']: () => Array.isArray(answer && answer.effects),
      [step + ': state as expected']: () => (answer && answer.customerSession && answer.customerSession.state) === state,
    }, { step, kind: 'checkout' });
  }
  completed.add(1, { kind: 'checkout' });` : `    check(res, { [step + ': status 200']: (r) => r.status === 200 });
  }`}
}
`;

/** A script that does nothing: what a VU context costs in the harness before any script code. */
const EMPTY = `export default function () {}
`;

const FIXED_PROFILE = {
  name: `fixed-${ITEMS}`,
  lifecycles: { browse: 0, checkout: 1, checkout_cancel: 0, cancel_before_checkout: 0, return: 0, reopen: 0, dry: 0 },
  cart: { items: { median: ITEMS, sigma: 0, min: ITEMS, max: ITEMS } },
  updates: { min: 0, max: 0 },
  getShare: 0,
};

interface Script {
  name: string;
  file: string;
  env?: Record<string, string>;
  /** Answer every request with a canned 200 instead of the in-process target core. */
  canned?: boolean;
  /** Bundle size, for the real scenario bundles. */
  bytes?: number;
}

interface Measured {
  heapPerVu: number;
  iterationsPerSecond: number;
  requestsPerSecond: number;
}

/** The target's stand-in: a valid answer in the state the request asked for. */
function canned(req: { body: unknown }): { status: number; body: unknown } {
  const state = (req.body as { customerSession?: { state?: string } } | undefined)?.customerSession?.state ?? 'open';
  return { status: 200, body: { effects: [], createdCoupons: [], createdReferrals: [], customerSession: { state } } };
}

// ---- child: one script, under --jitless --expose-gc --------------------------------------------

async function child(script: Script): Promise<void> {
  const { K6Test } = await import('../test/harness/index.ts');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const options: RunK6BundleOptions = {
    bundle: script.file,
    env: { THINK_SCALE: '0', SESSION_PREFIX: 'bench', ...script.env },
    // No per-call time limit: its watchdog per call would be most of the minimal script's cost.
    callTimeoutMs: 0,
    record: { requests: false, samples: false },
    ...(script.canned ? { onRequest: canned } : {}),
  };
  const held = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };

  // Memory: VU 0 (options, shared arrays) and a first VU warm what all VUs share; then
  // VUS_FOR_HEAP more contexts, each through its init and one iteration.
  const heapTest = new K6Test(options);
  await heapTest.prepare();
  await heapTest.setup();
  heapTest.addVu();
  await heapTest.iterate(1, CHILD_TIMEOUT_MS);
  const before = held();
  for (let i = 0; i < VUS_FOR_HEAP; i++) heapTest.addVu();
  await heapTest.iterate(VUS_FOR_HEAP + 1, CHILD_TIMEOUT_MS);
  const heapPerVu = (held() - before) / VUS_FOR_HEAP;
  if (heapTest.vus.length !== VUS_FOR_HEAP + 1) throw new Error('VUs were not kept');

  // Speed: a fresh test, no recording.
  const speedTest = new K6Test(options);
  await speedTest.prepare();
  for (let i = 0; i < SPEED_VUS; i++) speedTest.addVu();
  await speedTest.setup();
  await speedTest.iterate(WARMUP, CHILD_TIMEOUT_MS);
  const warmRequests = speedTest.state.metrics.valuesOf('http_reqs')?.values.length ?? 0;
  const started = performance.now();
  let iterations = 0;
  while (iterations < MIN_ITERATIONS || (performance.now() - started < MIN_SECONDS * 1000 && iterations < MAX_ITERATIONS)) {
    await speedTest.iterate(CHUNK, CHILD_TIMEOUT_MS);
    iterations += CHUNK;
  }
  const seconds = (performance.now() - started) / 1000;
  const result = await speedTest.finish({ timedOut: false, teardownError: undefined });
  if (result.errors.length > 0) throw new Error(`iterations failed: ${result.errors[0]!.message}`);
  const failedChecks = result.metrics.checks?.values.fails ?? 0;
  if (failedChecks > 0) throw new Error(`${script.name}: ${failedChecks} checks failed: the figures would not be of whole sessions`);
  const requests = (result.metrics.http_reqs?.values.count ?? 0) - warmRequests;
  const out: Measured = { heapPerVu, iterationsPerSecond: iterations / seconds, requestsPerSecond: requests / seconds };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function measure(script: Script): Measured {
  const r = spawnSync(process.execPath, ['--jitless', '--expose-gc', '--import', 'tsx', HERE, '--child', JSON.stringify(script)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`child for ${script.name} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measured;
}

// ---- main ------------------------------------------------------------------------------------------

const kb = (v: number): string => `${(v / 1024).toFixed(0)} kB`;

function table(title: string, scripts: Script[], base: Script, best: (s: Script) => Measured, goals: Set<string>): void {
  const b = best(base);
  console.log(`\n${title}`);
  console.log('script                 bundle   heap/VU   ×base  goal≤1.2   iter/s   ×base  goal≥0.5   req/s   ×base');
  for (const s of scripts) {
    const m = best(s);
    const heap = m.heapPerVu / b.heapPerVu;
    const its = m.iterationsPerSecond / b.iterationsPerSecond;
    const goal = goals.has(s.name);
    console.log(
      [
        s.name.padEnd(21),
        (s.bytes ? `${(s.bytes / 1024).toFixed(1)} kB` : '-').padStart(8),
        kb(m.heapPerVu).padStart(9),
        `${heap.toFixed(2)}×`.padStart(7),
        (goal ? (heap <= 1.2 ? 'met' : 'MISSED') : '').padStart(9),
        m.iterationsPerSecond.toFixed(0).padStart(8),
        `${its.toFixed(2)}×`.padStart(7),
        (goal ? (its >= 0.5 ? 'met' : 'MISSED') : '').padStart(9),
        m.requestsPerSecond.toFixed(0).padStart(7),
        `${(m.requestsPerSecond / b.requestsPerSecond).toFixed(2)}×`.padStart(7),
      ].join(' '),
    );
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cartload-bench-bundles-'));
  try {
    const { buildScenarios } = await import('../bundle/index.ts');
    const dist = join(dir, 'dist');
    const report = await buildScenarios({ outDir: dist, seed: 1 });
    const sources: Record<string, string> = { minimal: MINIMAL, 'minimal-modules': MINIMAL_MODULES, hand: handWritten(false), 'hand-checked': handWritten(true), empty: EMPTY };
    // Bundled as k6 would take them (ESM, k6 modules external); not through `cartload build`, whose
    // checks demand what a cartload scenario must have (exported options).
    for (const [name, text] of Object.entries(sources)) {
      await build({ stdin: { contents: text, loader: 'js' }, outfile: join(dist, `${name}.js`), bundle: true, format: 'esm', platform: 'neutral', external: ['k6', 'k6/*'], logLevel: 'silent' });
    }
    writeFileSync(join(dist, 'fixed.json'), JSON.stringify(FIXED_PROFILE));
    const file = (name: string): string => join(dist, `${name}.js`);

    const minimal: Script = { name: 'minimal (baseline A)', file: file('minimal') };
    const bundles: Script[] = report.bundles.map((b) => ({ name: b.name, file: b.file, bytes: b.bytes }));
    const hand: Script = { name: 'hand (baseline B)', file: file('hand'), canned: true };
    const a: Script[] = [minimal, { name: 'minimal + k6 modules', file: file('minimal-modules') }, ...bundles];
    const b: Script[] = [
      hand,
      { name: 'hand + cartload checks', file: file('hand-checked'), canned: true },
      { name: `lifecycle, ${ITEMS} items`, file: file('lifecycle'), env: { PROFILE: './fixed.json' }, canned: true },
      { name: 'empty script', file: file('empty'), canned: true },
    ];
    const samples = new Map<Script, Measured[]>([...a, ...b].map((s) => [s, []]));
    for (let round = 0; round < ROUNDS; round++) for (const s of samples.keys()) samples.get(s)!.push(measure(s));
    const best = (s: Script): Measured => {
      const ms = samples.get(s)!;
      return {
        heapPerVu: Math.min(...ms.map((m) => m.heapPerVu)),
        iterationsPerSecond: Math.max(...ms.map((m) => m.iterationsPerSecond)),
        requestsPerSecond: Math.max(...ms.map((m) => m.requestsPerSecond)),
      };
    };

    console.log(`k6 bundles through the harness, node --jitless, ${process.arch}, best of ${ROUNDS} rounds; 2 shared cores, other jobs may load them`);
    console.log(`heap per VU over ${VUS_FOR_HEAP} contexts after init and one iteration; speed over at least ${MIN_ITERATIONS} iterations and ${MIN_SECONDS} s (after ${WARMUP} untimed) on ${SPEED_VUS} VUs, think times 0`);
    table('A. the scenario bundles as they run, against a minimal one-request script (target core answers)', a, minimal, best, new Set(bundles.map((s) => s.name)));
    table(`B. like for like: one session of open + close (${ITEMS} items), against the same requests hand-written (canned answers)`, b, hand, best, new Set([`lifecycle, ${ITEMS} items`]));
    const checked = best(b[1]!).iterationsPerSecond;
    const cartload = best(b[2]!).iterationsPerSecond;
    console.log(`   the lifecycle bundle is ${(cartload / checked).toFixed(2)}× the hand-written script with cartload's checks and metrics: the rest is the plan`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--child');
if (at !== -1) await child(JSON.parse(process.argv[at + 1]!) as Script);
else await main();
