// What a k6 VU of each scenario bundle costs, measured through the k6 harness (k6 cannot run here)
// against the baselines that real k6 v2.2 was measured with, in the same run:
//   - memory: what a VU holds after its init and after its first session, counted as k6's engine
//     (Sobek, in Go) pays for it: objects, closures, properties and array elements, each a Go
//     allocation there (strings and typed arrays are compact). V8's bytes are shown too, but V8
//     stores objects very differently; the counts are what moves k6's memory. Baseline: a minimal
//     script (one fixed-body PUT with a check).
//   - CPU per request: process CPU (user + sys) per request under `node --jitless` (Sobek is an
//     interpreter too), against a fixed-body script doing open → update → close with two checks per
//     request. Answers are canned echoes of the request's session (the size of the target's), so
//     that each script pays for its own code and the harness's stand-in for k6's Go side only.
// Real k6 v2.2 on 2 cores (the baseline to beat), per added VU: minimal script 0.18 MB; lifecycle
// 0.54 MB idle, 1.29 MB after sessions ran; CPU per request: lifecycle 621–660 µs against 198–228 µs
// for the fixed-body script (2.9–3.1×). Goals: ≤ 0.35 MB per active VU, ≤ 1.6× CPU per request.
//   npm run bench -- scenarios-bundles                          the current scenarios
//   node --import tsx bench/scenarios-bundles.bench.ts --bundles <dir>   bundles built elsewhere
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { InjectedAnswer, K6Test, RunK6BundleOptions, SentRequest } from '../test/harness/index.ts';
import type { Allocations } from '../test/harness/allocations.ts';

const HERE = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(HERE), '..');
/** VUs added between heap snapshots. */
const VUS_FOR_MEMORY = 8;
const SPEED_VUS = 4;
/** Untimed first iterations: every function has run once (V8 compiles bytecode on the first call). */
const WARMUP = 40;
const MIN_REQUESTS = 1500;
const MIN_CPU_SECONDS = 1;
const CHUNK = 50;
const ROUNDS = 3;
const CHILD_TIMEOUT_MS = 900_000;
/** Sessions sampled for what a VU holds in the middle of one. */
const SESSIONS_SAMPLED = 3;

/** Real k6 v2.2, 2 cores, peak RSS per added VU (/usr/bin/time -v), and CPU per request. */
const K6 = {
  minimalMb: 0.18,
  lifecycleIdleMb: 0.54,
  lifecycleActiveMb: 1.29,
  fixedUs: [198, 228],
  lifecycleUs: [621, 660],
  goalMb: 0.35,
  goalCpu: 1.6,
};

const AUTH = `const params = { headers: { 'Content-Type': 'application/json', Authorization: 'ApiKey-v1 ' + __ENV.TALON_API_KEY }, tags: { name: 'PUT /v2/customer_sessions/{id}' } };`;

/** The minimal script real k6 was measured with: one fixed-body PUT with a check per iteration. */
const MINIMAL = `import http from 'k6/http';
import { check } from 'k6';
const body = JSON.stringify({ customerSession: { profileId: 'customer-1', cartItems: [{ sku: 'SKU-1', name: 'Practical Steel Chair', price: 24.99, category: 'Home', quantity: 1 }] }, responseContent: ['customerSession'] });
${AUTH}
export default function () {
  const res = http.put(__ENV.TALON_BASE_URL + '/v2/customer_sessions/minimal-' + __VU + '-' + __ITER, body, params);
  check(res, { 'status 200': (r) => r.status === 200 });
}
`;

/** The CPU baseline real k6 was measured with: open → update → close with fixed bodies, two checks per request. */
const FIXED = `import http from 'k6/http';
import { check } from 'k6';
const items = [];
for (let j = 0; j < 5; j++) items.push({ sku: 'SKU-' + j, name: 'Practical Steel Chair', price: 24.99, category: 'Home', quantity: 1, weight: 1.2, height: 10, width: 20, length: 30 });
const body = (cartItems, state) => JSON.stringify({ customerSession: state ? { profileId: 'customer-1', cartItems, state } : { profileId: 'customer-1', cartItems }, responseContent: ['customerSession'] });
const steps = [body(items.slice(0, 3)), body(items), body(items, 'closed')];
${AUTH}
export default function () {
  const url = __ENV.TALON_BASE_URL + '/v2/customer_sessions/fixed-' + __VU + '-' + __ITER;
  for (let i = 0; i < steps.length; i++) {
    const res = http.put(url, steps[i], params);
    check(res, { 'status 200': (r) => r.status === 200, 'no 409': (r) => r.status !== 409 });
  }
}
`;

