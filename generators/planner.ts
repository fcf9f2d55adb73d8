// The planner for a traffic profile (a preset name, a profile object, or a compiled model): it
// compiles the profile against the pools and plans with model-planner.ts. `cartload generate` and
// `cartload run` use it in Node; the k6 scenarios use the model planner with the model pools.json
// carries. Pure and k6-safe (no Node APIs, no faker).
import { createModelPlanner, type ModelPlannerOptions, type Planner } from './model-planner.ts';
import { compilePlanModel } from './plan-compile.ts';
import { poolSizes, type PlanModel } from './plan-model.ts';
import { resolveProfile, type ProfileInput, type TrafficProfile } from './profiles.ts';

export type { Planner } from './model-planner.ts';

export interface PlannerOptions extends Omit<ModelPlannerOptions, 'model'> {
  /** A resolved profile, a preset name, or a profile object over a preset; default `default`. */
  profile?: TrafficProfile | ProfileInput | string;
  /** The profile already compiled against these pools; wins over `profile`. */
  model?: PlanModel;
}

export function createPlanner(options: PlannerOptions): Planner {
  if (options.pools.products.length === 0) throw new RangeError('pools.products: must not be empty');
  if (options.pools.stores.length === 0) throw new RangeError('pools.stores: must not be empty');
  const model =
    options.model ?? compilePlanModel(resolveProfile(options.profile ?? 'default'), poolSizes(options.pools));
  return createModelPlanner({ ...options, model });
}
