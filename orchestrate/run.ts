// `cartload run [scenario]` as a library function: the main job on an embedded default. Starts the
// local target unless TALON_BASE_URL names one, then runs the scenario with real k6 when a binary
// is found (K6_BIN or PATH), otherwise with the Node engine over the same generated plans, at the
// scenario's rate for its duration. Both engines read the same variables (scenarios/lib/config.ts)
// with the same validation, so a CI job behaves the same with or without k6.
import { isAbsolute, join, resolve } from 'node:path';
import { buildScenarios, PROJECT_ROOT } from '../bundle/index.ts';
import { access, stat } from 'node:fs/promises';
import { checkDirWritable, checkRunFolderFree, makeDirs } from '../io/dirs.ts';
import { durationMs as durationMsOf } from '../model/duration.ts';
import { CartloadError } from '../model/errors.ts';
import { locateK6, runK6 } from './k6-binary.ts';
import { createPlanner, type Planner } from '../generators/planner.ts';
import { loadProfile } from '../generators/profile-file.ts';
import { PRESETS, type TrafficProfile } from '../generators/profiles.ts';
import { editProfile } from '../generators/profile-edit.ts';
import { POOLS_FILE } from '../bundle/pools.ts';
import { PROFILE_FILE } from '../bundle/profile.ts';
import { resolvePools } from '../generators/run.ts';
import { DEFAULT_CONNECTIONS, DEFAULT_SESSION_PREFIX } from '../model/conventions.ts';
import type { ResultsConsumer } from '../model/results-events.ts';
import { LIFECYCLE_KINDS, type GeneratedKind, type SessionPlan } from '../model/plan.ts';
import type { RunSummary } from '../model/summary.ts';
import { ConfigError, parseConfig, type ScenarioConfig, type Stage } from '../scenarios/lib/config.ts';
import { PRESET_SHAPES, stageStarts } from '../scenarios/lib/load.ts';
import { applyRateScale, type RateScaled } from '../scenarios/lib/rate-scale.ts';
import { toDryPlan } from '../scenarios/lib/dry.ts';
import { startTarget, type RunningTarget } from '../emulator/server/index.ts';
import {
  runEngine,
  validateEngineOptions,
  type EngineOptions,
  type EngineResult,
  type PlansInput,
  type ProgressSink,
} from '../engine/index.ts';
import { makeRunId, shortRandom } from '../engine/run-id.ts';
import { SCENARIO_DEFAULTS, type ScenarioDefaults } from '../scenarios/lib/defaults.ts';
import { convertK6Run } from '../report/runs.ts';
import { K6_METRICS_FILE } from '../report/k6/metrics-file.ts';
import { scenarioEnv } from './scenario-env.ts';

export { K6_METRICS_FILE };

type Env = Record<string, string | undefined>;

/** How the Node engine runs each scenario: the k6 entry points' own defaults (capacity needs k6). */
export const NODE_SCENARIOS: Readonly<Record<string, ScenarioDefaults>> = SCENARIO_DEFAULTS;

