// What every entry point shares: the configuration and data read at init, the setup health check,
// one session plan per iteration, the teardown note and handleSummary. An entry point only says
// what makes it different (profile, load shape, kinds, DRY) and exports k6's functions.
//
// Only what every VU runs is loaded eagerly: parsing the configuration (the first VU parses it for
// all, through a SharedArray), building the options (VU 0), the setup check and the summary are
// lazy modules (bundle/lazy.ts), whose functions only the VU that calls them creates.
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { createModelPlanner, type Planner } from '../../generators/model-planner.ts';
import type { GeneratedKind } from '../../model/plan.ts';
import type { ScenarioConfig } from './config.ts';
import { parseConfig } from './config.lazy.ts';
import type { K6SummaryData } from './k6-summary.ts';
import { loadData } from './pools.ts';
import { summaryFiles } from './report.lazy.ts';
import { createSessionRunner } from './session.ts';
import { checkTarget, chooseSessionPrefix } from './setup.lazy.ts';
import type { RunData } from './setup.ts';
import type { SummaryFilesOptions } from './summary.ts';

export { openModelOptions, scenarioOptions, smokeOptions } from './options.lazy.ts';

/**
 * The exported options, built in the init of VU 0 only: k6 reads a script's options from that one
 * init (js/bundle.go) and writes the consolidated options over the object every other VU exports,
 * so building thresholds and scenarios in each VU would only cost each VU their memory.
 */
export function optionsOnce(build: () => Options): Options {
  return __VU === 0 ? build() : {};
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
  /** Called when each request has its answer. */
  onAnswer?: () => void;
}

export interface ScenarioRuntime {
  config: ScenarioConfig;
  setup(): RunData;
  iteration(data: RunData): void;
  teardown(data: RunData): void;
  handleSummary(data: K6SummaryData): Record<string, string>;
}

export function defineScenario(
  def: ScenarioDefinition,
  env: Record<string, string | undefined> = __ENV,
): ScenarioRuntime {
  // Parsed once per test, by the first VU (a bad variable fails it, with the variable's name): the
  // others read the result, as a copy they may change.
  const config: ScenarioConfig = {
    ...(new SharedArray('cartload:config', () => [
      parseConfig(env, def.ownLoadShape ? def.name : undefined),
    ])[0] as ScenarioConfig),
  };
  if (def.forceDry) config.dry = true;
  const data = loadData(config, config.profile ?? def.defaultProfile);
  // RATE_SCALE turns the profile's learned arrival curve into the load shape (stages, or a LOAD
  // preset's rate) that the options read: worked out once with the profile's compilation, and
  // read only where the options are built, setup runs and the summary is written (VU 0).
  const shape = config.rateScale !== undefined && __VU === 0 ? data.shape() : undefined;
  if (shape?.stages) config.stages = shape.stages;
  if (shape?.rate !== undefined) config.rate = shape.rate;
  const run = createSessionRunner({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    dry: config.dry,
    thinkScale: config.thinkScale ?? def.thinkScale,
    maxThinkSeconds: config.maxThinkSeconds,
    ...(def.onAnswer ? { onAnswer: def.onAnswer } : {}),
  });
  const kinds = def.kindsInOrder;

  // The planner needs the run's session prefix, which setup picks: built on a VU's first iteration.
  // One planner serves every kind (plan(index, kind) forces one); its tables come with the data.
  let planner: Planner | undefined;
  const plannerFor = (prefix: string): Planner =>
    (planner ??= createModelPlanner({
      pools: data.pools,
      model: data.model(),
      itemTexts: data.itemTexts,
      seed: config.seed,
      sessionPrefix: prefix,
    }));

  return {
    config,
    setup(): RunData {
      if (shape) console.log(`cartload ${def.name}: following ${shape.note}`);
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
      console.log(
        `cartload ${def.name}: this run's sessions are ${data.sessionPrefix}-${config.seed}-<n>${config.dry ? ' (all dry: nothing was stored)' : ''}`,
      );
    },
    handleSummary(data: K6SummaryData): Record<string, string> {
      return summaryFiles(data, {
        scenario: def.name,
        config,
        ...(def.extraSummary ? { extraText: def.extraSummary } : {}),
      });
    },
  };
}
