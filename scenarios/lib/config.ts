// The scenarios' whole configuration, read from k6's __ENV in one place. Pure (no k6 imports), so
// Node tests can check it directly. Every invalid value fails at init with the variable's name:
// a load test that silently ran with a default because of a typo is worse than one that did not run.
import { DEFAULT_RESULTS_DIR, DEFAULT_SESSION_PREFIX } from '../../model/conventions.ts';
import { CartloadError } from '../../model/errors.ts';
import { parseK6Duration } from '../../model/duration.ts';
import { checkRunId } from '../../model/run-id.ts';

export const LOAD_PRESETS = ['load', 'stress', 'spike', 'soak'] as const;
export type LoadPreset = (typeof LOAD_PRESETS)[number];

export interface Stage {
  /** Target rate in sessions per second (arrival-rate executors) at the end of the stage. */
  target: number;
  /** A k6 duration: `30s`, `5m`, `1h30m`. */
  duration: string;
}

export interface Slo {
  p95Ms: number;
  p99Ms: number;
  /** Largest acceptable share of failed requests, 0..1. */
  errorRate: number;
}

export interface ScenarioConfig {
  baseUrl: string;
  /** TALON_API_KEY (the local target accepts the same variable). Never printed, tagged or written: see `publicConfig`. */
  apiKey: string;
  seed: number;
  /** A preset name or the path of a JSON profile; undefined means the scenario's own default. */
  profile?: string;
  /** Sessions started per second. */
  rate?: number;
  duration?: string;
  vus?: number;
  preAllocatedVUs?: number;
  maxVUs?: number;
  stages?: Stage[];
  load?: LoadPreset;
  /** Fixed session prefix; undefined means a fresh per-run namespace chosen in setup. */
  sessionPrefix?: string;
  dry: boolean;
  slo: Slo;
  /** Share of checks that must pass (smoke always demands 1). */
  checkRate: number;
  /** More thresholds, added to the scenario's own (THRESHOLDS, JSON: metric → expressions). */
  thresholds?: Record<string, string[]>;
  /** Multiplies the plans' think times; 0 sends each step right after the previous answer. */
  thinkScale?: number;
  /** Longest single think time in seconds. */
  maxThinkSeconds: number;
  runId?: string;
  /** The folder handleSummary writes into (flat files named `<RUN_ID or scenario>-…`); it must exist. */
  resultsDir: string;
  /**
   * A folder made for this run (by `cartload run`, an init container, or you): the files go in it
   * under their plain names. k6 cannot create folders, so whoever names one creates it.
   */
  runDir?: string;
  /** Capacity: rate added per step (default RATE), number of steps, hold per step, ramp between. */
  rateStep?: number;
  steps?: number;
  stepDuration?: string;
  ramp?: string;
  /** Capacity: hold the first step's rate this long before it is measured, instead of ramping up to it. */
  warmup?: string;
  /** How long k6 lets sessions still running at the end of an arrival-rate scenario finish (default 1m). */
  gracefulStop?: string;
  /** The pools file, opened relative to the bundle. */
  poolsPath: string;
  /** What-if edits of the profile (PROFILE_SET, `;`-separated `key=value`). */
  profileSet?: string[];
  /** Follow the profile's learned arrival curve at this multiple (RATE_SCALE); with LOAD, the preset's rate is this × the curve's peak. */
  rateScale?: number;
  /** Play the arrival curve this many times faster than the clock (CURVE_SPEED, default 1). */
  curveSpeed?: number;
  /** Minute of the day (UTC) the curve starts at (DAY_START, `HH:MM`); default where the recording started. */
  dayStartMinute?: number;
}

/** Where `cartload target` listens by default. */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:3000';
export const DEFAULT_SLO: Slo = { p95Ms: 500, p99Ms: 1000, errorRate: 0.01 };