/** Nothing at all: what a VU context costs the harness before any script code. */
const EMPTY = `export default function () {}
`;

interface Script {
  name: string;
  file: string;
  env?: Record<string, string>;
  bytes?: number;
  /** Count the allocations too (they repeat exactly: one round is enough). */
  memory?: boolean;
  /** Measure CPU per request (not for a script that sends none). Default true. */
  cpu?: boolean;
}

interface Measured {
  memory?: { init: Allocations; first: Allocations; inSession?: Allocations };
  cpuUsPerRequest?: number;
  /**
   * The CPU per request by where it went, in the shares of a CPU profile of one more run: the
   * script's own code, the harness's stand-ins for k6's modules, the rest of the harness, GC.
   */
  profile?: { script: number; standIns: number; harness: number; gc: number };
}

/** Where a CPU profile's samples went, in µs per request. */
async function profileRun(
  test: K6Test,
  file: string,
  requests: () => number,
  cpuUsPerRequest: number,
): Promise<NonNullable<Measured['profile']>> {
  const { Session } = await import('node:inspector/promises');
  const { compileBundle } = await import('../test/harness/compile.ts');
  const compiled = await compileBundle(file);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  const first = requests();
  await session.post('Profiler.start');
  while (requests() - first < MIN_REQUESTS) await test.iterate(CHUNK, CHILD_TIMEOUT_MS);
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  // V8 names the script by a file:// URL (spaces escaped, brackets not): compared decoded.
  const ours = (url: string): boolean =>
    url.startsWith('file://') && decodeURIComponent(url.slice(7)) === compiled.scriptName;
  const where = new Map<number, keyof NonNullable<Measured['profile']> | undefined>();
  for (const node of profile.nodes) {
    const f = node.callFrame;
    let kind: keyof NonNullable<Measured['profile']> | undefined = 'harness';
    if (f.functionName === '(garbage collector)') kind = 'gc';
    else if (f.functionName === '(idle)' || f.functionName === '(program)' || f.functionName === '(root)')
      kind = undefined;
    else if (ours(f.url))
      kind = /test\/harness\/shim\//.test(compiled.sourceAt(f.lineNumber, f.columnNumber) ?? '')
        ? 'standIns'
        : 'script';
    where.set(node.id, kind);
  }
  const us = { script: 0, standIns: 0, harness: 0, gc: 0 };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const kind = where.get(samples[i]!);
    if (kind) us[kind] += deltas[i] ?? 0;
  }
  // Shares of the profiled time (wall time between samples, inflated when other jobs share the
  // cores), applied to the CPU per request measured without the profiler.
  const total = us.script + us.standIns + us.harness + us.gc;
  return {
    script: (us.script / total) * cpuUsPerRequest,
    standIns: (us.standIns / total) * cpuUsPerRequest,
    harness: (us.harness / total) * cpuUsPerRequest,
    gc: (us.gc / total) * cpuUsPerRequest,
  };
}

/**
 * The target's stand-in: 200 with the session the request sent (state as the plan expects it),
 * as large as the local target's answer. Remembers each session's last state for GET and returns.
 */
function cannedTarget(): { answer: (req: SentRequest) => InjectedAnswer; forget: () => void; requests: () => number } {
  const states = new Map<string, string>();
  const sessions = new Map<string, Record<string, unknown>>();
  let count = 0;
  return {
    requests: () => count,
    forget: () => {
      states.clear();
      sessions.clear();
    },
    answer(req) {
      count++;
      const id = decodeURIComponent(req.path.split('/')[3] ?? '');
      const body = req.body as { customerSession?: Record<string, unknown> } | undefined;
      let state = states.get(id) ?? 'open';
      if (req.path.endsWith('/returns')) state = 'partially_returned';
      else if (req.path.endsWith('/reopen')) state = 'open';
      else if (req.method === 'PUT')
        state = (body?.customerSession?.state as string | undefined) ?? (state === 'closed' ? 'closed' : 'open');
      const dry = req.query.dry === 'true';
      const cs = {
        ...(body?.customerSession ?? sessions.get(id) ?? {}),
        integrationId: id,
        state,
        id: 1,
        applicationId: 1,
        created: '2026-01-01T00:00:00Z',
        updated: '2026-01-01T00:00:00Z',
        total: 42.5,
        cartItemTotal: 37.5,
        additionalCostTotal: 5,
        firstSession: false,
      };
      if (!dry) {
        states.set(id, state);
        if (body?.customerSession) sessions.set(id, body.customerSession);
      }
      return { status: 200, body: { customerSession: cs, effects: [], createdCoupons: [], createdReferrals: [] } };
    },
  };
}

