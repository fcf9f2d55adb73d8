// The session plans of a capacity run: generated lifecycle sessions as both engines make them (the
// same planner, pools, profile and seed as the k6 session runner), think times scaled, DRY applied.
import { createPlanner } from '../../generators/planner.ts';
import { editProfile } from '../../generators/profile-edit.ts';
import { loadProfile } from '../../generators/profile-file.ts';
import type { TrafficProfile } from '../../generators/profiles.ts';
import { resolvePools } from '../../generators/run.ts';
import { DEFAULT_SESSION_PREFIX } from '../../model/conventions.ts';
import type { SessionPlan } from '../../model/plan.ts';
import type { ScenarioConfig } from '../../scenarios/lib/config.ts';
import { applyRateScale } from '../../scenarios/lib/rate-scale.ts';
import { toDryPlan } from '../../scenarios/lib/dry.ts';
import { shortRandom } from '../../engine/run-id.ts';
import { scaleThinkTimes } from '../run.ts';

export interface CapacityPlans {
  /** Plan of session `index`; `filtered` counts the steps DRY leaves out. */
  plan: (index: number, filtered: (reason: string, steps: number) => void) => SessionPlan;
  profile: string;
  sessionPrefix: string;
}

/**
 * The profile a capacity run plans from, as the k6 scenario resolves it: PROFILE (a preset or a
 * file, a learned one included) with PROFILE_SET's edits; the arrival-curve variables are refused
 * (parseConfig refuses RATE_SCALE for capacity, applyRateScale CURVE_SPEED and DAY_START without it).
 */
export async function capacityProfile(config: ScenarioConfig): Promise<TrafficProfile> {
  return applyRateScale(config, editProfile(await loadProfile(config.profile ?? 'default'), config.profileSet ?? []))
    .profile;
}

export async function capacityPlans(
  config: ScenarioConfig,
  thinkScale: number,
  resolved?: TrafficProfile,
): Promise<CapacityPlans> {
  const profile = resolved ?? (await capacityProfile(config));
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
