// capacity: a stepped ramping arrival rate (RATE, RATE+RATE_STEP, ... for STEPS steps of
// STEP_DURATION each) that raises the load until the SLO breaks. Every request, check and session
// is tagged `stage` with the rate of the step in which its session started (`ramp` between steps),
// and `half` with the half of that step's hold, and handleSummary reports each step and the highest
// sustainable rate. The SLO is measured, not enforced: a capacity run that finds the limit succeeds
// (only the checks of the whole run gate it). `cartload capacity --engine k6` runs it once per probe:
// one step (STEPS=1) after a WARMUP at its rate.
//   k6 run -e RATE=10 -e RATE_STEP=10 -e STEPS=8 -e STEP_DURATION=2m dist/capacity.js
import exec from 'k6/execution';
import { Counter, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { capacitySummary } from './lib/capacity.ts';
import { capacityScenario, capacitySteps, capacityTagsAt, scheduledStartMs, vusFor } from './lib/load.ts';
import { defineScenario, optionsOnce, scenarioOptions } from './lib/scenario.ts';
import type { RunData } from './lib/setup.ts';
import type { K6SummaryData } from './lib/k6-summary.ts';
import { METRICS } from './lib/metric-names.ts';
import { stageObservers } from './lib/thresholds.ts';

// Answers counted by the step in whose time they came: what the target served in each hold.
const answered = new Counter(METRICS.answered);
// How late each session started against the executor's schedule: the load generator's own health.
const startLag = new Trend(METRICS.startLag, true);

const scenario = defineScenario({
  name: 'capacity',
  ownLoadShape: true,
  defaultProfile: 'default',
  thinkScale: 1,
  onAnswer: () => answered.add(1, { answered_in: capacityTagsAt(steps, Date.now() - exec.scenario.startTime).stage }),
  extraSummary: (data: K6SummaryData) =>
    capacitySummary(data, steps, scenario.config, {
      maxVUs: vusFor(scenario.config, Math.max(...steps.map((s) => s.rate))).maxVUs,
    }),
});
const { config } = scenario;
const start = config.rate ?? 5;
const steps = capacitySteps(
  start,
  config.rateStep ?? start,
  config.steps ?? 6,
  config.stepDuration ?? '1m',
  config.ramp ?? '10s',
  config.warmup,
);

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
  const elapsed = Date.now() - exec.scenario.startTime;
  const tags = capacityTagsAt(steps, elapsed);
  exec.vu.metrics.tags.stage = tags.stage;
  if (tags.half) exec.vu.metrics.tags.half = tags.half;
  else delete exec.vu.metrics.tags.half;
  startLag.add(Math.max(0, elapsed - scheduledStartMs(steps, exec.scenario.iterationInTest)));
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
