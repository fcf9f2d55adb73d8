// dry-run: the profile's sessions with every write sent as dry=true: evaluated by the rule engine,
// never stored, left out of analytics. The scenario for what-if traffic against a real deployment.
// Steps that cannot be dry (reopen; cancel, returns and reads of a session never stored) are left
// out and counted in cartload_dry_skipped_steps.
//   k6 run -e TALON_BASE_URL=https://yourbaseurl.talon.one -e TALON_API_KEY=... dist/dry-run.js
import type { Options } from 'k6/options';
import { defineScenario, openModelOptions, optionsOnce } from './lib/scenario.ts';
import type { RunData } from './lib/setup.ts';
import type { K6SummaryData } from './lib/k6-summary.ts';
import { SCENARIO_DEFAULTS } from './lib/defaults.ts';

const DEFAULTS = SCENARIO_DEFAULTS['dry-run'];
const scenario = defineScenario({
  name: 'dry-run',
  defaultProfile: DEFAULTS.profile,
  thinkScale: DEFAULTS.thinkScale,
  forceDry: DEFAULTS.forceDry,
});
const { config } = scenario;

export const options: Options = optionsOnce(() => openModelOptions(config, 'dry_run', 'dryRun', DEFAULTS));

export function setup(): RunData {
  return scenario.setup();
}

export function dryRun(data: RunData): void {
  scenario.iteration(data);
}

/** One whole session per iteration, for k6's own --vus/--iterations/--duration (they run `default`). */
export default dryRun;

export function teardown(data: RunData): void {
  scenario.teardown(data);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return scenario.handleSummary(data);
}
