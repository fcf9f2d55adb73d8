// PROFILE: a preset name (`default`, `big-carts`, ...) or the path of a JSON profile file, opened in
// the init context (relative paths resolve from the bundle, so `../profiles/x.json` from dist/).
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