export interface RunScenarioOptions {
  /** A scenario in scenarios/ (default lifecycle). */
  scenario?: string;
  /** 'auto' (default): k6 when a binary is found, else the Node engine. */
  engine?: 'auto' | 'k6' | 'node';
  /** The environment both engines read (TALON_BASE_URL, TALON_API_KEY, SEED, PROFILE, RATE, DURATION, ...; K6_BIN, PATH). */
  env: Env;
  /** Overrides over env, as the CLI options give them (already checked by the CLI, which names the flags). */
  target?: string;
  rate?: number;
  duration?: string;
  seed?: number;
  profile?: string;
  thinkScale?: number;
  maxThink?: number;
  dry?: boolean;
  /** What-if edits of the profile, `key=value` (PROFILE_SET). */
  set?: readonly string[];
  /** Follow the profile's learned arrival curve at this multiple (RATE_SCALE). */
  rateScale?: number;
  /** Play the curve this many times faster (CURVE_SPEED). */
  curveSpeed?: number;
  /** Where in the day the curve starts, HH:MM UTC (DAY_START). */
  dayStart?: string;
  /** A load preset (LOAD): load, stress, spike, soak. */
  load?: string;
  sessionPrefix?: string;
  /** The gate: largest share of failed requests, and per-step p95 / p99 in ms (ERROR_RATE, P95_MS, P99_MS). */
  maxErrorRate?: number;
  p95Ms?: number;
  p99Ms?: number;
  /** Node engine: connections and the cap on requests in flight (default DEFAULT_CONNECTIONS). */
  connections?: number;
  resultsDir?: string;
  runId?: string;
  signal?: AbortSignal;
  hardSignal?: AbortSignal;
  progress?: ProgressSink;
  /** Node engine: more consumers of the results stream (model/results-events.ts). */
  consumers?: ResultsConsumer[];
  /** Lines for the user (which engine, which target, why). */
  say: (line: string) => void;
  /** Where k6's own output goes (the CLI passes its stdout and stderr through). */
  k6Stdout?: (chunk: string) => void;
  k6Stderr?: (chunk: string) => void;
  /** Project root holding scenarios/ (default this project). */
  rootDir?: string;
  /** Where the k6 bundles are built (default <rootDir>/dist). */
  distDir?: string;
}

export type RunScenarioResult =
  | {
      engine: 'k6';
      why: string;
      target: string;
      runId: string;
      dir: string;
      exitCode: number;
      interrupted: boolean;
      results?: RunSummary;
      conversionError?: string;
    }
  | { engine: 'node'; why: string; target: string; runId: string; result: EngineResult };

/** What cannot run as asked (a scenario the engine lacks, a k6 load shape for the Node engine, no k6): exit 2. */
export class RunOptionsError extends CartloadError {
  constructor(message: string) {
    super(message, { code: 'E_RUN_OPTIONS' });
    this.name = 'RunOptionsError';
  }
}

/** The variables a RATE_SCALE shape reads, and the flags (and options) that set them. */
const SHAPE_FLAGS: Record<string, [string, keyof RunScenarioOptions]> = {
  RATE_SCALE: ['rate-scale', 'rateScale'],
  CURVE_SPEED: ['curve-speed', 'curveSpeed'],
  DAY_START: ['day-start', 'dayStart'],
  DURATION: ['duration', 'duration'],
  LOAD: ['load', 'load'],
  RATE: ['rate', 'rate'],
};

/** A run checked and resolved, nothing started: what prepareRun() returns and startRun() runs. */
export interface PreparedRun {
  scenario: string;
  engine: 'k6' | 'node';
  why: string;
  config: ScenarioConfig;
  env: Env;
  runId: string;
  resultsDir: string;
  /** The deployment TALON_BASE_URL (or --target) names; undefined: a local target is started for the run. */
  named: string | undefined;
  /** Every write is sent with dry=true (DRY, --dry, or a scenario that is always dry). */
  dry: boolean;
  k6Bin?: string;
  node?: NodePlan;
  /** The profile after PROFILE_SET and RATE_SCALE, and what a RATE_SCALE run follows (for the user). */
  profile: TrafficProfile;
  shapeNote?: string;
}

interface NodePlan {
  def: ScenarioDefaults;
  smoke: boolean;
  rate: number;
  duration: string;
  thinkScale: number;
  maxThinkMs: number;
  dry: boolean;
  sessionPrefix: string;
  profile: TrafficProfile;
  planners: Planner[];
  /** STAGES, a LOAD preset or RATE_SCALE: when each session starts, instead of a constant rate. */
  stages?: Stage[];
  schedule?: { startMs: (index: number) => number; durationMs: number; peak: number };
}

