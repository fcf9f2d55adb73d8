// What every entry point shares: the configuration and data read at init, the setup health check,
// one session plan per iteration, the teardown note and handleSummary. An entry point only says
// what makes it different (profile, load shape, kinds, DRY) and exports k6's functions.
import exec from 'k6/execution';
import type { Options, Scenario } from 'k6/options';
import { createPlanner, type Planner } from '../../generators/planner.ts';
import type { TrafficProfile } from '../../generators/profiles.ts';
import type { Pools } from '../../generators/types.ts';
import type { GeneratedKind } from '../../model/plan.ts';
import { ConfigError, parseConfig, type ScenarioConfig } from './config.ts';
import { applyRateScale } from './rate-scale.ts';
import type { K6SummaryData } from './k6-summary.ts';
import { loadPools } from './pools.ts';
import { loadProfile } from './profile.ts';
import { createSessionRunner } from './session.ts';
import { checkTarget, chooseSessionPrefix, type RunData } from './setup.ts';
import { summaryFiles, type SummaryFilesOptions } from './summary.ts';
import { mergeThresholds, observerThresholds, SUMMARY_TREND_STATS, type Thresholds } from './thresholds.ts';

/**
 * The exported options, built in the init of VU 0 only: k6 reads a script's options from that one
 * init (js/bundle.go) and writes the consolidated options over the object every other VU exports,
 * so building thresholds and scenarios in each VU would only cost each VU their memory.
 */
export function optionsOnce(build: () => Options): Options {
  return __VU === 0 ? build() : {};
}

/**
 * The options every entry point shares: its scenarios, its gate plus the user's THRESHOLDS and the
 * observers, the trend stats.
 */
export function scenarioOptions(config: ScenarioConfig, scenarios: Record<string, Scenario>, gate: Thresholds): Options {
  return {
    scenarios,
    thresholds: mergeThresholds(gate, config.thresholds ?? {}, observerThresholds()),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '30s',
  };
}

export interface ScenarioDefinition {
  name: string;
  /** Profile preset when PROFILE is not set. */
  defaultProfile: string;
  /** Think-time scale when THINK_SCALE is not set (smoke: 0, to be fast). */
  thinkScale: number;
  /** Every write dry whatever DRY says (the dry-run scenario). */
  forceDry?: boolean;
  /** Plan exactly these kinds, one per iteration in this order (smoke); default the profile's mix. */
  kindsInOrder?: readonly GeneratedKind[];
  /** The entry point builds its own load shape (smoke, capacity): RATE_SCALE does not apply. */
  ownLoadShape?: boolean;
  extraSummary?: SummaryFilesOptions['extraText'];
}

export interface ScenarioRuntime {
  config: ScenarioConfig;
  profile: TrafficProfile;
  setup(): RunData;
  iteration(data: RunData): void;
  teardown(data: RunData): void;
  handleSummary(data: K6SummaryData): Record<string, string>;
}

export function defineScenario(def: ScenarioDefinition, env: Record<string, string | undefined> = __ENV): ScenarioRuntime {
  const parsed = parseConfig(env);
  if (def.forceDry) parsed.dry = true;
  if (def.ownLoadShape && parsed.rateScale !== undefined) throw new ConfigError('RATE_SCALE', `does not apply to ${def.name}, which has its own load shape`);
  // RATE_SCALE turns the profile's learned arrival curve into the load shape (stages) that openModel reads.
  const shaped = applyRateScale(parsed, loadProfile(parsed.profile, def.defaultProfile, parsed.profileSet));
  const { config, profile } = shaped;
  const pools: Pools = loadPools(config.poolsPath);
  const run = createSessionRunner({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    dry: config.dry,
    thinkScale: config.thinkScale ?? def.thinkScale,
    maxThinkSeconds: config.maxThinkSeconds,
  });
  const kinds = def.kindsInOrder;

  // The planner needs the run's session prefix, which setup picks: built on a VU's first iteration.
  // One planner serves every kind (plan(index, kind) forces one): its tables are built once per VU.
  let planner: Planner | undefined;
  const plannerFor = (prefix: string): Planner => (planner ??= createPlanner({ pools, profile, seed: config.seed, sessionPrefix: prefix }));

  return {
    config,
    profile,
    setup(): RunData {
      if (shaped.note) console.log(`cartload ${def.name}: following ${shaped.note}`);
      const sessionPrefix = chooseSessionPrefix(config);
      checkTarget(config, sessionPrefix);
      return { sessionPrefix };
    },
    iteration(data: RunData): void {
      // Unique across VUs (and, with execution segments, across instances): plan i is session i.
      const index = exec.scenario.iterationInTest;
      const p = plannerFor(data.sessionPrefix);
      run(kinds ? p.plan(index, kinds[index % kinds.length]) : p.plan(index));
    },
    teardown(data: RunData): void {
      console.log(`cartload ${def.name}: this run's sessions are ${data.sessionPrefix}-${config.seed}-<n>${config.dry ? ' (all dry: nothing was stored)' : ''}`);
    },
    handleSummary(data: K6SummaryData): Record<string, string> {
      return summaryFiles(data, { scenario: def.name, config, ...(def.extraSummary ? { extraText: def.extraSummary } : {}) });
    },
  };
}
