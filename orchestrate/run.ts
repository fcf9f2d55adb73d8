// `cartload run [scenario]` as a library function: the main job on an embedded default. Starts the
// local target unless TALON_BASE_URL names one, then runs the scenario with real k6 when a binary
// is found (K6_BIN or PATH), otherwise with the Node engine over the same generated plans, at the
// scenario's rate for its duration. Both engines read the same variables (scenarios/lib/config.ts)
// with the same validation, so a CI job behaves the same with or without k6.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { buildScenarios, PROJECT_ROOT } from '../bundle/index.ts';
import { parseK6Duration } from '../model/duration.ts';
import { locateK6, runK6 } from './k6-binary.ts';
import { createPlanner, type Planner } from '../generators/planner.ts';
import { loadProfile } from '../generators/profile-file.ts';
import { PRESETS, ProfileError } from '../generators/profiles.ts';
import { PROFILE_FILE } from '../bundle/profile.ts';
import { resolvePools } from '../generators/run.ts';
import { DEFAULT_SESSION_PREFIX } from '../model/conventions.ts';
import { LIFECYCLE_KINDS, type GeneratedKind, type SessionPlan } from '../model/plan.ts';
import { ConfigError, parseConfig, type ScenarioConfig } from '../scenarios/lib/config.ts';
import { toDryPlan } from '../scenarios/lib/dry.ts';
import { PRESET_SHAPES, stageStarts } from '../scenarios/lib/load.ts';
import { applyRateScale, type RateScaled } from '../scenarios/lib/rate-scale.ts';
import { editProfile } from '../generators/profile-edit.ts';
import { startTarget, type RunningTarget } from '../emulator/server/index.ts';
import { runEngine, type EngineResult, type ProgressSink } from '../engine/index.ts';
import { makeRunId, shortRandom } from '../engine/run-id.ts';
import { SCENARIO_DEFAULTS, type ScenarioDefaults } from '../scenarios/lib/defaults.ts';

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
  /** Overrides over env, as the CLI options give them. */
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
  /** Node engine: connections and the cap on requests in flight (default 64). */
  connections?: number;
  resultsDir?: string;
  runId?: string;
  signal?: AbortSignal;
  hardSignal?: AbortSignal;
  progress?: ProgressSink;
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
  | { engine: 'k6'; why: string; target: string; runId: string; dir: string; exitCode: number; interrupted: boolean }
  | { engine: 'node'; why: string; target: string; runId: string; result: EngineResult }
  | { engine: 'none'; why: string; outcome: 'bad-input' | 'unavailable'; message: string };

function fail(message: string, outcome: 'bad-input' | 'unavailable' = 'bad-input'): RunScenarioResult {
  return { engine: 'none', why: message, outcome, message };
}

