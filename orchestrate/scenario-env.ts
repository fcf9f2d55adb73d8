// The run options as the scenarios' variables, in a module of its own: `cartload deploy` needs
// them without the engines, the local target and the web server that run.ts brings.
import type { RunScenarioOptions } from './run.ts';

type Env = Record<string, string | undefined>;

/** The options as the scenarios' variables: what k6 gets, and what the Node engine parses the same way. */
export function scenarioEnv(o: RunScenarioOptions, runId: string, resultsDir: string): Env {
  const env: Env = { ...o.env, RUN_ID: runId, RESULTS_DIR: resultsDir };
  const set = (name: string, v: string | number | boolean | undefined): void => {
    if (v !== undefined) env[name] = String(v);
  };
  set('TALON_BASE_URL', o.target);
  set('SESSION_PREFIX', o.sessionPrefix);
  set('ERROR_RATE', o.maxErrorRate);
  set('P95_MS', o.p95Ms);
  set('P99_MS', o.p99Ms);
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
