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
