// capacity: a stepped ramping arrival rate (RATE, RATE+RATE_STEP, ... for STEPS steps of
// STEP_DURATION each) that raises the load until the SLO breaks. Every request, check and session
// is tagged `stage` with the rate of the step in which its session started (`ramp` between steps),
// and handleSummary reports each step and the highest sustainable rate. The SLO is measured, not
// enforced: a capacity run that finds the limit succeeds (only the checks of the whole run gate it).
//   k6 run -e RATE=10 -e RATE_STEP=10 -e STEPS=8 -e STEP_DURATION=2m dist/capacity.js
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { capacitySummary } from './lib/capacity.ts';
import { capacityScenario, capacitySteps, stageAt } from './lib/load.ts';
import { defineScenario, optionsOnce, scenarioOptions } from './lib/scenario.ts';
import type { RunData } from './lib/setup.ts';
import type { K6SummaryData } from './lib/k6-summary.ts';
import { stageObservers } from './lib/thresholds.ts';

const scenario = defineScenario({
  name: 'capacity',
  ownLoadShape: true,
  defaultProfile: 'default',
  thinkScale: 1,
  extraSummary: (data: K6SummaryData) => capacitySummary(data, steps, scenario.config.slo),
});
const { config } = scenario;
const start = config.rate ?? 5;
const steps = capacitySteps(start, config.rateStep ?? start, config.steps ?? 6, config.stepDuration ?? '1m', config.ramp ?? '10s');

export const options: Options = optionsOnce(() =>
  scenarioOptions(
    config,
    { capacity: capacityScenario(config, steps, 'capacity') },
    // Only the checks gate a capacity run: finding where the SLO breaks is its purpose.
    { checks: [`rate>=${config.checkRate}`], ...stageObservers(steps.map((s) => s.rate)) },
  ),
);

export function setup(): RunData {
  return scenario.setup();
}

export function capacity(data: RunData): void {
  // Tags every metric this VU emits from here on, until its next session.
  exec.vu.metrics.tags.stage = stageAt(steps, Date.now() - exec.scenario.startTime);
  scenario.iteration(data);
}

/** One whole session per iteration, untagged by stage, for k6's own --vus/--iterations/--duration. */
export default function (data: RunData): void {
  scenario.iteration(data);
}

export function teardown(data: RunData): void {
  scenario.teardown(data);
}

export function handleSummary(data: K6SummaryData): Record<string, string> {
  return scenario.handleSummary(data);
}
