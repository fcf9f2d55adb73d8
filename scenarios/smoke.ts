// smoke: every lifecycle kind once, every check must pass. Fast (no think time): the CI gate that
// says the target and the scenarios agree before any load test runs.
//   npm run build && k6 run dist/smoke.js
import type { Options } from 'k6/options';
import { LIFECYCLE_KINDS } from '../model/plan.ts';
import { defineScenario, optionsOnce, smokeOptions } from './lib/scenario.ts';
import type { RunData } from './lib/setup.ts';
import type { K6SummaryData } from './lib/k6-summary.ts';
import { SCENARIO_DEFAULTS } from './lib/defaults.ts';

const DEFAULTS = SCENARIO_DEFAULTS.smoke;
const scenario = defineScenario({
  name: 'smoke',
  defaultProfile: DEFAULTS.profile,
  thinkScale: DEFAULTS.thinkScale,
  kindsInOrder: DEFAULTS.kindsInOrder,
  ownLoadShape: true,
});
const { config } = scenario;

export const options: Options = optionsOnce(() => smokeOptions(config, LIFECYCLE_KINDS.length));

export function setup(): RunData {
  return scenario.setup();
}

export default function (data: RunData): void {
  scenario.iteration(data);
}

export function teardown(data: RunData): void {
  scenario.teardown(data);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return scenario.handleSummary(data);
}
