// The planner: session plans from pools + a compiled traffic profile (PlanModel) + a seed, one
// index at a time. Pure and k6-safe (no Node APIs, no faker): the k6 scenarios bundle it (with the
// model read from pools.json) and call plan() once per iteration; planner.ts compiles a profile
// first, for Node. plan(i) depends only on (pools, profile, seed, sessionPrefix, i): any VU, shard
// or process can make session i alone, and the same inputs give byte-identical JSON in Node and k6.
import { DEFAULT_SESSION_PREFIX } from '../model/conventions.ts';
import { LIMITS } from '../model/limits.ts';
import { LIFECYCLE_KINDS, type GeneratedKind, type SessionPlan } from '../model/plan.ts';
import { Assembler } from './assemble.ts';
import { buildPlan } from './lifecycle.ts';
import { poolSizes, readyPlanModel, type PlanModel } from './plan-model.ts';
import type { ItemTexts } from './plan-text.ts';
import { rngFor } from './random.ts';
import type { Pools } from './types.ts';
import { hashString } from '../model/hash.ts';

export interface ModelPlannerOptions {
  pools: Pools;
  /** The profile compiled against these pools (plan-compile.ts; k6 reads it from pools.json): its sizes must be the pools'. */
  model: PlanModel;
  /**
   * Plan bodies as JSON text (PlanStep.bodyText, byte for byte JSON.stringify of the objects),
   * with cart items from these texts of the products instead of the product objects: what k6 VUs
   * hold (see plan-text.ts).
   */
  itemTexts?: ItemTexts;
  seed: number | string;
  /** Namespaces the session and guest profile IDs (`<prefix>-<seed>-<index>`); default `cartload`. */
  sessionPrefix?: string;
}

export interface Planner {
  /** The profile's name. */
  readonly profileName: string;
  readonly seed: string;
  /**
   * The plan of session `index` (a non-negative safe integer). `kind` forces the lifecycle (every
   * other draw stays as it would be): a scenario that cycles through the kinds needs one planner, not one per kind.
   */
  plan(index: number, kind?: GeneratedKind): SessionPlan;
  /** The session ID that plan(index) uses, without building the plan. */
  sessionId(index: number): string;
}

/** Keeps session IDs well inside the API's 1000-character limit whatever the index. */
const MAX_NAME_LENGTH = 200;

export function createModelPlanner(options: ModelPlannerOptions): Planner {
  const model = options.model;
  const sizes = poolSizes(options.pools);
  if (model.sizes.length !== sizes.length || model.sizes.some((n, i) => n !== sizes[i])) {
    throw new RangeError(
      `model: compiled for pools of sizes ${model.sizes.join(', ')}, given pools of sizes ${sizes.join(', ')}`,
    );
  }
  const seed = String(options.seed);
  const prefix = options.sessionPrefix ?? DEFAULT_SESSION_PREFIX;
  if (seed.length === 0 || seed.length > MAX_NAME_LENGTH)
    throw new RangeError(`seed: must be 1 to ${MAX_NAME_LENGTH} characters`);
  if (prefix.length === 0 || prefix.length > MAX_NAME_LENGTH)
    throw new RangeError(`sessionPrefix: must be 1 to ${MAX_NAME_LENGTH} characters`);
  if (prefix.length + seed.length + 20 > LIMITS.maxSessionIdLength)
    throw new RangeError('sessionPrefix + seed: too long for a session ID');
  const asm = new Assembler(options.pools, readyPlanModel(model), seed, prefix, options.itemTexts);
  const kinds = asm.kinds;
  const seedHash = hashString(seed);
  const sessionId = (index: number): string => `${prefix}-${seed}-${index}`;

  return {
    profileName: model.name,
    seed,
    sessionId,
    plan(index: number, kind?: GeneratedKind): SessionPlan {
      if (!Number.isSafeInteger(index) || index < 0)
        throw new RangeError(`plan index: must be a non-negative safe integer, got ${index}`);
      if (kind !== undefined && !(LIFECYCLE_KINDS as readonly string[]).includes(kind))
        throw new RangeError(`plan kind: must be one of ${LIFECYCLE_KINDS.join(', ')}, got ${String(kind)}`);
      const rng = rngFor(seedHash, 0, index);
      const drawn = LIFECYCLE_KINDS[kinds.draw(rng)] as GeneratedKind;
      return buildPlan(asm, rng, index, kind ?? drawn, sessionId(index));
    },
  };
}
