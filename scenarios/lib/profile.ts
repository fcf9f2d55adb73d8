// PROFILE: a preset name (`default`, `big-carts`, ...) or the path of a JSON profile file, opened in
// the init context (relative paths resolve from the bundle, so `../profiles/x.json` from dist/),
// and compiled against the pools. Loaded lazily (profile.lazy.ts): only the first VU does it, and
// only for a profile that pools.json does not carry compiled.
import { compilePlanModel } from '../../generators/plan-compile.ts';
import type { PlanModel } from '../../generators/plan-model.ts';
import { resolveProfile, type ProfileInput, type TrafficProfile } from '../../generators/profiles.ts';
import { ConfigError } from './config.ts';

export function loadProfile(name: string): TrafficProfile {
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
  try {
    return resolveProfile(input);
  } catch (err) {
    throw new ConfigError('PROFILE', `${isFile ? `file ${name}` : JSON.stringify(name)}: ${(err as Error).message}`);
  }
}

/** The profile named by PROFILE, compiled against pools of these sizes. */
export function compileProfile(name: string, sizes: number[]): PlanModel {
  return compilePlanModel(loadProfile(name), sizes);
}
