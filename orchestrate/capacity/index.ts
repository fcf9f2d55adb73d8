// `cartload capacity` as a library function: finds the highest rate the target sustains within the
// SLO by a search of probes (search.ts), each probe a run of one engine at one rate: the Node
// engine in this process, or k6 (one k6 run per probe). Writes the run folder: capacity.json
// (rewritten after every probe, so an interrupted run keeps what it measured), capacity.txt, and
// probes/<probe>/ with each probe's own results.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../../bundle/index.ts';
import {
  CAPACITY_SCHEMA_VERSION,
  capacityReport,
  type CapacityFile,
  type CapacityProbe,
  type CapacitySearchOptions,
  type CapacitySlo,
  type StopReason,
} from '../../model/capacity.ts';
import { parseK6Duration } from '../../model/duration.ts';
import { CartloadError } from '../../model/errors.ts';
import { checkDirWritable, checkRunFolderFree } from '../../io/dirs.ts';
import { redact } from '../../model/summary.ts';
import { capacityCurve, renderCapacityText } from '../../report/capacity.ts';
import type { Results } from '../../report/data/format.ts';
import { readRun } from '../../report/read.ts';
import { writeRunFolder } from '../../report/write.ts';
import { K6_CAPACITY_NOTE } from '../../scenarios/lib/capacity.ts';
import { parseConfig, type ScenarioConfig } from '../../scenarios/lib/config.ts';
import { startTargetProcess, TargetProcessError, type TargetProcess } from '../target-process.ts';
import { makeRunId } from '../../engine/run-id.ts';
import type { TrafficProfile } from '../../generators/profiles.ts';
import { locateK6, type Env } from '../k6-binary.ts';
import { buildScenarioBundle } from '../run.ts';
import { k6Prober } from './k6-probe.ts';
import { capacityPlans, capacityProfile } from './plans.ts';
import { nodeProber } from './node-probe.ts';
import { DEFAULT_SEARCH, searchCapacity, searchOptionsError, type ProbeFn } from './search.ts';

export interface RunCapacityOptions {
  /** 'auto' (default): k6 when a binary is found, else the Node engine. */
  engine?: 'auto' | 'k6' | 'node';
  /** The scenarios' variables (TALON_BASE_URL, TALON_API_KEY, SEED, PROFILE, P95_MS, ...; K6_BIN, PATH). */
  env: Env;
  /** The search; unset fields take DEFAULT_SEARCH and a start of 5 sessions/s. */
  search?: Partial<CapacitySearchOptions>;
  /** Each probe: this long at its rate before the hold is measured, then the hold (k6 durations). */
  warmup?: string;
  hold?: string;
  /** SLO overrides (else P95_MS, P99_MS, ERROR_RATE, else the defaults). */
  slo?: Partial<CapacitySlo>;
  seed?: number;
  profile?: string;
  /** Think time scale (default 0: sessions send each step when the previous answered). */
  thinkScale?: number;
  maxThink?: number;
  /** Node engine: connections and the cap on requests in flight (default 1024). */
  connections?: number;
  /** k6: the most VUs (MAX_VUS; default the scenario's). */
  maxVUs?: number;
  /** After each probe's hold, how long its in-flight requests (Node) or sessions (k6) get to finish (default 5s). */
  drain?: string;
  /** Without TALON_BASE_URL: the local target this run starts, with a capacity knob. */
  localTarget?: { workers: number; serviceTime: string };
  /** The target's configured ceiling in req/s, printed beside the result (known for the local target). */
  knownCeiling?: number;
  resultsDir?: string;
  runId?: string;
  signal?: AbortSignal;
  hardSignal?: AbortSignal;
  say: (line: string) => void;
  k6Stdout?: (chunk: string) => void;
  k6Stderr?: (chunk: string) => void;
  rootDir?: string;
  distDir?: string;
}

export type RunCapacityResult =
  | { engine: 'k6' | 'node'; runId: string; dir: string; file: CapacityFile; text: string; interrupted: boolean }
  | { engine: 'none'; outcome: 'bad-input' | 'unavailable' | 'failed'; message: string; dir?: string };

