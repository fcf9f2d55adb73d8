// The paced k6 stand-in: `k6 run <bundle>` for machines without k6, in real time against a real
// target. k6 cannot be installed here, and the plain harness runs iterations back to back with no
// clock, so it cannot measure a target's capacity. This stand-in runs the bundle's arrival-rate
// scenario as k6 schedules it (schedule.ts), each VU a worker thread running the harness's
// VirtualUser with requests sent over HTTP (bridge.ts) and sleep() slept, then hands every metric
// sample to the harness's K6Test, which evaluates the thresholds and calls handleSummary; its files
// are written and its stdout printed, as k6 does, and the exit code is k6's.
//
// It is a test double, not k6: one arrival-rate scenario, no abortOnFail, no --out, VUs capped at
// CARTLOAD_STANDIN_MAX_VUS (default 64; threads are dear) of which CARTLOAD_STANDIN_EAGER_VUS (16)
// start before the scenario and the other pre-allocated ones as the load needs them (an iteration
// then waits for one, where k6 would have it ready), and its clock is Node's. Tests run it as
// K6_BIN (see standInK6Bin) so that `cartload capacity --engine k6` goes through its whole k6 path.
//   node --import tsx test/harness/paced/k6-standin.ts run [--quiet] [-e NAME=value] dist/capacity.js
// (standInK6Bin writes a `k6` that runs it built, without the TypeScript loader: faster to start).
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { compileBundle } from '../compile.ts';
import { K6Test, K6_EXIT } from '../index.ts';
import { HttpBridge } from './bridge.ts';
import { arrivalPlan } from './schedule.ts';
import type { Delta, FromVu, ToVu, VuWorkerData } from './vu-worker.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Where the built stand-in lives: inside the project, so that esbuild resolves from its node_modules. */
const CACHE = HERE.endsWith(join('.cache', 'cartload'))
  ? HERE
  : join(HERE, '..', '..', '..', 'node_modules', '.cache', 'cartload');
const SOURCES = HERE.endsWith(join('.cache', 'cartload')) ? undefined : join(HERE, '..', '..', '..');

/**
 * The stand-in, its VU worker and the unpaced harness CLI (../k6-cli.ts) as plain modules, built
 * again only when a source is newer: a capacity search starts the stand-in once per probe, a worker
 * thread does not run the TypeScript loader the main thread was started with, and a process started
 * without that loader starts in a fraction of the time. esbuild stays external (it resolves from
 * the project's node_modules).
 */
async function buildStandIn(): Promise<{ main: string; worker: string; cli: string }> {
  const main = join(CACHE, 'k6-standin.mjs');
  const worker = join(CACHE, 'k6-standin-vu.mjs');
  const cli = join(CACHE, 'k6-harness-cli.mjs');
  if (!SOURCES) return { main, worker, cli };
  const built = Math.min(
    ...(await Promise.all(
      [main, worker, cli].map((f) =>
        stat(f).then(
          (st) => st.mtimeMs,
          () => 0,
        ),
      ),
    )),
  );
  let newest = 0;
  for (const dir of ['test/harness', 'model', 'emulator/core']) {
    for (const f of await readdir(join(SOURCES, dir), { recursive: true }))
      if (f.endsWith('.ts')) newest = Math.max(newest, (await stat(join(SOURCES, dir, f))).mtimeMs);
  }
  if (built > newest) return { main, worker, cli };
  // The harness finds its k6 shims beside compile.ts: keep that file's own URL in the bundle.
  const compileTs = join(SOURCES, 'test', 'harness', 'compile.ts');
  const keepUrl: Plugin = {
    name: 'keep-compile-url',
    setup(b) {
      b.onLoad({ filter: /[\\/]harness[\\/]compile\.ts$/ }, async (args) => ({
        contents: (await readFile(args.path, 'utf8')).replaceAll(
          'import.meta.url',
          JSON.stringify(pathToFileURL(compileTs).href),
        ),
        loader: 'ts',
      }));
    },
  };
  // Some bundled CommonJS (undici) calls require(): give the ES module one.
  const common: BuildOptions = {
    plugins: [keepUrl],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['esbuild'],
    logLevel: 'silent',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    write: false,
  };
  await mkdir(CACHE, { recursive: true });
  await Promise.all(
    [
      [join(HERE, 'k6-standin.ts'), main],
      [join(HERE, 'vu-worker.ts'), worker],
      [join(HERE, '..', 'k6-cli.ts'), cli],
    ].map(async ([entry, outfile]) => {
      const out = await build({ ...common, entryPoints: [entry as string], outfile });
      // Written aside, then renamed: test files running side by side may build at once, and a
      // process started meanwhile must never read a half-written file.
      const tmp = `${outfile}.${process.pid}.tmp`;
      await writeFile(tmp, out.outputFiles![0]!.contents);
      await rename(tmp, outfile as string);
    }),
  );
  return { main, worker, cli };
}

