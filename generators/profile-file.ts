// Loads a traffic profile from a preset name or a JSON file (Node only); errors name the file and field.
import { readFile } from 'node:fs/promises';
import { PRESETS, ProfileError, resolveProfile, type TrafficProfile } from './profiles.ts';

/** A preset by name, else a JSON profile file (any subset of fields over `extends`, default `default`). */
export async function loadProfile(fileOrPreset: string): Promise<TrafficProfile> {
  const preset = PRESETS[fileOrPreset];
  if (preset) return preset;
  let text: string;
  try {
    text = await readFile(fileOrPreset, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ProfileError(
      code === 'ENOENT'
        ? `--profile ${fileOrPreset}: neither a preset (${Object.keys(PRESETS).join(', ')}) nor a file`
        : `${fileOrPreset}: cannot read (${code ?? (err as Error).message})`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProfileError(`${fileOrPreset}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return resolveProfile(value as Parameters<typeof resolveProfile>[0]);
  } catch (err) {
    if (err instanceof ProfileError) throw new ProfileError(`${fileOrPreset}: ${err.message}`);
    throw err;
  }
}