export const CAPACITY_DEFAULTS = {
  start: 5,
  warmup: '5s',
  hold: '15s',
  drain: '5s',
  thinkScale: 0,
  connections: 1024,
} as const;

class ProbeStop extends Error {
  constructor(
    readonly outcome: 'unavailable' | 'bad-input' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

function durationOption(name: string, value: string): number | string {
  const d = parseK6Duration(value);
  if ('error' in d) return `--${name}: ${d.error}`;
  if (!(d.ms > 0)) return `--${name} must be above 0`;
  return d.ms;
}

/** A line per probe, as the search goes. */
function probeLine(p: CapacityProbe, slo: CapacitySlo): string {
  const v = capacityReport([p], slo).verdicts[0];
  const verdict = v?.ok ? 'ok' : `${v?.limit === 'generator' ? 'GENERATOR' : 'MISS'}: ${v?.reasons.join('; ')}`;
  return `probe ${p.n} (${p.phase}) ${p.rate} sessions/s: served ${p.achieved.requestsPerSec.toFixed(1)} of ${p.offered.requestsPerSec.toFixed(1)} req/s, p95 ${p.latency.p95.toFixed(1)} ms, failed ${p.requests ? ((100 * p.failed) / p.requests).toFixed(2) : '0'}% → ${verdict}`;
}

/**
 * The run folder's results.json and report.html: the results of the highest sustainable probe (or
 * the last one measured), with the capacity curve of every probe, so that the HTML report draws the
 * curve beside that probe's charts over time. Only when that probe's folder has a results.json (a
 * Node engine probe; a k6 probe keeps k6's summary files).
 */
export async function writeCurve(dir: string, file: CapacityFile, text: string): Promise<void> {
  const n = file.report.sustainable?.n ?? file.probes.at(-1)?.n;
  const probe = file.probes.find((p) => p.n === n);
  if (!probe?.dir) return;
  let results: Results;
  try {
    const view = await readRun(join(dir, probe.dir));
    if (!view.results) return;
    results = view.results;
  } catch {
    return;
  }
  const note = `a capacity search of ${file.probes.length} probes: the figures and charts over time are probe ${probe.n}'s (${probe.rate} sessions/s${file.report.sustainable?.n === probe.n ? ', the highest sustainable' : ''}); the capacity curve covers every probe (capacity.json)`;
  await writeRunFolder(
    dir,
    {
      ...results,
      run: { ...results.run, runId: file.runId },
      capacity: capacityCurve(file),
      notes: [note, ...results.notes],
    },
    text,
  );
}

export async function runCapacity(o: RunCapacityOptions): Promise<RunCapacityResult> {
  const bad = (message: string): RunCapacityResult => ({ engine: 'none', outcome: 'bad-input', message });
  const warmup = o.warmup ?? CAPACITY_DEFAULTS.warmup;
  const hold = o.hold ?? CAPACITY_DEFAULTS.hold;
  const drain = o.drain ?? CAPACITY_DEFAULTS.drain;
  const warmupMs = durationOption('warmup', warmup);
  const holdMs = durationOption('hold', hold);
  const drainMs = durationOption('drain', drain);
  for (const v of [warmupMs, holdMs, drainMs]) if (typeof v === 'string') return bad(v);
  const search: CapacitySearchOptions = {
    ...DEFAULT_SEARCH,
    start: CAPACITY_DEFAULTS.start,
    ...Object.fromEntries(Object.entries(o.search ?? {}).filter(([, v]) => v !== undefined)),
  };
  const invalid = searchOptionsError(search);
  if (invalid) return bad(invalid);
  if (o.connections !== undefined && !(Number.isInteger(o.connections) && o.connections >= 1))
    return bad('--connections must be a whole number of at least 1');

  const env: Env = { ...o.env };
  const set = (name: string, v: string | number | undefined): void => {
    if (v !== undefined) env[name] = String(v);
  };
  set('SEED', o.seed);
  set('PROFILE', o.profile);
  set('THINK_SCALE', o.thinkScale ?? (env.THINK_SCALE?.trim() ? undefined : CAPACITY_DEFAULTS.thinkScale));
  set('MAX_THINK', o.maxThink);
  set('P95_MS', o.slo?.p95Ms);
  set('P99_MS', o.slo?.p99Ms);
  set('ERROR_RATE', o.slo?.errorRate);
  set('MAX_VUS', o.maxVUs);
  let config: ScenarioConfig;
  let profile: TrafficProfile;
  try {
    // The search sets the rate: RATE_SCALE's arrival curve does not apply (a learned profile's other distributions do).
    config = parseConfig(env, 'capacity');
    profile = await capacityProfile(config);
  } catch (err) {
    if (err instanceof CartloadError) return bad(err.message);
    throw err;
  }
  const slo: CapacitySlo = { ...config.slo };

  const k6 = locateK6(o.env);
  let engine: 'k6' | 'node';
  if (o.engine === 'k6') {
    if (!k6.bin) return bad(`--engine k6: ${'reason' in k6 ? k6.reason : 'no k6'}`);
    engine = 'k6';
  } else engine = o.engine === 'node' || !k6.bin ? 'node' : 'k6';
  const runId = o.runId ?? makeRunId();
  const resultsDir = o.resultsDir ?? 'results';
  try {
    await checkDirWritable(resultsDir, '--results-dir');
    await checkRunFolderFree(resultsDir, runId);
  } catch (err) {
    if (err instanceof CartloadError) return bad(err.message);
    throw err;
  }
  // Said once everything is checked: a refused run prints its one reason only.
  o.say(
    `engine: ${engine}${engine === 'k6' ? ` (${k6.bin})` : o.engine === 'node' ? '' : ` (no k6 binary: ${'reason' in k6 ? k6.reason : ''})`}`,
  );
  const dir = resolve(resultsDir, runId);
  const probesDir = join(dir, 'probes');
  await mkdir(probesDir, { recursive: true });

  let local: TargetProcess | undefined;
  let knownCeiling = o.knownCeiling;
  const named = (o.env.TALON_BASE_URL ?? '').trim();
  if (named === '') {
    // In a process of its own: here it would share the generator's event loop and blur the
    // generator's health with the target's work.
    const knob = o.localTarget
      ? ['--workers', String(o.localTarget.workers), '--service-time', o.localTarget.serviceTime]
      : [];
    try {
      local = await startTargetProcess(knob, config.apiKey ? { apiKey: config.apiKey } : {});
    } catch (err) {
      if (err instanceof TargetProcessError) return bad(err.message);
      throw err;
    }
    if (o.localTarget && knownCeiling === undefined && /^\d+(\.\d+)?$/.test(o.localTarget.serviceTime.trim())) {
      knownCeiling = (o.localTarget.workers * 1000) / Number(o.localTarget.serviceTime);
    }
    o.say(
      `target: the local reference target at ${local.url}, in a process of its own${o.localTarget ? `, with ${o.localTarget.workers} workers × ${o.localTarget.serviceTime} ms` : ' (no capacity knob: its limit is this machine’s CPU, shared with the load generator)'}; set TALON_BASE_URL to aim elsewhere`,
    );
  } else o.say(`target: ${config.baseUrl}`);
  const target = local?.url ?? config.baseUrl;
  const apiKey = local?.apiKey ?? config.apiKey;
  o.say(
    `SLO: p95 < ${slo.p95Ms} ms, p99 < ${slo.p99Ms} ms, failed < ${+(100 * slo.errorRate).toFixed(4)}%; each probe ${warmup} warm-up + ${hold} hold; tolerance ${+(100 * search.tolerance).toFixed(2)}%`,
  );

  const startedAt = new Date();
  const options = redact({
    engine,
    seed: config.seed,
    profile: config.profile ?? 'default',
    thinkScale: config.thinkScale,
    maxThinkSeconds: config.maxThinkSeconds,
    warmup,
    hold,
    drain,
    ...(engine === 'node'
      ? { connections: o.connections ?? CAPACITY_DEFAULTS.connections }
      : { maxVUs: config.maxVUs }),
  });
  const fileOf = (probes: readonly CapacityProbe[], stoppedBy: StopReason): CapacityFile => ({
    tool: 'cartload',
    kind: 'capacity',
    schemaVersion: CAPACITY_SCHEMA_VERSION,
    engine,
    runId,
    target,
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    options,
    search,
    slo,
    ...(knownCeiling !== undefined ? { knownCeiling } : {}),
    probes: [...probes],
    stoppedBy,
    report: capacityReport(probes, slo, search.tolerance),
  });
  const save = async (file: CapacityFile): Promise<void> => {
    // Written whole then renamed: a reader (or an interrupt) never sees half a file.
    const tmp = join(dir, `.capacity.json.${process.pid}.tmp`);
    await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`);
    await rename(tmp, join(dir, 'capacity.json'));
  };

  try {
    let probe: ProbeFn;
    if (engine === 'node') {
      const plans = await capacityPlans(config, config.thinkScale ?? CAPACITY_DEFAULTS.thinkScale, profile);
      const run = nodeProber({
        target,
        apiKey,
        plan: plans.plan,
        warmupMs: warmupMs as number,
        holdMs: holdMs as number,
        connections: o.connections ?? CAPACITY_DEFAULTS.connections,
        drainMs: drainMs as number,
        probesDir,
        sloP95Ms: slo.p95Ms,
        options: { ...options, sessionPrefix: plans.sessionPrefix },
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.hardSignal ? { hardSignal: o.hardSignal } : {}),
      });
      probe = async (rate, phase, n) => {
        const r = await run(rate, phase, n, n === 1);
        if ('unavailable' in r) throw new ProbeStop('unavailable', r.unavailable);
        if ('badInput' in r) throw new ProbeStop('bad-input', r.badInput);
        return r.probe;
      };
    } else {
      // The plans k6 will make, counted here to know what each probe's hold offered.
      const plans = await capacityPlans(config, config.thinkScale ?? CAPACITY_DEFAULTS.thinkScale, profile);
      const steps: number[] = [];
      const planned = (i: number): number => (steps[i] ??= plans.plan(i, () => undefined).steps.length);
      const rootDir = o.rootDir ?? PROJECT_ROOT;
      const outDir = o.distDir ?? join(rootDir, 'dist');
      // A profile file travels with the bundle (profile.json beside it), as k6 opens files from there.
      const built = await buildScenarioBundle({ scenario: 'capacity', rootDir, outDir, seed: config.seed, env });
      const run = k6Prober({
        bin: k6.bin as string,
        bundle: built.file,
        env: { ...built.env, TALON_BASE_URL: target, TALON_API_KEY: apiKey },
        warmup,
        hold,
        gracefulStop: drain,
        probesDir,
        planned,
        cwd: process.cwd(),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.k6Stdout ? { onStdout: o.k6Stdout } : {}),
        ...(o.k6Stderr ? { onStderr: o.k6Stderr } : {}),
      });
      probe = async (rate, phase, n) => {
        const r = await run(rate, phase, n);
        if ('unavailable' in r) throw new ProbeStop('unavailable', r.unavailable);
        if ('failed' in r) throw new ProbeStop('failed', r.failed);
        return r.probe;
      };
    }
    let result: Awaited<ReturnType<typeof searchCapacity>>;
    let lastProbes: readonly CapacityProbe[] = [];
    try {
      result = await searchCapacity(search, slo, probe, {
        ...(o.signal ? { signal: o.signal } : {}),
        onProbe: async (p, probes) => {
          lastProbes = probes;
          o.say(probeLine(p, slo));
          await save(fileOf(probes, 'interrupted'));
        },
      });
    } catch (err) {
      if (!(err instanceof ProbeStop)) throw err;
      if (lastProbes.length > 0) await save(fileOf(lastProbes, 'interrupted'));
      return { engine: 'none', outcome: err.outcome, message: err.message, dir };
    }
    const file = fileOf(result.probes, result.stoppedBy);
    await save(file);
    const text = renderCapacityText({
      probes: file.probes,
      report: file.report,
      stoppedBy: file.stoppedBy,
      ...(knownCeiling !== undefined ? { knownCeiling } : {}),
      notes: engine === 'k6' ? [K6_CAPACITY_NOTE] : [],
    });
    await writeFile(join(dir, 'capacity.txt'), text);
    await writeCurve(dir, file, text);
    return { engine, runId, dir, file, text, interrupted: result.stoppedBy === 'interrupted' };
  } finally {
    await local?.stop();
  }
}
