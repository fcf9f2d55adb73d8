// Writes dist/pools.json beside the bundles: seeded pools built in Node with faker (the bundles
// carry none of it), or a user's own pools file, validated first so a bad file fails the build
// rather than every VU at init; and, with them, every preset profile compiled against those pools
// (planModels), which each k6 VU reads instead of building the profile and its tables itself.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildError } from './errors.ts';
import type { Pools } from '../generators/types.ts';
import { buildPools, poolsText, readPools } from '../generators/pools.ts';
import { writeOutputText } from '../io/output.ts';
import { compilePlanModel } from '../generators/plan-compile.ts';
import { poolSizes } from '../generators/plan-model.ts';
import { PRESET_NAMES, PRESETS } from '../generators/profiles.ts';

/** The file name the scenarios open relative to their bundle. */
export const POOLS_FILE = 'pools.json';

export interface PoolsReport {
  file: string;
  bytes: number;
  source: 'generated' | 'file';
  /** The seed, for generated pools. */
  seed?: number;
  /** The file the pools came from, for user pools. */
  from?: string;
  /** Entries per pool. */
  sizes: Record<string, number>;
}

/**
 * The text of generated pools (1.6 MB at the default sizes) with their plan models, by the pools
 * buildPools keeps for the process: a process that builds for one seed again (a library caller,
 * a test) writes the same frozen pools and serialises them once.
 */
const generatedTexts = new WeakMap<Pools, string>();

export async function writeBundlePools(options: { outDir: string; seed: number; from?: string }): Promise<PoolsReport> {
  const file = join(options.outDir, POOLS_FILE);
  let pools: Pools;
  try {
    pools = options.from ? await readPools(options.from) : buildPools({ seed: options.seed });
  } catch (err) {
    if (!options.from) throw err;
    throw new BuildError([err instanceof Error ? err.message : String(err)]);
  }
  let text = generatedTexts.get(pools);
  if (text === undefined) {
    text = poolsTextWithModels(pools);
    if (!options.from) generatedTexts.set(pools, text);
  }
  await writeOutputText(file, text, 'pools file');
  const sizes: Record<string, number> = {};
  for (const [name, pool] of Object.entries(pools)) sizes[name] = (pool as ArrayLike<unknown>).length;
  const bytes = (await stat(file)).size;
  return options.from
    ? { file, bytes, source: 'file', from: options.from, sizes }
    : { file, bytes, source: 'generated', seed: options.seed, sizes };
}

function poolsTextWithModels(pools: Pools): string {
  const counts = poolSizes(pools);
  return poolsText(pools, {
    planModels: PRESET_NAMES.map((name) =>
      compilePlanModel(PRESETS[name] as NonNullable<(typeof PRESETS)[string]>, counts),
    ),
  });
}
