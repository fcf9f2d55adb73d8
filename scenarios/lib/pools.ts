// The data a VU draws sessions from, loaded once per k6 process: each member of pools.json (written
// by `cartload build` beside the bundles) becomes a SharedArray, so every VU reads the same memory
// instead of holding its own copy; and the traffic profile compiled against those pools (its
// thresholds and tables: generators/plan-model.ts), taken from the pools data for a preset or
// compiled once, in the first VU, for a profile file. Init context only (open() and SharedArray
// are not allowed later).
import { SharedArray } from 'k6/data';
import { poolSizes, readyPlanModel, type PlanModel } from '../../generators/plan-model.ts';
import { itemAttributes, itemTemplate, type ItemTexts } from '../../generators/plan-text.ts';
import { POOL_NAMES, type Pools, type Product } from '../../generators/types.ts';
import { compileProfile } from './profile.lazy.ts';

/** Relative paths resolve from the bundle (dist/), where `cartload build` writes pools.json. */
export const DEFAULT_POOLS_PATH = './pools.json';

export interface ScenarioData {
  pools: Pools;
  /** The cart items' templates, one per product: plans carry their bodies as text. */
  itemTexts: ItemTexts;
  /** The compiled profile, read on first use (an idle VU holds none of it). */
  model(): PlanModel & { tables: Float64Array };
}

export function loadData(path: string, profile: string): ScenarioData {
  // SharedArray runs each callback once per process; the file is read and parsed once for all.
  let parsed: Record<string, unknown> | undefined;
  const file = (): Record<string, unknown> => {
    if (parsed !== undefined) return parsed;
    let text: string;
    try {
      text = open(path);
    } catch (err) {
      throw new Error(`cartload: cannot open the pools file ${path} (POOLS): ${String(err)}. Run \`npm run build\` first: it writes dist/pools.json beside the bundles.`, {
        cause: err,
      });
    }
    try {
      return (parsed = JSON.parse(text) as Record<string, unknown>);
    } catch (err) {
      throw new Error(`cartload: the pools file ${path} is not valid JSON: ${String(err)}`, { cause: err });
    }
  };
  const member = (name: string): unknown[] => {
    const value = file()[name];
    if (!Array.isArray(value)) throw new Error(`cartload: the pools file ${path} has no array "${name}"`);
    return value;
  };
  const arrays: Record<string, ArrayLike<unknown>> = {};
  for (const name of POOL_NAMES) arrays[name] = new SharedArray(`cartload:${name}`, () => member(name));
  const pools = arrays as unknown as Pools;
  // Built from the catalog once per test, shared like the pools: a cart item is then one string,
  // not a product object parsed from the SharedArray.
  const products = (): Product[] => member('products') as Product[];
  const itemTexts: ItemTexts = {
    templates: new SharedArray('cartload:itemTemplates', () => products().map(itemTemplate)),
    attributes: new SharedArray('cartload:itemAttributes', () => products().map(itemAttributes)),
  };
  const compiled = new SharedArray(`cartload:planModel:${profile}`, () => [modelFor(profile, file().planModels, pools)]);
  parsed = undefined;
  let model: (PlanModel & { tables: Float64Array }) | undefined;
  return { pools, itemTexts, model: () => (model ??= readyPlanModel(compiled[0] as PlanModel)) };
}

/** A preset's model as `cartload build` compiled it for these pools, or the profile compiled now. */
function modelFor(profile: string, shipped: unknown, pools: Pools): PlanModel {
  const sizes = poolSizes(pools);
  // A file's path never names a preset, so a name found there is the preset's.
  if (Array.isArray(shipped)) {
    for (const m of shipped as PlanModel[]) {
      if (m.name === profile && m.sizes.length === sizes.length && m.sizes.every((n, i) => n === sizes[i])) return m;
    }
  }
  // A profile file, or pools without the compiled presets (a POOLS file of your own).
  return compileProfile(profile, sizes);
}
