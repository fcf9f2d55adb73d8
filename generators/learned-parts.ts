// What a learned (version-2) profile adds to a planner, read from its compiled model
// (plan-model.ts): count tables, think times per pair of steps, the catalog's learned prices and
// categories, repeat visits (whose permutation depends on the seed). The presets have none of it,
// so it loads lazily (learned-parts.lazy.ts): in k6, only the VUs that plan a learned profile
// create its functions and objects. Pure and k6-safe.
import type { CartItem } from '../model/api.ts';
import { STEP_NAMES } from '../model/plan.ts';
import type { PlanModel } from './plan-model.ts';
import { Table, type QuantileTable, type Rng, type ThinkTimes } from './random.ts';
import { RepeatVisits } from './repeat-visits.ts';

/**
 * Learned think times per pair of steps: 64 offsets (from × 8 + to, in STEP_NAMES order) of
 * QuantileTable layouts in the buffer, -1 where the pair has none and `common` serves.
 */
class PairQuantiles implements ThinkTimes {
  declare private readonly data: Float64Array;
  declare private readonly index: number;
  declare private readonly common: QuantileTable;

  constructor(data: Float64Array, index: number, common: QuantileTable) {
    this.data = data;
    this.index = index;
    this.common = common;
  }

  draw(rng: Rng, steps: readonly { step: string }[], next: string): number {
    const from = (STEP_NAMES as readonly string[]).indexOf((steps[steps.length - 1] as { step: string }).step);
    const at = this.data[this.index + from * 8 + (STEP_NAMES as readonly string[]).indexOf(next)] as number;
    if (at < 0) return this.common.draw(rng);
    // QuantileTable's draw, from the pair's quantiles.
    const u = rng.u32();
    const b = at + (u >>> 24);
    const lo = this.data[b] as number;
    const hi = this.data[b + 1] as number;
    return lo + Math.floor(((hi - lo) * (u & 0xffffff)) / 16777216);
  }
}

export class LearnedParts {
  /** Codes per session with coupons (1..), updates, dry checks, return requests (from their minimum): absent means uniform. */
  declare readonly couponCounts: Table | undefined;
  declare readonly updateCounts: Table | undefined;
  declare readonly checkCounts: Table | undefined;
  declare readonly returnCounts: Table | undefined;
  /** Think times per pair of steps, or undefined for the model's one table. */
  declare readonly think: ThinkTimes | undefined;
  declare readonly repeat: RepeatVisits | undefined;
  /** Whether items take learned prices or categories. */
  declare readonly labelled: boolean;
  declare private readonly data: Float64Array;
  declare private readonly prices: number;
  declare private readonly categories: number;
  declare private readonly names: readonly string[];

  constructor(m: PlanModel & { tables: Float64Array }, seedHash: number, think: QuantileTable) {
    const data = m.tables;
    const table = (at: number | undefined): Table | undefined => (at === undefined ? undefined : new Table(data, at));
    this.data = data;
    this.couponCounts = table(m.couponCounts);
    this.updateCounts = table(m.updateCounts);
    this.checkCounts = table(m.checkCounts);
    this.returnCounts = table(m.returnCounts);
    this.think = m.thinkBy === undefined ? undefined : new PairQuantiles(data, m.thinkBy, think);
    this.repeat = m.repeat === undefined ? undefined : new RepeatVisits(data, m.repeat, seedHash);
    this.prices = m.prices ?? -1;
    this.categories = m.categories ?? -1;
    this.names = m.categoryNames ?? [];
    this.labelled = this.prices >= 0 || this.categories >= 0;
  }

  /** The item of product `rank` with its learned price and category (object plans). */
  labelItem(item: CartItem, rank: number): void {
    if (this.prices >= 0) item.price = (this.data[this.prices + rank] as number) / 100;
    if (this.categories >= 0) item.category = this.names[this.data[this.categories + rank] as number] as string;
  }

  /**
   * Product `rank`'s item template (plan-text.ts) with its learned price and category: byte for
   * byte the JSON of labelItem's item (same keys, same order). A key with its quote can only be
   * found outside a JSON string (a quote inside one is escaped), so the first `,"price":` is the key's.
   */
  labelTemplate(template: string, rank: number): string {
    const p = template.indexOf(',"price":');
    const c = template.indexOf(',"category":', p);
    const q = template.indexOf(',"quantity":', c);
    const price =
      this.prices >= 0 ? JSON.stringify((this.data[this.prices + rank] as number) / 100) : template.slice(p + 9, c);
    const category =
      this.categories >= 0
        ? JSON.stringify(this.names[this.data[this.categories + rank] as number])
        : template.slice(c + 12, q);
    return `${template.slice(0, p)},"price":${price},"category":${category}${template.slice(q)}`;
  }
}

/** A learned model's parts for one planner (one seed). */
export function learnedParts(
  m: PlanModel & { tables: Float64Array },
  seedHash: number,
  think: QuantileTable,
): LearnedParts {
  return new LearnedParts(m, seedHash, think);
}