/** Rescales a plan's think times the way the k6 session runner sleeps: min(gap × scale, max). */
export function scaleThinkTimes(plan: SessionPlan, scale: number, maxThinkMs: number): SessionPlan {
  let prev = 0;
  let at = 0;
  return {
    ...plan,
    steps: plan.steps.map((s, i) => {
      const recorded = s.at ?? prev;
      if (i > 0) at += Math.min(Math.max(0, recorded - prev) * scale, maxThinkMs);
      prev = recorded;
      return { ...s, at };
    }),
  };
}

function oneKind(kind: GeneratedKind): Record<GeneratedKind, number> {
  const weights = {} as Record<GeneratedKind, number>;
  for (const k of LIFECYCLE_KINDS) weights[k] = k === kind ? 1 : 0;
  return weights;
}

/**
 * Checks and resolves everything a run needs, starting nothing: the variables, the engine, the
 * scenario, the profile and pools, the results folder. Throws a CartloadError (exit 2) naming the
 * problem, so that a bad input never leaves a results folder or sends a request.
 */
export async function prepareRun(o: RunScenarioOptions): Promise<PreparedRun> {
  const scenario = o.scenario ?? 'lifecycle';
  const resultsDir = o.resultsDir ?? 'results';
  const runId = o.runId ?? makeRunId();
  const env = scenarioEnv(o, runId, resultsDir);
  const config = parseConfig(env);

  const k6 = locateK6(o.env);
  const k6Missing = 'reason' in k6 ? k6.reason : '';
  let engine: 'k6' | 'node';
  let why: string;
  if (o.engine === 'k6') {
    if (!k6.bin) throw new RunOptionsError(`--engine k6: ${k6Missing}`);
    engine = 'k6';
    why = `--engine k6 (${k6.bin})`;
  } else if (o.engine === 'node' || !k6.bin) {
    engine = 'node';
    why = o.engine === 'node' ? '--engine node' : `no k6 binary (${k6Missing}); the Node engine runs the same plans`;
  } else {
    engine = 'k6';
    why = `k6 found at ${k6.bin}`;
  }
  const rootDir = o.rootDir ?? PROJECT_ROOT;
  if (engine === 'k6') {
    try {
      await access(join(rootDir, 'scenarios', `${scenario}.ts`));
    } catch {
      throw new RunOptionsError(
        `scenario "${scenario}": no scenarios/${scenario}.ts (scenarios: ${[...Object.keys(NODE_SCENARIOS), 'capacity'].join(', ')})`,
      );
    }
  }
  const def = NODE_SCENARIOS[scenario];
  if (engine === 'node' && !def) {
    const known = Object.keys(NODE_SCENARIOS).join(', ');
    throw new RunOptionsError(
      `scenario "${scenario}": the Node engine runs ${known}; ${scenario === 'capacity' ? 'capacity steps the rate up and needs k6 (install k6 or set K6_BIN); cartload capacity searches with either engine' : 'check the name'}`,
    );
  }
  if (engine === 'node' && (env.VUS ?? '').trim() !== '') {
    throw new RunOptionsError(
      'VUS is a closed k6 model; the Node engine starts sessions at a rate (RATE, STAGES, LOAD or RATE_SCALE): install k6, or unset VUS',
    );
  }
  if (config.rateScale !== undefined && (scenario === 'smoke' || scenario === 'capacity'))
    throw new RunOptionsError(`RATE_SCALE does not apply to ${scenario}, which has its own load shape`);
  // The profile, its what-if edits (PROFILE_SET) and a RATE_SCALE shape, checked whichever engine
  // runs them (k6 applies the same code again in each VU): a bad edit or curve starts nothing.
  const profile = editProfile(await loadProfile(config.profile ?? def?.profile ?? 'default'), config.profileSet ?? []);
  let shaped: RateScaled;
  try {
    shaped = applyRateScale(config, profile);
  } catch (err) {
    // A value given as a flag is named as the flag.
    const flag = err instanceof ConfigError ? SHAPE_FLAGS[err.variable] : undefined;
    const given = flag ? o[flag[1]] : undefined;
    if (err instanceof ConfigError && flag && given !== undefined)
      throw new RunOptionsError(`--${flag[0]} ${String(given)}: ${err.problem}`);
    throw err;
  }
  const named = (env.TALON_BASE_URL ?? '').trim() === '' ? undefined : config.baseUrl;
  await checkDirWritable(resultsDir, '--results-dir');
  await checkRunFolderFree(resultsDir, runId);
  const dry = config.dry || (NODE_SCENARIOS[scenario]?.forceDry ?? false);
  const prepared: PreparedRun = {
    scenario,
    engine,
    why,
    config: shaped.config,
    env,
    runId,
    resultsDir,
    named,
    dry,
    profile: shaped.profile,
  };
  if (shaped.note) prepared.shapeNote = shaped.note;
  if (engine === 'k6') {
    prepared.k6Bin = k6.bin as string;
  } else {
    // The engine's own checks (a rate beyond what it can schedule, ...) before pools and profile load.
    const unused: PlansInput['plan'] = () => {
      throw new Error('not called by validateEngineOptions');
    };
    validateEngineOptions({
      target: named ?? 'http://127.0.0.1',
      runId,
      ...nodeShape(scenario, def as ScenarioDefaults, shaped.config, o, unused),
    });
    prepared.node = await planNode(def as ScenarioDefaults, shaped.config, shaped.profile);
  }
  return prepared;
}