/** The options as the scenarios' variables: what k6 gets, and what the Node engine parses the same way. */
function scenarioEnv(o: RunScenarioOptions, runId: string, resultsDir: string): Env {
  const env: Env = { ...o.env, RUN_ID: runId, RESULTS_DIR: resultsDir };
  const set = (name: string, v: string | number | boolean | undefined): void => {
    if (v !== undefined) env[name] = String(v);
  };
  set('RATE', o.rate);
  set('DURATION', o.duration);
  set('SEED', o.seed);
  set('PROFILE', o.profile);
  set('THINK_SCALE', o.thinkScale);
  set('MAX_THINK', o.maxThink);
  set('RATE_SCALE', o.rateScale);
  set('CURVE_SPEED', o.curveSpeed);
  set('DAY_START', o.dayStart);
  set('LOAD', o.load);
  if (o.set && o.set.length > 0) env.PROFILE_SET = o.set.join(';');
  if (o.dry) env.DRY = 'true';
  return env;
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

export async function runScenario(o: RunScenarioOptions): Promise<RunScenarioResult> {
  const scenario = o.scenario ?? 'lifecycle';
  const rootDir = o.rootDir ?? PROJECT_ROOT;
  const resultsDir = o.resultsDir ?? 'results';
  const runId = o.runId ?? makeRunId();
  const env = scenarioEnv(o, runId, resultsDir);
  let config: ScenarioConfig;
  try {
    config = parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  // The profile, its what-if edits (PROFILE_SET) and a RATE_SCALE shape are checked here, before
  // anything starts, whichever engine runs them (k6 applies the same code again in each VU).
  let shaped: RateScaled;
  try {
    if (config.rateScale !== undefined && (scenario === 'smoke' || scenario === 'capacity')) throw new ConfigError('RATE_SCALE', `does not apply to ${scenario}, which has its own load shape`);
    const profile = editProfile(await loadProfile(config.profile ?? NODE_SCENARIOS[scenario]?.profile ?? 'default'), config.profileSet ?? []);
    shaped = applyRateScale(config, profile);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ProfileError) return fail(err.message);
    throw err;
  }

  const k6 = locateK6(o.env);
  const k6Missing = 'reason' in k6 ? k6.reason : '';
  let engine: 'k6' | 'node';
  let why: string;
  if (o.engine === 'k6') {
    if (!k6.bin) return fail(`--engine k6: ${k6Missing}`);
    engine = 'k6';
    why = `--engine k6 (${k6.bin})`;
  } else if (o.engine === 'node' || !k6.bin) {
    engine = 'node';
    why = o.engine === 'node' ? '--engine node' : `no k6 binary (${k6Missing}); the Node engine runs the same plans`;
  } else {
    engine = 'k6';
    why = `k6 found at ${k6.bin}`;
  }
  const node = NODE_SCENARIOS[scenario];
  if (engine === 'node' && !node) {
    const known = Object.keys(NODE_SCENARIOS).join(', ');
    return fail(`scenario "${scenario}": the Node engine runs ${known}; ${scenario === 'capacity' ? 'capacity steps the rate up and needs k6 (install k6 or set K6_BIN)' : 'check the name'}`);
  }
  if (engine === 'node' && (env.VUS ?? '').trim() !== '') {
    return fail('VUS is a closed k6 model; the Node engine starts sessions at a rate (RATE, STAGES, LOAD or RATE_SCALE): install k6, or unset VUS');
  }

  // The target: the one TALON_BASE_URL names, or a local one for this run only.
  let local: RunningTarget | undefined;
  const named = (o.env.TALON_BASE_URL ?? '').trim();
  if (named === '') {
    local = await startTarget({ ...(config.apiKey ? { apiKey: config.apiKey } : {}) });
    o.say(`target: the local reference target at ${local.url} (started for this run; set TALON_BASE_URL to aim elsewhere)`);
  } else {
    o.say(`target: ${config.baseUrl}`);
  }
  const target = local?.url ?? config.baseUrl;
  const apiKey = local?.apiKey ?? config.apiKey;
  o.say(`engine: ${engine === 'k6' ? 'k6' : 'node'}: ${why}`);
  try {
    if (engine === 'k6') return await runWithK6(o, { scenario, rootDir, outDir: o.distDir ?? join(rootDir, 'dist'), resultsDir, runId, env: { ...env, TALON_BASE_URL: target, TALON_API_KEY: apiKey }, bin: k6.bin as string, seed: config.seed, why, target });
    return await runWithNode(o, { scenario, def: node as ScenarioDefaults, shaped, target, apiKey, resultsDir, runId, why });
  } finally {
    await local?.close();
  }
}

async function runWithK6(
  o: RunScenarioOptions,
  r: { scenario: string; rootDir: string; outDir: string; resultsDir: string; runId: string; env: Env; bin: string; seed: number; why: string; target: string },
): Promise<RunScenarioResult> {
  const entry = join(r.rootDir, 'scenarios', `${r.scenario}.ts`);
  // A profile file travels with the bundle as dist/profile.json, as the pools do: k6 opens files
  // relative to the bundle, not to where the user ran cartload.
  const named = (r.env.PROFILE ?? '').trim();
  const profileFile = named !== '' && !PRESETS[named] ? resolve(named) : undefined;
  const built = await buildScenarios({ rootDir: r.rootDir, entries: [entry], outDir: r.outDir, seed: r.seed, ...(profileFile ? { profile: profileFile } : {}) });
  if (profileFile) r.env = { ...r.env, PROFILE: `./${PROFILE_FILE}` };
  const bundle = built.bundles.find((b) => b.name === r.scenario)?.file ?? join(r.outDir, `${r.scenario}.js`);
  // k6 does not create folders: handleSummary writes into RESULTS_DIR/RUN_ID, which must exist.
  const dir = resolve(r.resultsDir, r.runId);
  await mkdir(dir, { recursive: true });
  const res = await runK6(r.bin, ['run', bundle], {
    env: r.env,
    cwd: process.cwd(),
    timeoutMs: 24 * 3_600_000,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.k6Stdout ? { onStdout: o.k6Stdout } : {}),
    ...(o.k6Stderr ? { onStderr: o.k6Stderr } : {}),
  });
  const interrupted = res.aborted || res.signal !== null;
  return { engine: 'k6', why: r.why, target: r.target, runId: r.runId, dir, exitCode: res.code ?? (interrupted ? 130 : 1), interrupted };
}

