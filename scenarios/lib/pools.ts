// The data a VU draws sessions from, loaded once per k6 process: each member of pools.json (written
// by `cartload build` beside the bundles) becomes a SharedArray, so every VU reads the same memory
// instead of holding its own copy; and the traffic profile compiled against those pools (its
// thresholds and tables: generators/plan-model.ts), taken from the pools data for a preset or
// compiled once, in the first VU, for a profile file (a learned one included), what-if edits or a
// RATE_SCALE run. Init context only (open() and SharedArray are not allowed later).
import { SharedArray } from 'k6/data';
import { poolSizes, readyPlanModel, type PlanModel } from '../../generators/plan-model.ts';
import { itemAttributes, itemTemplate, type ItemTexts } from '../../generators/plan-text.ts';
import { POOL_NAMES, type Pools, type Product } from '../../generators/types.ts';
import type { ScenarioConfig } from './config.ts';
import type { CompiledProfile } from './profile.ts';
import { compileProfile } from './profile.lazy.ts';
import type { RunShape } from './rate-scale.ts';

/** Relative paths resolve from the bundle (dist/), where `cartload build` writes pools.json. */
export const DEFAULT_POOLS_PATH = './pools.json';

export interface ScenarioData {
  pools: Pools;
  /** The cart items' templates, one per product: plans carry their bodies as text. */
  itemTexts: ItemTexts;
  /** The compiled profile, read on first use (an idle VU holds none of it). */
  model(): PlanModel & { tables: Float64Array };
  /** A RATE_SCALE run's load shape, worked out with the model (undefined without RATE_SCALE). */
  shape(): RunShape | undefined;
}

/** The pools at config.poolsPath, and `profile` (PROFILE, or the scenario's preset) compiled for the run's configuration. */
export function loadData(config: ScenarioConfig, profile: string): ScenarioData {
  const path = config.poolsPath;
  // SharedArray runs each callback once per process; the file is read and parsed once for all.
  let parsed: Record<string, unknown> | undefined;
  const file = (): Record<string, unknown> => {
    if (parsed !== undefined) return parsed;
    let text: string;
    try {
      text = open(path);
    } catch (err) {
      throw new Error(
        `cartload: cannot open the pools file ${path} (POOLS): ${String(err)}. Run \`npm run build\` first: it writes dist/pools.json beside the bundles.`,
        {
          cause: err,
        },
      );
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
  // One element, or two with a RATE_SCALE run's shape: [model, shape].
  const compiled = new SharedArray(`cartload:planModel:${profile}`, () => {
    const c = modelFor(config, profile, file().planModels, pools);
    return c.shape ? [c.model, c.shape] : [c.model];
  });
  parsed = undefined;
  let model: (PlanModel & { tables: Float64Array }) | undefined;
  return {
    pools,
    itemTexts,
    model: () => (model ??= readyPlanModel(compiled[0] as PlanModel)),
    shape: () => (compiled.length > 1 ? (compiled[1] as RunShape) : undefined),
  };
}

/** A preset's model as `cartload build` compiled it for these pools, or the profile compiled now. */
function modelFor(config: ScenarioConfig, profile: string, shipped: unknown, pools: Pools): CompiledProfile {
  const sizes = poolSizes(pools);
  // Edits and the arrival-curve variables change (or check) the profile: compiled now.
  const asIs =
    config.profileSet === undefined &&
    config.rateScale === undefined &&
    config.curveSpeed === undefined &&
    config.dayStartMinute === undefined;
  // A file's path never names a preset, so a name found there is the preset's.
  if (asIs && Array.isArray(shipped)) {
    for (const m of shipped as PlanModel[]) {
      if (m.name === profile && m.sizes.length === sizes.length && m.sizes.every((n, i) => n === sizes[i]))
        return { model: m };
    }
  }
  // A profile file, a run that edits or shapes it, or pools without the compiled presets (a POOLS file of your own).
  return compileProfile(config, profile, sizes);
}