/** The stages the Node engine follows instead of a constant rate: STAGES, a LOAD preset, or RATE_SCALE's curve (none for smoke). */
function nodeStages(def: ScenarioDefaults, config: ScenarioConfig): Stage[] | undefined {
  if (def.kindsInOrder !== undefined) return undefined;
  return config.stages ?? (config.load ? PRESET_SHAPES[config.load](config, def) : undefined);
}

/**
 * How the Node engine paces a scenario: smoke one session of each kind at once; the rest at a rate
 * for a duration, or along stages (session i where the stages' arrivals reach i, as k6 does).
 */
function nodeShape(
  scenario: string,
  def: ScenarioDefaults,
  config: ScenarioConfig,
  o: RunScenarioOptions,
  plan: PlansInput['plan'],
): Pick<EngineOptions, 'input' | 'timing' | 'connections'> {
  if (def.kindsInOrder !== undefined)
    return {
      input: { kind: 'plans', name: scenario, plan, limit: def.kindsInOrder.length },
      timing: { mode: 'asap' },
      connections: 1,
    };
  const connections = o.connections ?? DEFAULT_CONNECTIONS;
  const stages = nodeStages(def, config);
  if (stages) {
    const s = stageStarts(stages);
    return {
      input: { kind: 'plans', name: scenario, plan, durationMs: s.durationMs },
      timing: { mode: 'rate', rate: Math.max(s.peak, 1e-9), startMs: s.startMs },
      connections,
    };
  }
  return {
    input: { kind: 'plans', name: scenario, plan, durationMs: durationMsOf(config.duration ?? def.duration) },
    timing: { mode: 'rate', rate: config.rate ?? def.rate },
    connections,
  };
}

async function planNode(def: ScenarioDefaults, config: ScenarioConfig, profile: TrafficProfile): Promise<NodePlan> {
  const duration = config.duration ?? def.duration;
  const pools = await resolvePools({ seed: config.seed });
  const sessionPrefix = config.sessionPrefix ?? `${DEFAULT_SESSION_PREFIX}-${shortRandom()}`;
  const common = { pools, seed: config.seed, sessionPrefix };
  const planners: Planner[] = def.kindsInOrder
    ? def.kindsInOrder.map((kind) => createPlanner({ ...common, profile: { ...profile, lifecycles: oneKind(kind) } }))
    : [createPlanner({ ...common, profile })];
  const stages = nodeStages(def, config);
  return {
    ...(stages ? { stages, schedule: stageStarts(stages) } : {}),
    def,
    smoke: def.kindsInOrder !== undefined,
    rate: config.rate ?? def.rate,
    duration,
    thinkScale: config.thinkScale ?? def.thinkScale,
    maxThinkMs: config.maxThinkSeconds * 1000,
    dry: config.dry || def.forceDry === true,
    sessionPrefix,
    profile,
    planners,
  };
}

