// big-carts: B2B-sized carts (hundreds to 1000 items, the API's limit) at a low rate: payload size,
// rule evaluation over many items, and answer size, rather than request rate.
//   k6 run -e RATE=1 -e DURATION=5m dist/big-carts.js
import type { Options } from 'k6/options';
import { defineScenario, openModelOptions, optionsOnce } from './lib/scenario.ts';
import type { RunData } from './lib/setup.ts';
import type { K6SummaryData } from './lib/k6-summary.ts';
import { SCENARIO_DEFAULTS } from './lib/defaults.ts';

const DEFAULTS = SCENARIO_DEFAULTS['big-carts'];
const scenario = defineScenario({
  name: 'big-carts',
  defaultProfile: DEFAULTS.profile,
  thinkScale: DEFAULTS.thinkScale,
});
const { config } = scenario;

export const options: Options = optionsOnce(() => openModelOptions(config, 'big_carts', 'bigCarts', DEFAULTS));

export function setup(): RunData {
  return scenario.setup();
}

export function bigCarts(data: RunData): void {
  scenario.iteration(data);
}

/** One whole session per iteration, for k6's own --vus/--iterations/--duration (they run `default`). */
export default bigCarts;

export function teardown(data: RunData): void {
  scenario.teardown(data);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return scenario.handleSummary(data);
}
