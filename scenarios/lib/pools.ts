// The data pools, loaded once per k6 process: each member of pools.json (written by `cartload
// build` beside the bundles) becomes a SharedArray, so every VU reads the same memory instead of
// holding its own copy. Init context only (open() and SharedArray are not allowed later).
import { SharedArray } from 'k6/data';
import { POOL_NAMES, type Pools } from '../../generators/types.ts';

/** Relative paths resolve from the bundle (dist/), where `cartload build` writes pools.json. */
export const DEFAULT_POOLS_PATH = './pools.json';

export function loadPools(path: string = DEFAULT_POOLS_PATH): Pools {
  // SharedArray runs each callback once per process; the file is read and parsed once for all.
  let parsed: Record<string, unknown> | undefined;
  const member = (name: string): unknown[] => {
    if (parsed === undefined) {
      let text: string;
      try {
        text = open(path);
      } catch (err) {
        throw new Error(`cartload: cannot open the pools file ${path} (POOLS): ${String(err)}. Run \`npm run build\` first: it writes dist/pools.json beside the bundles.`, {
          cause: err,
        });
      }
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch (err) {
        throw new Error(`cartload: the pools file ${path} is not valid JSON: ${String(err)}`, { cause: err });
      }
    }
    const value = parsed[name];
    if (!Array.isArray(value)) throw new Error(`cartload: the pools file ${path} has no array "${name}"`);
    return value;
  };
  const pools: Record<string, ArrayLike<unknown>> = {};
  for (const name of POOL_NAMES) pools[name] = new SharedArray(`cartload:${name}`, () => member(name));
  parsed = undefined;
  return pools as unknown as Pools;
}