// ---- child: one script, under --jitless --expose-gc --------------------------------------------

async function child(script: Script): Promise<void> {
  const { K6Test } = await import('../test/harness/index.ts');
  const { measureVuAllocations } = await import('../test/harness/allocations.ts');
  const base: RunK6BundleOptions = {
    bundle: script.file,
    env: { THINK_SCALE: '0', SESSION_PREFIX: 'bench', ...script.env },
    // No per-call time limit: its watchdog per call would be most of the minimal script's cost.
    callTimeoutMs: 0,
    record: { requests: false, samples: false, metrics: false },
  };

  const memTarget = cannedTarget();
  const memory = script.memory
    ? await measureVuAllocations(
        { ...base, onRequest: memTarget.answer },
        {
          vus: VUS_FOR_MEMORY,
          warmIterations: 1,
          sessions: script.cpu === false ? 0 : SESSIONS_SAMPLED,
          beforeSnapshot: memTarget.forget,
        },
      )
    : undefined;
  const mem = memory
    ? {
        memory: {
          init: memory.init,
          first: memory.first,
          ...(memory.inSession ? { inSession: memory.inSession } : {}),
        },
      }
    : {};
  if (script.cpu === false) {
    process.stdout.write(`${JSON.stringify(mem)}\n`);
    return;
  }
  const target = cannedTarget();
  const test = new K6Test({ ...base, onRequest: target.answer });
  await test.prepare();
  for (let i = 0; i < SPEED_VUS; i++) test.addVu();
  await test.setup();
  await test.iterate(WARMUP, CHILD_TIMEOUT_MS);
  const firstRequest = target.requests();
  const started = process.cpuUsage();
  let cpu = 0;
  while (target.requests() - firstRequest < MIN_REQUESTS || cpu < MIN_CPU_SECONDS * 1e6) {
    await test.iterate(CHUNK, CHILD_TIMEOUT_MS);
    const used = process.cpuUsage(started);
    cpu = used.user + used.system;
  }
  if (test.state.errors.length > 0)
    throw new Error(`${script.name}: an iteration failed: ${test.state.errors[0]!.message}`);
  if (test.state.failedChecks.length > 0)
    throw new Error(
      `${script.name}: check ${test.state.failedChecks[0]!.name} failed: the figures would not be of whole sessions`,
    );
  const cpuUsPerRequest = cpu / (target.requests() - firstRequest);
  const out: Measured = {
    ...mem,
    cpuUsPerRequest,
    ...(script.memory ? { profile: await profileRun(test, script.file, target.requests, cpuUsPerRequest) } : {}),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function measure(script: Script): Measured {
  const r = spawnSync(
    process.execPath,
    ['--jitless', '--expose-gc', '--import', 'tsx', HERE, '--child', JSON.stringify(script)],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  if (r.status !== 0) throw new Error(`child for ${script.name} failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measured;
}

// ---- main ------------------------------------------------------------------------------------------

function bundlesIn(dir: string): { name: string; file: string; bytes: number }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.js') && !f.endsWith('.harness.js'))
    .sort()
    .map((f) => ({ name: f.slice(0, -3), file: join(dir, f), bytes: statSync(join(dir, f)).size }));
}

const objectsOf = (a: Allocations): number => a.objects + a.closures;
const f0 = (v: number): string => v.toFixed(0);
const pad = (s: string, n: number): string => s.padStart(n);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cartload-bench-bundles-'));
  try {
    const { buildScenarios } = await import('../bundle/index.ts');
    const dist = join(dir, 'dist');
    // --bundles <dir>: measure bundles built elsewhere (an earlier commit's dist/, for before and after).
    const at = process.argv.indexOf('--bundles');
    const report =
      at === -1
        ? await buildScenarios({ outDir: dist, seed: 1 })
        : { bundles: bundlesIn(resolve(process.argv[at + 1] ?? '')) };
    // Bundled as k6 would take them (ESM, k6 modules external); not through `cartload build`,
    // whose checks demand what a cartload scenario must have.
    for (const [name, text] of Object.entries({ minimal: MINIMAL, fixed: FIXED, empty: EMPTY })) {
      await build({
        stdin: { contents: text, loader: 'js' },
        outfile: join(dist, `${name}.js`),
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        external: ['k6', 'k6/*'],
        logLevel: 'silent',
      });
    }
    const file = (name: string): string => join(dist, `${name}.js`);
    const empty: Script = { name: 'empty script', file: file('empty'), cpu: false };
    const minimal: Script = { name: 'minimal (1 PUT, 1 check)', file: file('minimal') };
    const fixed: Script = { name: 'fixed-body session', file: file('fixed') };
    const bundles: Script[] = report.bundles.map((b) => ({ name: b.name, file: b.file, bytes: b.bytes }));
    const scripts = [empty, minimal, fixed, ...bundles];
    const samples = new Map<Script, Measured[]>(scripts.map((s) => [s, []]));
    for (let round = 0; round < ROUNDS; round++)
      for (const s of scripts)
        if (round === 0 || s.cpu !== false) samples.get(s)!.push(measure({ ...s, memory: round === 0 }));
    // Counts repeat exactly; CPU is the least disturbed round (2 shared cores).
    const best = (s: Script): Measured & { cpuUsPerRequest: number } => {
      const ms = samples.get(s)!;
      return { ...ms[0]!, cpuUsPerRequest: Math.min(...ms.map((m) => m.cpuUsPerRequest ?? Infinity)) };
    };

    console.log(
      `k6 bundles through the harness, node --jitless, ${process.arch}; 2 shared cores, other jobs may load them`,
    );
    console.log(
      `\nMemory per VU (V8 heap snapshots, counted as k6's engine pays: each object, closure, property and element an allocation):`,
    );
    console.log(
      `init = what ${VUS_FOR_MEMORY} more VUs hold after their init, per VU (an idle VU); +session = after each ran one session;`,
    );
    console.log(
      `in session = held beyond that in the middle of a session (mean of ${SESSIONS_SAMPLED}, in a think time); own = objects + closures above the minimal script`,
    );
    console.log(
      'script                    |      init: obj   clo  prop  elem  V8kB |  +session: obj   clo  prop  elem  V8kB | in session: obj  prop | own: init  +session',
    );
    const min = best(minimal).memory!;
    const row = (a: Allocations): string =>
      [
        pad(f0(a.objects), 5),
        pad(f0(a.closures), 5),
        pad(f0(a.properties), 5),
        pad(f0(a.elements), 5),
        pad((a.v8Bytes / 1024).toFixed(1), 5),
      ].join(' ');
    for (const s of scripts) {
      const m = best(s).memory!;
      const held = m.inSession
        ? `${pad(f0(m.inSession.objects), 5)} ${pad(f0(m.inSession.properties), 5)}`
        : pad('-', 11);
      console.log(
        `${s.name.padEnd(25)} | ${' '.repeat(10)}${row(m.init)} | ${' '.repeat(10)}${row(m.first)} | ${' '.repeat(5)}${held} | ${pad(f0(objectsOf(m.init) - objectsOf(min.init)), 9)} ${pad(f0(objectsOf(m.first) - objectsOf(min.first)), 9)}`,
      );
    }
    console.log(
      `real k6 before, per added VU: minimal script ${K6.minimalMb} MB; lifecycle ${K6.lifecycleIdleMb} MB idle, ${K6.lifecycleActiveMb} MB active (goal ≤ ${K6.goalMb} MB active)`,
    );

    console.log(
      `\nCPU per request (${SPEED_VUS} VUs, think times 0, at least ${MIN_REQUESTS} requests after ${WARMUP} untimed iterations):`,
    );
    console.log(
      `process = user+sys of the whole harness process, best of ${ROUNDS}; script = the script's own code, from a CPU profile of one more run (the rest: the`,
    );
    console.log(
      `harness's stand-ins for k6's modules, its own bookkeeping, GC); × fixed = against the fixed-body session script`,
    );
    console.log(
      'script                    | process µs/req  × fixed | script µs/req  × fixed | stand-ins  harness     GC',
    );
    const f = best(fixed);
    for (const s of scripts.filter((x) => x.cpu !== false)) {
      const m = best(s);
      const p = m.profile!;
      console.log(
        `${s.name.padEnd(25)} | ${pad(m.cpuUsPerRequest.toFixed(0), 14)} ${pad(`${(m.cpuUsPerRequest / f.cpuUsPerRequest).toFixed(2)}×`, 8)} | ${pad(p.script.toFixed(0), 13)} ${pad(`${(p.script / f.profile!.script).toFixed(1)}×`, 6)} | ${pad(p.standIns.toFixed(0), 9)} ${pad(p.harness.toFixed(0), 8)} ${pad(p.gc.toFixed(0), 6)}`,
      );
    }
    console.log(
      `real k6 before: lifecycle ${K6.lifecycleUs.join('–')} µs against ${K6.fixedUs.join('–')} µs for the fixed-body script (2.9–3.1×); goal ≤ ${K6.goalCpu}×`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = process.argv.indexOf('--child');
if (at !== -1) await child(JSON.parse(process.argv[at + 1]!) as Script);
else await main();
