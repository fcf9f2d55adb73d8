// PROFILE: a preset name (`default`, `big-carts`, ...) or the path of a JSON profile file, opened in
// the init context (relative paths resolve from the bundle, so `../profiles/x.json` from dist/).
import { ProfileError, resolveProfile, type ProfileInput, type TrafficProfile } from '../../generators/profiles.ts';
import { editProfile } from '../../generators/profile-edit.ts';
import { ConfigError } from './config.ts';

/** The profile PROFILE names (else `fallback`), with PROFILE_SET's what-if edits applied. */
export function loadProfile(value: string | undefined, fallback: string, edits: readonly string[] = []): TrafficProfile {
  const name = value ?? fallback;
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
