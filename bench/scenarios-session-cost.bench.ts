// Scenarios: what cartload's session machinery costs, like for like. The lifecycle bundle runs one
// fixed session shape (open + close of 5 items, no think time) against a hand-written k6 script
// that sends the same two requests with constant bodies, the same tags and a status check; the
// difference is what cartload adds per session (the seeded plan, the four checks per step, the
// custom metrics). bench/scenarios-bundles.bench.ts compares the bundles with a one-request script.
// Real k6 cannot run here, so these are proxies, and the output says so: the harness (one node:vm
// context per VU, k6's modules as shims) under `node --jitless` (V8's interpreter, as k6's Sobek is
// an interpreter), with a canned target answer so that both scripts pay only for their own code.
//  1. sessions/s. Goal: ≥ 0.5× the hand-written script.
//  2. memory per VU context after init and one session. Goal: ≤ 1.2× the hand-written script.
// Figures are best-of-rounds with A/B alternating (2 shared, noisy cores).
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildScenarios } from '../bundle/index.ts';
import type { RunK6BundleOptions } from '../harness/index.ts';

const here = fileURLToPath(import.meta.url);
const root = join(here, '..', '..');
const ITEMS = 5;

/** The hand-written script: the same two requests per session, constant bodies, one check each. */
const HAND_WRITTEN = `
import http from 'k6/http';
import { check } from 'k6';

export const options = { vus: 1, iterations: 1 };

const headers = { Authorization: 'ApiKey-v1 ' + __ENV.TALON_API_KEY, 'Content-Type': 'application/json' };
const items = [];
for (let j = 0; j < ${ITEMS}; j++) items.push({ sku: 'SKU-' + j, name: 'Practical Steel Chair', price: 24.99, category: 'Home', quantity: 1 });

export default function () {
  const url = __ENV.TALON_BASE_URL + '/v2/customer_sessions/hand-' + __ITER + '-' + __VU;
  for (const [step, state] of [['open', 'open'], ['close', 'closed']]) {
    const body = JSON.stringify({ customerSession: { profileId: 'customer-1', cartItems: items, state }, responseContent: ['customerSession'] });
    const res = http.put(url, body, { headers, tags: { name: 'PUT /v2/customer_sessions/{id}', step, kind: 'checkout' } });
    check(res, { [step + ': status 200']: (r) => r.status === 200 });
  }
}
`;

/** The same, with cartload's checks and metrics per step: what is left between the two is the plan. */
const HAND_WRITTEN_CHECKED = `
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';

export const options = { vus: 1, iterations: 1 };

const stepDuration = new Trend('cartload_step_duration', true);
const completed = new Counter('cartload_lifecycles_completed');
const headers = { Authorization: 'ApiKey-v1 ' + __ENV.TALON_API_KEY, 'Content-Type': 'application/json' };
const items = [];
for (let j = 0; j < ${ITEMS}; j++) items.push({ sku: 'SKU-' + j, name: 'Practical Steel Chair', price: 24.99, category: 'Home', quantity: 1 });

export default function () {
  const url = __ENV.TALON_BASE_URL + '/v2/customer_sessions/hand-' + __ITER + '-' + __VU;
  for (const [step, state] of [['open', 'open'], ['close', 'closed']]) {
    const body = JSON.stringify({ customerSession: { profileId: 'customer-1', cartItems: items, state }, responseContent: ['customerSession'] });
    const tags = { step, kind: 'checkout' };
    const res = http.put(url, body, { headers, tags: { name: 'PUT /v2/customer_sessions/{id}', step, kind: 'checkout' } });
    stepDuration.add(res.timings.duration, { step, kind: 'checkout', name: 'PUT /v2/customer_sessions/{id}' });
    const answer = res.status === 200 ? JSON.parse(res.body) : undefined;
    check(res, {
      [step + ': status 200']: (r) => r.status === 200,
      [step + ': no 409']: (r) => r.status !== 409,
      [step + ': effects is an array']: () => Array.isArray(answer && answer.effects),
      [step + ': state as expected']: () => (answer && answer.customerSession && answer.customerSession.state) === state,
    }, tags);
  }
  completed.add(1, { kind: 'checkout' });
}
`;

/** A script that does nothing: what a VU context costs in the harness before any script code. */
const EMPTY = `export const options = { vus: 1, iterations: 1 };
export default function () {}
`;

const FIXED_PROFILE = {
  name: `fixed-${ITEMS}`,
  lifecycles: { browse: 0, checkout: 1, checkout_cancel: 0, cancel_before_checkout: 0, return: 0, reopen: 0, dry: 0 },
  cart: { items: { median: ITEMS, sigma: 0, min: ITEMS, max: ITEMS } },
  updates: { min: 0, max: 0 },
  getShare: 0,
};

/** The target's stand-in: a valid answer in the state the request asked for. */
function canned(req: { body: unknown }): { status: number; body: unknown } {
  const state = (req.body as { customerSession?: { state?: string } } | undefined)?.customerSession?.state ?? 'open';
  return { status: 200, body: { effects: [], createdCoupons: [], createdReferrals: [], customerSession: { state } } };
}

// ---- worker: runs under --jitless (and --expose-gc for memory) ------------------------------------