export class ConfigError extends CartloadError {
  constructor(
    readonly variable: string,
    /** What is wrong, without the variable's name (a caller that took the value from a flag names the flag). */
    readonly problem: string,
  ) {
    super(`cartload: environment variable ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** A k6 duration with a unit (`30s`, `1m30s`, `2h`), not negative; read by the one parser in model/duration.ts. */
function isDuration(v: string): boolean {
  const d = parseK6Duration(v);
  return !('error' in d) && d.ms >= 0 && /[a-zµμ]$/.test(v.trim());
}

function str(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function num(env: Env, name: string, check: (n: number) => boolean, what: string): number | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !check(n)) throw new ConfigError(name, `must be ${what}, got ${JSON.stringify(v)}`);
  return n;
}

const positiveInt = (n: number): boolean => Number.isSafeInteger(n) && n > 0;

function duration(env: Env, name: string): string | undefined {
  const v = str(env, name);
  if (v !== undefined && !isDuration(v))
    throw new ConfigError(name, `must be a k6 duration such as 30s, 5m or 1h30m, got ${JSON.stringify(v)}`);
  return v;
}

function bool(env: Env, name: string): boolean {
  const v = str(env, name)?.toLowerCase();
  if (v === undefined || v === '0' || v === 'false' || v === 'no') return false;
  if (v === '1' || v === 'true' || v === 'yes') return true;
  throw new ConfigError(name, `must be 1/true/yes or 0/false/no, got ${JSON.stringify(env[name])}`);
}

/**
 * Stages as JSON (`[{"target":10,"duration":"1m"}]`) or compact (`10:1m,50:5m,0:30s`), where each
 * item is `rate:duration`.
 */
export function parseStages(value: string, variable = 'STAGES'): Stage[] {
  let items: unknown[];
  if (value.trimStart().startsWith('[')) {
    try {
      items = JSON.parse(value) as unknown[];
    } catch (err) {
      throw new ConfigError(variable, `is not valid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(items)) throw new ConfigError(variable, 'must be a JSON array of {"target", "duration"}');
  } else {
    items = value.split(',').map((part, i) => {
      const [target, dur, extra] = part.trim().split(':');
      if (target === undefined || dur === undefined || extra !== undefined) {
        throw new ConfigError(
          variable,
          `item ${i + 1} (${JSON.stringify(part.trim())}) must be rate:duration, e.g. 20:1m`,
        );
      }
      return { target: Number(target), duration: dur };
    });
  }
  if (items.length === 0) throw new ConfigError(variable, 'has no stages');
  return items.map((item, i) => {
    const s = item as Partial<Stage> | null;
    if (
      s === null ||
      typeof s !== 'object' ||
      typeof s.target !== 'number' ||
      !Number.isFinite(s.target) ||
      s.target < 0
    ) {
      throw new ConfigError(variable, `stage ${i + 1} needs a target rate >= 0`);
    }
    if (typeof s.duration !== 'string' || !isDuration(s.duration)) {
      throw new ConfigError(
        variable,
        `stage ${i + 1} needs a k6 duration such as 30s or 5m, got ${JSON.stringify(s.duration)}`,
      );
    }
    return { target: s.target, duration: s.duration };
  });
}

function baseUrl(env: Env): string {
  const v = str(env, 'TALON_BASE_URL') ?? DEFAULT_BASE_URL;
  if (!/^https?:\/\/[^/\s]+(\/[^\s]*)?$/.test(v))
    throw new ConfigError('TALON_BASE_URL', `must be an http(s) URL, got ${JSON.stringify(v)}`);
  return v.replace(/\/+$/, '');
}

/**
 * The variables, checked. `ownLoadShape` names a scenario that builds its own load shape (smoke,
 * capacity), which RATE_SCALE cannot set.
 */