async function runWithNode(
  o: RunScenarioOptions,
  r: { scenario: string; def: ScenarioDefaults; shaped: RateScaled; target: string; apiKey: string; resultsDir: string; runId: string; why: string },
): Promise<RunScenarioResult> {
  const { def, shaped } = r;
  const { config, profile } = shaped;
  const duration = parseK6Duration(config.duration ?? def.duration);
  if ('error' in duration) return fail(`DURATION: ${duration.error}`);
  const rate = config.rate ?? def.rate;
  const stages = config.stages ?? (config.load ? PRESET_SHAPES[config.load](config, def) : undefined);
  const schedule = stages ? stageStarts(stages) : undefined;
  const thinkScale = config.thinkScale ?? def.thinkScale;
  const maxThinkMs = config.maxThinkSeconds * 1000;
  const dry = config.dry || def.forceDry === true;
  const pools = await resolvePools({ seed: config.seed });
  const sessionPrefix = config.sessionPrefix ?? `${DEFAULT_SESSION_PREFIX}-${shortRandom()}`;
  const common = { pools, seed: config.seed, sessionPrefix };
  const planners: Planner[] = def.kindsInOrder
    ? def.kindsInOrder.map((kind) => createPlanner({ ...common, profile: { ...profile, lifecycles: oneKind(kind) } }))
    : [createPlanner({ ...common, profile })];
  const plan = (index: number, filtered: (reason: string, steps: number) => void): SessionPlan => {
    let p = (planners[index % planners.length] as Planner).plan(index);
    if (dry) {
      const d = toDryPlan(p);
      if (d.skipped.length > 0) filtered('dry-not-applicable', d.skipped.length);
      p = d.plan;
    }
    return thinkScale === 1 && maxThinkMs >= 3_600_000 ? p : scaleThinkTimes(p, thinkScale, maxThinkMs);
  };
  const smoke = def.kindsInOrder !== undefined;
  o.say(
    smoke
      ? `running ${r.scenario}: one session of each kind (${def.kindsInOrder?.join(', ')}), one at a time; session IDs ${sessionPrefix}-${config.seed}-<n>`
      : `running ${r.scenario}: ${shaped.note ? `following ${shaped.note}` : stages ? `${stages.length} stages${config.load ? ` (LOAD ${config.load})` : ''} over ${Math.round((schedule?.durationMs ?? 0) / 1000)} s, peak ${schedule?.peak} sessions/s` : `${rate} sessions/s for ${config.duration ?? def.duration}`}, profile ${profile.name}, think time × ${thinkScale} (at most ${config.maxThinkSeconds} s)${dry ? ', all dry' : ''}; session IDs ${sessionPrefix}-${config.seed}-<n>`,
  );
  const result = await runEngine({
    target: r.target,
    apiKey: r.apiKey,
    input: smoke ? { kind: 'plans', name: r.scenario, plan, limit: planners.length } : { kind: 'plans', name: r.scenario, plan, durationMs: schedule ? schedule.durationMs : duration.ms },
    timing: smoke ? { mode: 'asap' } : schedule ? { mode: 'rate', rate: Math.max(schedule.peak, 1e-9), startMs: schedule.startMs } : { mode: 'rate', rate },
    connections: smoke ? 1 : (o.connections ?? 64),
    runId: r.runId,
    resultsDir: r.resultsDir,
    scenario: r.scenario,
    slo: config.slo,
    options: {
      engine: 'node',
      scenario: r.scenario,
      rate: smoke || schedule ? undefined : rate,
      duration: smoke || schedule ? undefined : (config.duration ?? def.duration),
      ...(schedule ? { peakRate: schedule.peak, stages: stages?.length, stagesMs: schedule.durationMs } : {}),
      ...(config.load ? { load: config.load } : {}),
      ...(config.rateScale !== undefined ? { rateScale: config.rateScale, curveSpeed: config.curveSpeed ?? 1 } : {}),
      ...(config.profileSet ? { profileSet: config.profileSet } : {}),
      seed: config.seed,
      profile: profile.name,
      thinkScale,
      maxThinkSeconds: config.maxThinkSeconds,
      dry,
      sessionPrefix,
      slo: config.slo,
    },
    notes: [`engine: node (${r.why})`],
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.hardSignal ? { hardSignal: o.hardSignal } : {}),
    ...(o.progress ? { progress: o.progress } : {}),
  });
  return { engine: 'node', why: r.why, target: r.target, runId: r.runId, result };
}