export interface K6BinOptions {
  /**
   * Runs of a few seconds (the tests'): V8's optimizing compiler off (node --no-opt). Every VU thread
   * optimizes the same hot functions again, and a run of seconds ends before that pays back: 15-20%
   * less CPU measured on the tests' runs. Long runs (the capacity bench) keep it.
   */
  short?: boolean;
}

/** Writes `dir/k6`, a shell script that runs the built module `script` with this Node; returns its path. */
async function k6Executable(dir: string, script: string, o: K6BinOptions): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'k6');
  await writeFile(file, `#!/bin/sh\nexec "${process.execPath}" ${o.short ? '--no-opt ' : ''}"${script}" "$@"\n`);
  await chmod(file, 0o755);
  return file;
}

/**
 * Writes an executable that runs the unpaced harness CLI (../k6-cli.ts: iterations back to back
 * against its in-process target) as `k6`, built, without the TypeScript loader; returns its path.
 */
export async function harnessK6Bin(dir: string, o: K6BinOptions = {}): Promise<string> {
  return k6Executable(dir, (await buildStandIn()).cli, o);
}

/** Writes an executable that runs the stand-in as `k6` (for K6_BIN); returns its path. */
export async function standInK6Bin(dir: string, o: K6BinOptions = {}): Promise<string> {
  return k6Executable(dir, (await buildStandIn()).main, o);
}

interface Vu {
  id: number;
  worker: Worker;
  /** The main thread's end of its HTTP bridge (closed at the end: an open port keeps the process alive). */
  port: MessagePort;
  ready: Promise<void>;
  busy: boolean;
  /** Resolves the message the VU answers next. */
  waiting?: (m: FromVu) => void;
}

