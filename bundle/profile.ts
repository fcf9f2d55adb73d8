// Writes dist/profile.json beside the bundles and pools: a profile file (hand-written or learned
// by `cartload learn`), validated and resolved in Node, so that the scenarios open it with
// PROFILE=./profile.json as they open pools.json, and a bad file fails the build rather than every
// VU at init. Presets need no file: they are in the bundles.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from './errors.ts';
import { loadProfile } from '../generators/profile-file.ts';
import { PROFILE_VERSION, ProfileError } from '../generators/profiles.ts';

/** The file name the scenarios open relative to their bundle (PROFILE=./profile.json). */
export const PROFILE_FILE = 'profile.json';

export interface ProfileReport {
  file: string;
  from: string;
  name: string;
}

export async function writeBundleProfile(options: { outDir: string; from: string }): Promise<ProfileReport> {
  let resolved;
  try {
    resolved = await loadProfile(options.from);
  } catch (err) {
    if (err instanceof ProfileError) throw new BuildError([err.message]);
    throw err;
  }
  const file = join(options.outDir, PROFILE_FILE);
  await mkdir(options.outDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  // Complete and explicit: the scenarios resolve it over `default` and get exactly this profile.
  await writeFile(tmp, `${JSON.stringify({ version: PROFILE_VERSION, ...resolved }, null, 1)}\n`);
  await rename(tmp, file);
  return { file, from: options.from, name: resolved.name };
}