async function worker(mode: string, dir: string): Promise<void> {
  const { K6Test } = await import('../harness/index.ts');
  const options = (bundle: string, env: Record<string, string> = {}): RunK6BundleOptions => ({
    bundle: join(dir, bundle),
    env: { THINK_SCALE: '0', ...env },
    onRequest: canned,
    record: { requests: false, samples: false },
  });
  const hand = options('hand-written.js');
  const checked = options('hand-written-checked.js');
  const cartload = options('lifecycle.js', { PROFILE: './fixed.json' });

  if (mode === 'cpu') {
    const rate = async (o: RunK6BundleOptions, n: number): Promise<number> => {
      const t = new K6Test(o);
      await t.prepare();
      t.addVu();
      await t.setup();
      await t.iterate(Math.max(1, n >> 4), 600_000); // warm-up
      const started = performance.now();
      await t.iterate(n, 600_000);
      return n / ((performance.now() - started) / 1000);
    };
    let a = 0;
    let b = 0;
    let c = 0;
    // Many short rounds, alternating: the best of each is the one least disturbed by the neighbours.
    for (let round = 0; round < 8; round++) {
      a = Math.max(a, await rate(cartload, 300));
      b = Math.max(b, await rate(hand, 300));
      c = Math.max(c, await rate(checked, 300));
    }
    console.log(JSON.stringify({ cartload: a, hand: b, checked: c }));
    return;
  }

  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const held = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const contexts = 16;
  const perVu = async (o: RunK6BundleOptions, iterate: boolean): Promise<number> => {
    const t = new K6Test(o);
    await t.prepare();
    await t.setup();
    const before = held();
    for (let i = 0; i < contexts; i++) t.addVu();
    if (iterate) await t.iterate(contexts, 600_000); // one session each: per-VU planner tables and caches
    return (held() - before) / contexts;
  };
  const out = { cartload: Infinity, hand: Infinity, empty: Infinity, cartloadInit: Infinity };
  for (let round = 0; round < 2; round++) {
    out.cartload = Math.min(out.cartload, await perVu(cartload, true));
    out.hand = Math.min(out.hand, await perVu(hand, true));
    out.empty = Math.min(out.empty, await perVu(options('empty.js'), false));
    out.cartloadInit = Math.min(out.cartloadInit, await perVu(cartload, false));
  }
  console.log(JSON.stringify(out));
}

// ---- main ------------------------------------------------------------------------------------------

function child(flags: string[], args: string[]): Record<string, number> {
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', here, '--worker', ...args], { encoding: 'utf8', timeout: 900_000, cwd: root });
  if (r.status !== 0) throw new Error(`worker ${args[0]} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, number>;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cartload-bench-session-'));
  try {
    await writeFile(join(dir, 'hand-written.ts'), HAND_WRITTEN);
    await writeFile(join(dir, 'fixed.json'), JSON.stringify(FIXED_PROFILE));
    await writeFile(join(dir, 'empty.ts'), EMPTY);
    await writeFile(join(dir, 'hand-written-checked.ts'), HAND_WRITTEN_CHECKED);
    await buildScenarios({ outDir: dir, seed: 1, entries: [join(root, 'scenarios', 'lifecycle.ts')] });
    await buildScenarios({ outDir: dir, entries: [join(dir, 'hand-written.ts'), join(dir, 'hand-written-checked.ts'), join(dir, 'empty.ts')], writePools: false });
    console.log('Scenarios: one session of open + close (5 items), cartload lifecycle bundle vs the same requests hand-written');
    console.log('(proxies for k6: the k6 harness under node --jitless, one node:vm context per VU, canned target answers; 2 shared cores)');

    const cpu = child(['--jitless'], ['cpu', dir]) as { cartload: number; hand: number; checked: number };
    const speed = cpu.cartload / cpu.hand;
    console.log(`1. sessions/s: cartload ${cpu.cartload.toFixed(0)}, hand-written ${cpu.hand.toFixed(0)}: ratio ${speed.toFixed(2)}× (goal ≥ 0.5×: ${speed >= 0.5 ? 'meets' : 'MISSES'})`);
    console.log(
      `   hand-written with cartload's four checks per step and its metrics: ${cpu.checked.toFixed(0)} (${(cpu.checked / cpu.hand).toFixed(2)}× the hand-written); cartload is ${(cpu.cartload / cpu.checked).toFixed(2)}× of that (the rest is the plan)`,
    );

    const mem = child(['--jitless', '--expose-gc'], ['memory', dir]) as { cartload: number; hand: number; empty: number; cartloadInit: number };
    const ratio = mem.cartload / mem.hand;
    const kb = (v: number): string => `${(v / 1024).toFixed(0)} kB`;
    console.log(
      `2. memory per VU context after init and one session: cartload ${kb(mem.cartload)}, hand-written ${kb(mem.hand)}: ratio ${ratio.toFixed(2)}× (goal ≤ 1.2×: ${ratio <= 1.2 ? 'meets' : 'MISSES'})`,
    );
    console.log(`   of which: an empty script's context ${kb(mem.empty)}; cartload after init ${kb(mem.cartloadInit)}, then its first session ${kb(mem.cartload - mem.cartloadInit)} more`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--worker');
if (at !== -1) await worker(process.argv[at + 1] as string, process.argv[at + 2] as string);
else await main();
