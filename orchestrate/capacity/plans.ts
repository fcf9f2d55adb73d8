// The session plans of a capacity run: generated lifecycle sessions as both engines make them (the
// same planner, pools, profile and seed as the k6 session runner), think times scaled, DRY applied.
import { createPlanner } from '../../generators/planner.ts';
import { loadProfile } from '../../generators/profile-file.ts';
import { resolvePools } from '../../generators/run.ts';
import { DEFAULT_SESSION_PREFIX } from '../../model/conventions.ts';
import type { SessionPlan } from '../../model/plan.ts';
import type { ScenarioConfig } from '../../scenarios/lib/config.ts';
import { toDryPlan } from '../../scenarios/lib/dry.ts';
import { shortRandom } from '../../engine/run-id.ts';
import { scaleThinkTimes } from '../run.ts';

export interface CapacityPlans {
  /** Plan of session `index`; `filtered` counts the steps DRY leaves out. */
  plan: (index: number, filtered: (reason: string, steps: number) => void) => SessionPlan;
  profile: string;
  sessionPrefix: string;
}

export async function capacityPlans(config: ScenarioConfig, thinkScale: number): Promise<CapacityPlans> {
  const profile = await loadProfile(config.profile ?? 'default');
  const pools = await resolvePools({ seed: config.seed });
  const sessionPrefix = config.sessionPrefix ?? `${DEFAULT_SESSION_PREFIX}-${shortRandom()}`;
  const planner = createPlanner({ pools, seed: config.seed, sessionPrefix, profile });
  const maxThinkMs = config.maxThinkSeconds * 1000;
  const plan = (index: number, filtered: (reason: string, steps: number) => void): SessionPlan => {
    let p = planner.plan(index);
    if (config.dry) {
      const d = toDryPlan(p);
      if (d.skipped.length > 0) filtered('dry-not-applicable', d.skipped.length);
      p = d.plan;
    }
    return thinkScale === 1 && maxThinkMs >= 3_600_000 ? p : scaleThinkTimes(p, thinkScale, maxThinkMs);
  };
  return { plan, profile: profile.name, sessionPrefix };
}
