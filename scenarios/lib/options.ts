// The options of the entry points: their scenario, their gate plus the user's THRESHOLDS and the
// observers, the trend stats. Built in VU 0 only (options.lazy.ts): k6 reads a script's options
// from that one init. Pure: no k6 imports.
import type { Options, Scenario } from 'k6/options';
import type { ScenarioConfig } from './config.ts';
import { openModel, type ShapeDefaults } from './load.ts';
import {
  mergeThresholds,
  observerThresholds,
  sloThresholds,
  SUMMARY_TREND_STATS,
  type Thresholds,
} from './thresholds.ts';

/**
 * The options every entry point shares: its scenarios, its gate plus the user's THRESHOLDS and the
 * observers, the trend stats.
 */
export function scenarioOptions(
  config: ScenarioConfig,
  scenarios: Record<string, Scenario>,
  gate: Thresholds,
): Options {
  return {
    scenarios,
    thresholds: mergeThresholds(gate, config.thresholds ?? {}, observerThresholds()),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: '30s',
  };
}

/** An open-model entry point's options: its one scenario `name` running `exec`, and the SLO gate. */
export function openModelOptions(config: ScenarioConfig, name: string, exec: string, defaults: ShapeDefaults): Options {
  return scenarioOptions(
    config,
    { [name]: openModel(config, exec, defaults) },
    sloThresholds(config.slo, config.checkRate),
  );
}

/** smoke: each kind once, one VU, and every check must pass. */
export function smokeOptions(config: ScenarioConfig, iterations: number): Options {
  return scenarioOptions(
    config,
    { smoke: { executor: 'shared-iterations', vus: 1, iterations, maxDuration: '2m' } },
    // The gate: every check, and the SLO per step.
    sloThresholds(config.slo, 1),
  );
}
