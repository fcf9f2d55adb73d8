// lifecycle: the realistic mix of session lifecycles of a traffic profile, arriving at an open rate
// (RATE sessions/s for DURATION, or STAGES, or a LOAD preset: load, stress, spike, soak). Each
// iteration is one whole session, its steps sent in order with the profile's think times.
//   k6 run -e RATE=5 -e DURATION=10m dist/lifecycle.js
//   k6 run -e LOAD=stress -e RATE=20 dist/lifecycle.js
import type { Options } from 'k6/options';
import { defineScenario, openModelOptions, optionsOnce } from './lib/scenario.ts';
import type { RunData } from './lib/setup.ts';
import type { K6SummaryData } from './lib/k6-summary.ts';
import { SCENARIO_DEFAULTS } from './lib/defaults.ts';

const DEFAULTS = SCENARIO_DEFAULTS.lifecycle;
const scenario = defineScenario({
  name: 'lifecycle',
  defaultProfile: DEFAULTS.profile,
  thinkScale: DEFAULTS.thinkScale,
});
const { config } = scenario;

export const options: Options = optionsOnce(() => openModelOptions(config, 'lifecycle', 'lifecycle', DEFAULTS));

export function setup(): RunData {
  return scenario.setup();
}

export function lifecycle(data: RunData): void {
  scenario.iteration(data);
}

/** One whole session per iteration, for k6's own --vus/--iterations/--duration (they run `default`). */
export default lifecycle;

export function teardown(data: RunData): void {
  scenario.teardown(data);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return scenario.handleSummary(data);
}