/** What the run will do, one `label: value` pair a line, for the confirmation before real writes. */
export function describeRun(p: PreparedRun): [string, string][] {
  const lines: [string, string][] = [['scenario', `${p.scenario} (${p.engine === 'k6' ? 'k6' : 'Node engine'})`]];
  if (p.node?.smoke) lines.push(['sessions', `one of each kind (${p.node.planners.length}), one at a time`]);
  else {
    const rate = p.config.rate ?? p.node?.rate ?? NODE_SCENARIOS[p.scenario]?.rate;
    const duration = p.config.duration ?? p.node?.duration ?? NODE_SCENARIOS[p.scenario]?.duration;
    if (p.shapeNote) lines.push(['arrivals', p.shapeNote]);
    else if (p.config.stages) lines.push(['arrivals', `${p.config.stages.length} stages (STAGES)`]);
    else if (rate !== undefined) lines.push(['rate', `${rate} session${rate === 1 ? '' : 's'}/s`]);
    if (duration !== undefined && !p.config.stages && !p.config.load) lines.push(['duration', duration]);
    if (p.config.load) lines.push(['load shape', `${p.config.load} at ${p.config.rate ?? rate} sessions/s`]);
    if (p.config.profileSet) lines.push(['what-if', p.config.profileSet.join(', ')]);
  }
  if (p.node) lines.push(['session IDs', `${p.node.sessionPrefix}-${p.config.seed}-<n>`]);
  return lines;
}

/** The prepared run, started: a local target unless one is named, then k6 or the Node engine. */
export async function startRun(p: PreparedRun, o: RunScenarioOptions): Promise<RunScenarioResult> {
  const rootDir = o.rootDir ?? PROJECT_ROOT;
  let local: RunningTarget | undefined;
  if (p.named === undefined) {
    local = await startTarget({ ...(p.config.apiKey ? { apiKey: p.config.apiKey } : {}) });
    o.say(
      `target: the local reference target at ${local.url} (started for this run; set TALON_BASE_URL or --target to aim elsewhere)`,
    );
  } else {
    o.say(`target: ${p.named}`);
  }
  const target = local?.url ?? (p.named as string);
  const apiKey = local?.apiKey ?? p.config.apiKey;
  o.say(`engine: ${p.engine}: ${p.why}`);
  try {
    if (p.engine === 'k6') {
      const env = { ...p.env, TALON_BASE_URL: target, TALON_API_KEY: apiKey };
      return await runWithK6(o, {
        scenario: p.scenario,
        rootDir,
        outDir: o.distDir ?? join(rootDir, 'dist'),
        resultsDir: p.resultsDir,
        runId: p.runId,
        env,
        bin: p.k6Bin as string,
        seed: p.config.seed,
        why: p.why,
        target,
      });
    }
    return await runWithNode(o, p, p.node as NodePlan, target, apiKey);
  } finally {
    await local?.close();
  }
}

/** prepareRun, then startRun. */
export async function runScenario(o: RunScenarioOptions): Promise<RunScenarioResult> {
  return startRun(await prepareRun(o), o);
}

/**
 * Builds one scenario's k6 bundle (and pools.json beside it, unless POOLS names a file elsewhere by
 * its full path). A PROFILE naming a file is copied
 * beside them as profile.json: the returned env names it as k6 opens it (PROFILE=./profile.json).
 */