function usage(message: string): number {
  process.stderr.write(`k6 stand-in: ${message}\nusage: k6 run [--quiet] [-e NAME=value]... <script.js>\n`);
  return 255;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] !== 'run') return usage(`only "run" is emulated, not ${JSON.stringify(argv[0] ?? '')}`);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  let bundle: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--quiet' || a === '-q') continue;
    if (a === '-e' || a === '--env') {
      const kv = argv[++i] ?? '';
      const eq = kv.indexOf('=');
      if (eq < 1) return usage(`${a} ${kv}: expected NAME=value`);
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a.startsWith('-')) return usage(`the flag ${a} is not emulated`);
    else bundle = resolve(a);
  }
  if (!bundle) return usage('name the script to run');
  const cap = Number(env.CARTLOAD_STANDIN_MAX_VUS ?? 64);

  const test = new K6Test({ bundle, env, record: { requests: false, samples: false }, callTimeoutMs: 0 });
  try {
    await test.prepare();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return /exit code 104/.test((err as Error).message) ? K6_EXIT.invalidConfig : K6_EXIT.scriptException;
  }
  const s = test.state;
  const scenarioOptions =
    ((s.options.scenarios ?? {}) as Record<string, Record<string, unknown>>)[s.scenario.name] ?? {};
  const plan = arrivalPlan(scenarioOptions);
  const maxVUs = Math.min(plan.maxVUs, cap);
  // The same compiled script K6Test.prepare() made (cached), for each VU thread to compile again.
  const [{ code, map }, { worker: workerFile }] = await Promise.all([compileBundle(bundle), buildStandIn()]);
  const sharedArrays = [...s.sharedArrays];
  const bridge = new HttpBridge();
  const vus: Vu[] = [];
  const free: Vu[] = [];
  let spawning = 0;
  /** Every VU thread started, ready or not. */
  const all: Vu[] = [];
  const stopAll = async (): Promise<void> => {
    await Promise.all(all.map((v) => v.worker.terminate().catch(() => undefined)));
    for (const v of all) v.port.close();
    await bridge.close();
  };
  const absorb = (d: Delta): void => {
    for (const m of d.samples) {
      s.metrics.add(m.metric, m.value, m.tags);
      if (m.metric === 'checks') {
        s.tree.check(m.tags.group ?? '', m.tags.check ?? '', m.value !== 0);
        s.countCheck(m.tags.check ?? '', m.value !== 0);
      }
    }
    s.errors.push(...d.errors);
    s.console.push(...d.console);
    for (const c of d.console)
      if (c.level === 'error' || c.level === 'warn') process.stderr.write(`${c.level}: ${c.message}\n`);
    s.iterationsCompleted += d.completed;
    s.iterationsInterrupted += d.interrupted;
  };

  const spawnVu = (id: number): Vu => {
    const channel = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    bridge.attach(channel.port1, new Int32Array(flag));
    const workerData: VuWorkerData = {
      vuId: id,
      bundle: bundle as string,
      code,
      map,
      env,
      options: s.options,
      scenario: s.scenario,
      sharedArrays,
      port: channel.port2,
      flag,
    };
    const worker = new Worker(workerFile, { workerData, transferList: [channel.port2], execArgv: [] });
    const vu: Vu = { id, worker, port: channel.port1, busy: false, ready: Promise.resolve() };
    all.push(vu);
    vu.ready = new Promise<void>((ok, fail) => {
      vu.waiting = (m) =>
        m.type === 'ready'
          ? ok()
          : fail(new Error(m.type === 'init-error' ? m.message : `VU ${id}: unexpected ${m.type}`));
    });
    worker.on('message', (m: FromVu) => {
      const w = vu.waiting;
      vu.waiting = undefined;
      w?.(m);
    });
    worker.on('error', (err) => {
      const w = vu.waiting;
      vu.waiting = undefined;
      w?.({ type: 'init-error', message: err.message });
    });
    return vu;
  };
  const ask = (vu: Vu, m: ToVu): Promise<FromVu> =>
    new Promise((ok) => {
      vu.waiting = ok;
      vu.worker.postMessage(m);
    });

  // VU 0 runs setup and teardown; VUs 1..n run iterations, as in k6. A VU is a thread here, dear
  // to start: a few of the pre-allocated VUs start at once, the others when the load needs them
  // (an iteration then waits for one rather than being dropped, as k6 would have it ready).
  const preAllocated = Math.min(plan.preAllocatedVUs, maxVUs);
  const eager = Math.min(preAllocated, Number(env.CARTLOAD_STANDIN_EAGER_VUS ?? 16));
  const vu0 = spawnVu(0);
  const initial = Array.from({ length: eager }, (_, i) => spawnVu(i + 1));
  try {
    await Promise.all([vu0.ready, ...initial.map((v) => v.ready)]);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    await stopAll();
    return K6_EXIT.scriptException;
  }
  vus.push(...initial);
  free.push(...initial);
  // The test run's duration, as k6 counts it: from setup, after the VUs' init.
  const started = performance.now();

  const setup = await ask(vu0, { type: 'setup' });
  if (setup.type !== 'setup-done') throw new Error(`VU 0: unexpected ${setup.type}`);
  absorb(setup);
  if (setup.error) {
    process.stderr.write(`setup() failed: ${setup.error}\n`);
    await stopAll();
    return K6_EXIT.scriptException;
  }
  const setupJson = setup.setupJson;

  // The scenario: iterations start on schedule on a free VU, or are dropped (k6's
  // dropped_iterations) while another VU is initialised in the background, up to maxVUs.
  const scenarioStart = performance.now();
  const scenarioStartEpoch = Date.now();
  const tags = { scenario: s.scenario.name };
  let index = 0;
  let warned = false;
  const running = new Set<Promise<void>>();
  const sampleVus = setInterval(() => {
    s.metrics.add('vus', vus.length - free.length, tags);
    s.metrics.add('vus_max', vus.length, tags);
  }, 1000);
  let late = 0;
  const freed: (() => void)[] = [];
  const release = (vu: Vu): void => {
    free.push(vu);
    freed.shift()?.();
  };
  const grow = (): void => {
    spawning++;
    const fresh = spawnVu(vus.length + spawning);
    void fresh.ready.then(
      () => {
        spawning--;
        vus.push(fresh);
        release(fresh);
      },
      (err: Error) => {
        spawning--;
        process.stderr.write(`ERRO a VU failed to start: ${err.message}\n`);
      },
    );
  };
  const starts = plan.starts();
  for (let next = starts.next(); !next.done; next = starts.next()) {
    const wait = scenarioStart + next.value - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    let vu = free.pop();
    if (!vu && vus.length + spawning < preAllocated) {
      if (spawning === 0) grow();
      await new Promise<void>((r) => freed.push(r));
      vu = free.pop();
      late++;
    }
    // Keep a spare of the pre-allocated VUs started, one thread start at a time.
    if (free.length < 2 && spawning === 0 && vus.length < preAllocated) grow();
    if (!vu) {
      s.metrics.add('dropped_iterations', 1, tags);
      if (vus.length + spawning < maxVUs) grow();
      else if (!warned) {
        warned = true;
        process.stderr.write(
          `WARN Insufficient VUs, reached ${vus.length} active VUs and cannot initialize more${maxVUs < plan.maxVUs ? ` (the stand-in caps VUs at ${cap}: CARTLOAD_STANDIN_MAX_VUS)` : ''}\n`,
        );
      }
      continue;
    }
    vu.busy = true;
    const i = index++;
    const p = ask(vu, { type: 'iterate', index: i, setupJson, scenarioStart: scenarioStartEpoch }).then((m) => {
      if (m.type === 'done') absorb(m);
      vu.busy = false;
      release(vu);
      running.delete(p);
    });
    running.add(p);
  }
  // As k6's arrival-rate executors, the scenario lasts its duration whenever its last iteration started.
  const rest = scenarioStart + plan.durationMs - performance.now();
  if (rest > 1) await new Promise((r) => setTimeout(r, rest));
  // gracefulStop: iterations still running get this long, then their VUs are stopped.
  let graceTimer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(running), new Promise((r) => (graceTimer = setTimeout(r, plan.gracefulStopMs)))]);
  clearTimeout(graceTimer);
  clearInterval(sampleVus);
  s.metrics.add('vus', vus.length - free.length, tags);
  s.metrics.add('vus_max', vus.length, tags);
  const cut = vus.filter((v) => v.busy);
  s.iterationsInterrupted += cut.length;
  await Promise.all(cut.map((v) => v.worker.terminate()));

  const teardown = await ask(vu0, { type: 'teardown', setupJson });
  let teardownError: string | undefined;
  if (teardown.type === 'teardown-done') {
    absorb(teardown);
    teardownError = teardown.error;
  }
  const durationMs = performance.now() - started;
  if (late > 0)
    process.stderr.write(
      `k6 stand-in: ${late} iterations waited for a VU thread to start (k6 would have had it ready)\n`,
    );
  await stopAll();

  const result = await test.finish({ timedOut: false, teardownError, durationMs });
  for (const [name, content] of Object.entries(result.summary)) {
    if (name === 'stdout') process.stdout.write(content);
    else if (name === 'stderr') process.stderr.write(content);
    else {
      try {
        await writeFile(resolve(name), content);
      } catch (err) {
        process.stderr.write(`ERRO could not write ${name}: ${(err as Error).message}\n`);
      }
    }
  }
  if (result.summaryError) process.stderr.write(`handleSummary() failed: ${result.summaryError}\n`);
  return result.exitCode;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
