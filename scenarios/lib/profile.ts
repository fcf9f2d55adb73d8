// PROFILE: a preset name (`default`, `big-carts`, ...) or the path of a JSON profile file, opened in
// the init context (relative paths resolve from the bundle, so `./profile.json` beside it), with
// PROFILE_SET's what-if edits and a RATE_SCALE run's arrival curve applied, and compiled against
// the pools. Loaded lazily (profile.lazy.ts): only the first VU does it, once per test, and only
// for what pools.json does not carry compiled (a profile file, edits, a RATE_SCALE run).
import { compilePlanModel } from '../../generators/plan-compile.ts';
import type { PlanModel } from '../../generators/plan-model.ts';
import { editProfile } from '../../generators/profile-edit.ts';
import { ProfileError, resolveProfile, type ProfileInput, type TrafficProfile } from '../../generators/profiles.ts';
import { ConfigError, type ScenarioConfig } from './config.ts';
import { applyRateScale, type RunShape } from './rate-scale.ts';

/** The profile `name` names, with these what-if edits applied (PROFILE_SET). */
export function loadProfile(name: string, edits: readonly string[] = []): TrafficProfile {
  const isFile = /\.json$/i.test(name) || name.includes('/');
  let input: string | ProfileInput = name;
  if (isFile) {
    let text: string;
    try {
      text = open(name);
    } catch (err) {
      throw new ConfigError('PROFILE', `names a file that cannot be opened (${name}): ${String(err)}`);
    }
    try {
      input = JSON.parse(text) as ProfileInput;
    } catch (err) {
      throw new ConfigError('PROFILE', `file ${name} is not valid JSON: ${String(err)}`);
    }
  }
  let profile: TrafficProfile;
  try {
    profile = resolveProfile(input);
  } catch (err) {
    throw new ConfigError('PROFILE', `${isFile ? `file ${name}` : JSON.stringify(name)}: ${(err as Error).message}`);
  }
  try {
    return editProfile(profile, edits);
  } catch (err) {
    if (err instanceof ProfileError) throw new ConfigError('PROFILE_SET', err.message);
    throw err;
  }
}

/** What the first VU compiles for all: the model every VU plans from, and a RATE_SCALE run's shape. */
export interface CompiledProfile {
  model: PlanModel;
  shape?: RunShape;
}

/**
 * The profile PROFILE names (else `name`'s preset) with the run's edits and RATE_SCALE shape (a
 * RATE_SCALE run scales the profile's repeat visits too), compiled against pools of these sizes:
 * what the Node engine plans from for the same variables.
 */
export function compileProfile(config: ScenarioConfig, name: string, sizes: number[]): CompiledProfile {
  const shaped = applyRateScale(config, loadProfile(name, config.profileSet ?? []));
  const model = compilePlanModel(shaped.profile, sizes);
  return shaped.shape ? { model, shape: shaped.shape } : { model };
}