export async function buildScenarioBundle(r: {
  scenario: string;
  rootDir: string;
  outDir: string;
  seed: number;
  env: Env;
}): Promise<{ file: string; env: Env }> {
  const entry = join(r.rootDir, 'scenarios', `${r.scenario}.ts`);
  // A profile file travels with the bundle as dist/profile.json, as the pools do: k6 opens files
  // relative to the bundle, not to where the user ran cartload.
  const named = (r.env.PROFILE ?? '').trim();
  const profileFile = named !== '' && !PRESETS[named] ? resolve(named) : undefined;
  // POOLS naming a file by its full path: k6 opens that one, and pools generated beside the bundle
  // (1.6 MB, half a second of CPU at the default sizes) would go unread.
  const pools = (r.env.POOLS ?? '').trim();
  const elsewhere = isAbsolute(pools) && resolve(pools) !== resolve(r.outDir, POOLS_FILE);
  const built = await buildScenarios({
    rootDir: r.rootDir,
    entries: [entry],
    outDir: r.outDir,
    seed: r.seed,
    ...(elsewhere ? { writePools: false } : {}),
    ...(profileFile ? { profile: profileFile } : {}),
  });
  const file = built.bundles.find((b) => b.name === r.scenario)?.file ?? join(r.outDir, `${r.scenario}.js`);
  return { file, env: profileFile ? { ...r.env, PROFILE: `./${PROFILE_FILE}` } : r.env };
}

export interface K6RunPlan {
  scenario: string;
  rootDir: string;
  outDir: string;
  resultsDir: string;
  runId: string;
  env: Env;
  bin: string;
  seed: number;
  why: string;
  target: string;
  /** A bundle already built (instances of one run share one; env then as buildScenarioBundle returned it); default: build it. */
  bundle?: string;
  /** More k6 flags before the script (e.g. an execution segment). */
  k6Args?: string[];
}

