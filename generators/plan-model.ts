// A traffic profile compiled against the pools it draws from: every threshold, table and number
// the assembly and the lifecycles use, in one JSON-able object whose tables share one buffer.
// It depends on the profile and the pools' sizes only, never on a VU, a seed or a session, so
// `cartload build` compiles the presets into pools.json and a k6 VU reads its profile's model from
// there (one SharedArray element: one object and one typed array per VU) instead of building the
// profile, its tables and their objects itself (plan-compile.ts compiles one). Pure and k6-safe.
import type { ResponseContent } from '../model/limits.ts';
import { POOL_NAMES, type Pools } from './types.ts';

export interface PlanModel {
  /** The profile's name. */
  name: string;
  /** The pool sizes it was compiled for, in POOL_NAMES order: other pools need another model. */
  sizes: number[];
  /** Distinct items a cart holds at least, and at most (the item limit, or the catalog when smaller). */
  itemsMin: number;
  maxDistinct: number;
  /** Send the products' catalog attributes as cart item attributes. */
  itemAttributes: boolean;
  /** Thresholds of the per-session chances (see chance()). */
  guestT: number;
  couponT: number;
  invalidCouponT: number;
  referralT: number;
  invalidReferralT: number;
  loyaltyT: number;
  identifiersT: number;
  shippingT: number;
  removeT: number;
  quantityT: number;
  getT: number;
  halfT: number;
  itemShareT: number;
  couponsMax: number;
  identifiersMax: number;
  campaignsMin: number;
  campaignsMax: number;
  checksMin: number;
  checksMax: number;
  updatesMin: number;
  updatesMax: number;
  openShare: number;
  returnRequestsMin: number;
  returnRequestsMax: number;
  returnItemShare: number;
  shippingPrices: number[];
  /** responseContent of updates, and of returns (only what a return may ask for); absent when none. */
  responseContent?: ResponseContent[];
  returnResponseContent?: ResponseContent[];
  /** Where each table starts in `tables`: lifecycle kinds, cart sizes, quantities, popularity, think times. */
  kinds: number;
  items: number;
  quantity: number;
  popularity: number;
  think: number;
  /**
   * What a learned (version-2) profile adds; every one absent for the presets, which plan as they
   * always did. Its cart sizes, quantities and think times take the places of `items`, `quantity`
   * and `think` above; these are where the rest start in `tables`:
   * - couponCounts: codes per session with coupons (Table over 1..couponsMax);
   * - updateCounts, checkCounts, returnCounts: Tables over updatesMin.., checksMin.., returnRequestsMin..;
   * - thinkBy: 64 entries (from × 8 + to, in STEP_NAMES order), each where that pair of steps'
   *   quantiles start, or -1 for `think`;
   * - prices, categories: one value per product rank, its unit price in cents and its index in
   *   categoryNames (learned-catalog.ts);
   * - repeat: the cycle of repeat visits per customer (repeat-visits.ts), whose permutation each
   *   planner draws from its seed.
   */
  couponCounts?: number;
  updateCounts?: number;
  checkCounts?: number;
  returnCounts?: number;
  thinkBy?: number;
  prices?: number;
  categories?: number;
  categoryNames?: string[];
  repeat?: number;
  /** The tables' buffer (Table, ZipfSampler and QuantileTable layouts); numbers in JSON. */
  tables: Float64Array | number[];
}

/** The pool sizes a model depends on, in POOL_NAMES order. */
export function poolSizes(pools: Pools): number[] {
  return POOL_NAMES.map((name) => pools[name].length);
}

/**
 * A model ready to draw from: its tables in one typed array. A model read from JSON (a frozen
 * SharedArray element, its tables as numbers) is copied, once per VU.
 */
export function readyPlanModel(model: PlanModel): PlanModel & { tables: Float64Array } {
  if (model.tables instanceof Float64Array) return model as PlanModel & { tables: Float64Array };
  return { ...model, tables: Float64Array.from(model.tables) };
}