export function parseConfig(env: Env, ownLoadShape?: string): ScenarioConfig {
  const load = str(env, 'LOAD');
  if (load !== undefined && !(LOAD_PRESETS as readonly string[]).includes(load)) {
    throw new ConfigError('LOAD', `must be one of ${LOAD_PRESETS.join(', ')}, got ${JSON.stringify(load)}`);
  }
  const stagesRaw = str(env, 'STAGES');
  const prefix = str(env, 'SESSION_PREFIX');
  if (prefix !== undefined && !/^[A-Za-z0-9._~-]{1,100}$/.test(prefix)) {
    throw new ConfigError('SESSION_PREFIX', 'must be 1-100 characters of A-Z a-z 0-9 . _ ~ -');
  }
  const runId = str(env, 'RUN_ID');
  const badRunId = runId === undefined ? undefined : checkRunId(runId);
  if (badRunId !== undefined) throw new ConfigError('RUN_ID', `names a folder: ${badRunId}`);
  const config: ScenarioConfig = {
    baseUrl: baseUrl(env),
    apiKey: str(env, 'TALON_API_KEY') ?? '',
    seed: num(env, 'SEED', Number.isSafeInteger, 'an integer') ?? 1,
    dry: bool(env, 'DRY'),
    slo: {
      p95Ms: num(env, 'P95_MS', (n) => n > 0, 'a positive number of milliseconds') ?? DEFAULT_SLO.p95Ms,
      p99Ms: num(env, 'P99_MS', (n) => n > 0, 'a positive number of milliseconds') ?? DEFAULT_SLO.p99Ms,
      errorRate:
        num(env, 'ERROR_RATE', (n) => n >= 0 && n <= 1, 'a share between 0 and 1 (0.01 = 1%)') ?? DEFAULT_SLO.errorRate,
    },
    checkRate: num(env, 'CHECK_RATE', (n) => n >= 0 && n <= 1, 'a share between 0 and 1') ?? 0.99,
    maxThinkSeconds: num(env, 'MAX_THINK', (n) => n >= 0, 'a number of seconds >= 0') ?? 30,
    resultsDir: (str(env, 'RESULTS_DIR') ?? DEFAULT_RESULTS_DIR).replace(/(.)\/+$/, '$1'),
    poolsPath: str(env, 'POOLS') ?? './pools.json',
  };
  const optional = {
    profile: str(env, 'PROFILE'),
    rate: num(env, 'RATE', (n) => n > 0, 'a positive number of sessions per second'),
    duration: duration(env, 'DURATION'),
    vus: num(env, 'VUS', positiveInt, 'a positive integer'),
    preAllocatedVUs: num(env, 'PRE_ALLOCATED_VUS', positiveInt, 'a positive integer'),
    maxVUs: num(env, 'MAX_VUS', positiveInt, 'a positive integer'),
    stages: stagesRaw === undefined ? undefined : parseStages(stagesRaw),
    load: load as LoadPreset | undefined,
    sessionPrefix: prefix,
    thinkScale: num(env, 'THINK_SCALE', (n) => n >= 0, 'a number >= 0 (0 = no think time)'),
    runId,
    runDir: str(env, 'RUN_DIR')?.replace(/(.)\/+$/, '$1'),
    rateStep: num(env, 'RATE_STEP', (n) => n > 0, 'a positive number of sessions per second'),
    steps: num(env, 'STEPS', (n) => positiveInt(n) && n <= 50, 'an integer from 1 to 50'),
    stepDuration: duration(env, 'STEP_DURATION'),
    ramp: duration(env, 'RAMP'),
    warmup: duration(env, 'WARMUP'),
    gracefulStop: duration(env, 'GRACEFUL_STOP'),
    thresholds: str(env, 'THRESHOLDS') === undefined ? undefined : parseThresholds(str(env, 'THRESHOLDS') as string),
    profileSet: str(env, 'PROFILE_SET') === undefined ? undefined : parseEditList(str(env, 'PROFILE_SET') as string),
    rateScale: num(env, 'RATE_SCALE', (n) => n > 0, 'a positive multiple of the recorded arrival rate'),
    curveSpeed: num(
      env,
      'CURVE_SPEED',
      (n) => n > 0,
      'a positive speed-up of the arrival curve (24 plays a day in an hour)',
    ),
    dayStartMinute: dayMinute(env, 'DAY_START'),
  };
  for (const [k, v] of Object.entries(optional))
    if (v !== undefined) (config as unknown as Record<string, unknown>)[k] = v;
  if (config.preAllocatedVUs !== undefined && config.maxVUs !== undefined && config.maxVUs < config.preAllocatedVUs) {
    throw new ConfigError(
      'MAX_VUS',
      `(${config.maxVUs}) must be at least PRE_ALLOCATED_VUS (${config.preAllocatedVUs})`,
    );
  }
  if (ownLoadShape !== undefined && config.rateScale !== undefined)
    throw new ConfigError('RATE_SCALE', `does not apply to ${ownLoadShape}, which has its own load shape`);
  return config;
}

/**
 * PROFILE_SET's value: what-if edits separated by `;` (a value may hold commas, as JSON arrays
 * do), applied by generators/profile-edit.ts. Parsed here, without the profiles: every lazy module
 * that reads the configuration's errors would otherwise carry them.
 */
function parseEditList(text: string): string[] {
  return text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** DAY_START: `HH:MM` (UTC) as minutes since midnight. */
function dayMinute(env: Env, name: string): number | undefined {
  const v = str(env, name);
  if (v === undefined) return undefined;
  const m = /^(\d{1,2}):(\d{2})$/.exec(v);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59)
    throw new ConfigError(name, `must be a time of day HH:MM (UTC), got ${JSON.stringify(v)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** THRESHOLDS: a JSON object of k6 thresholds, `{"http_req_duration{step:close}": ["p(95)<300"]}`. */
export function parseThresholds(value: string, variable = 'THRESHOLDS'): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new ConfigError(variable, `is not valid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(
      variable,
      'must be a JSON object of metric → threshold expressions, e.g. {"http_req_duration{step:close}":["p(95)<300"]}',
    );
  }
  const out: Record<string, string[]> = {};
  for (const [metric, exprs] of Object.entries(parsed as Record<string, unknown>)) {
    const list = typeof exprs === 'string' ? [exprs] : exprs;
    if (!Array.isArray(list) || list.length === 0 || list.some((e) => typeof e !== 'string' || e.trim() === '')) {
      throw new ConfigError(
        variable,
        `"${metric}" must have a threshold expression or a list of them, e.g. ["p(95)<300"]`,
      );
    }
    out[metric] = list as string[];
  }
  return out;
}

/** The configuration as it may be shown or written: the API key is replaced. */
export function publicConfig(config: ScenarioConfig): Record<string, unknown> {
  return { ...config, apiKey: config.apiKey === '' ? '' : '[redacted]' };
}

/** A fresh per-run namespace for session IDs, so a run never touches real or earlier sessions. */
export function runNamespace(now: number, random: () => number): string {
  return `${DEFAULT_SESSION_PREFIX}-${now.toString(36)}${Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}