/** Runs one k6 process over a scenario's bundle; its results go to resultsDir/runId. */
export async function runWithK6(
  o: RunScenarioOptions,
  r: K6RunPlan,
): Promise<Extract<RunScenarioResult, { engine: 'k6' }>> {
  let bundle = r.bundle;
  let env = r.env;
  if (bundle === undefined) ({ file: bundle, env } = await buildScenarioBundle(r));
  // k6 does not create folders: the run folder is made here and handed over as RUN_DIR, where
  // handleSummary writes the run's files under their plain names.
  const dir = resolve(r.resultsDir, r.runId);
  await makeDirs(dir);
  // k6's metric stream, converted into the results format when k6 is done (results.json, report.html).
  const csv = join(dir, K6_METRICS_FILE);
  const res = await runK6(r.bin, ['run', '--out', `csv=${csv}`, ...(r.k6Args ?? []), bundle], {
    // Millisecond timestamps: whole seconds (k6's default) would blur the start and end of the run.
    env: { K6_CSV_TIME_FORMAT: 'unix_milli', ...env, RUN_DIR: dir },
    cwd: process.cwd(),
    timeoutMs: 24 * 3_600_000,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.k6Stdout ? { onStdout: o.k6Stdout } : {}),
    ...(o.k6Stderr ? { onStderr: o.k6Stderr } : {}),
  });
  const interrupted = res.aborted || res.signal !== null;
  const exitCode = res.code ?? (interrupted ? 130 : 1);
  const done = { engine: 'k6' as const, why: r.why, target: r.target, runId: r.runId, dir, exitCode, interrupted };
  if (
    !(await stat(csv).then(
      (st) => st.size > 0,
      () => false,
    ))
  )
    return { ...done, conversionError: `k6 wrote no metric stream (${csv}): the run folder has k6's own files only` };
  try {
    const summary = join(dir, 'summary.json');
    const hasSummary = await stat(summary).then(
      (st) => st.isFile(),
      () => false,
    );
    const version = await k6Version(r.bin);
    const converted = await convertK6Run({
      csv,
      out: dir,
      intoExisting: true,
      runId: r.runId,
      scenario: r.scenario,
      target: r.target,
      interrupted,
      ...(hasSummary ? { summary } : {}),
      ...(version ? { tools: { k6: version } } : {}),
      notes: [`engine: k6 (${r.why})`],
    });
    return { ...done, results: converted.summary };
  } catch (err) {
    return {
      ...done,
      conversionError: `converting k6's metric stream failed: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** The file `cartload run` asks k6 to write its metric stream to, in the run folder (gzipped: k6 compresses by the name). */

async function k6Version(bin: string): Promise<string | undefined> {
  try {
    const v = await runK6(bin, ['version'], { timeoutMs: 10_000, env: { PATH: process.env.PATH } });
    return /v\d+\.\d+\.\d+[^\s,)]*/.exec(v.stdout)?.[0];
  } catch {
    return undefined;
  }
}

async function runWithNode(
  o: RunScenarioOptions,
  p: PreparedRun,
  n: NodePlan,
  target: string,
  apiKey: string,
): Promise<RunScenarioResult> {
  const { config } = p;
  const { planners, dry, thinkScale, maxThinkMs, smoke, rate, schedule } = n;
  const plan = (index: number, filtered: (reason: string, steps: number) => void): SessionPlan => {
    let plan = (planners[index % planners.length] as Planner).plan(index);
    if (dry) {
      const d = toDryPlan(plan);
      if (d.skipped.length > 0) filtered('dry-not-applicable', d.skipped.length);
      plan = d.plan;
    }
    return thinkScale === 1 && maxThinkMs >= 3_600_000 ? plan : scaleThinkTimes(plan, thinkScale, maxThinkMs);
  };
  o.say(
    smoke
      ? `running ${p.scenario}: one session of each kind (${n.def.kindsInOrder?.join(', ')}), one at a time; session IDs ${n.sessionPrefix}-${config.seed}-<n>`
      : `running ${p.scenario}: ${p.shapeNote ? `following ${p.shapeNote}` : schedule ? `${n.stages?.length} stages${config.load ? ` (LOAD ${config.load})` : ''} over ${Math.round(schedule.durationMs / 1000)} s, peak ${schedule.peak} sessions/s` : `${rate} session${rate === 1 ? '' : 's'}/s for ${n.duration}`}, profile ${n.profile.name}, think time × ${thinkScale} (at most ${config.maxThinkSeconds} s)${dry ? ', all dry' : ''}; session IDs ${n.sessionPrefix}-${config.seed}-<n>`,
  );
  const result = await runEngine({
    target,
    apiKey,
    ...nodeShape(p.scenario, n.def, config, o, plan),
    runId: p.runId,
    resultsDir: p.resultsDir,
    scenario: p.scenario,
    slo: config.slo,
    options: {
      engine: 'node',
      scenario: p.scenario,
      rate: smoke || schedule ? undefined : rate,
      duration: smoke || schedule ? undefined : n.duration,
      ...(schedule ? { peakRate: schedule.peak, stages: n.stages?.length, stagesMs: schedule.durationMs } : {}),
      ...(config.load ? { load: config.load } : {}),
      ...(config.rateScale !== undefined ? { rateScale: config.rateScale, curveSpeed: config.curveSpeed ?? 1 } : {}),
      ...(config.profileSet ? { profileSet: config.profileSet } : {}),
      seed: config.seed,
      profile: n.profile.name,
      thinkScale,
      maxThinkSeconds: config.maxThinkSeconds,
      dry,
      sessionPrefix: n.sessionPrefix,
      slo: config.slo,
      // Said once on stderr as the run starts; kept here rather than as a note printed again.
      engineChoice: p.why,
    },
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.hardSignal ? { hardSignal: o.hardSignal } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
    ...(o.consumers ? { consumers: o.consumers } : {}),
  });
  return { engine: 'node', why: p.why, target, runId: p.runId, result };
}
