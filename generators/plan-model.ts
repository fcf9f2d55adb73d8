// A traffic profile compiled against the pools it draws from: every threshold, table and number
// the assembly and the lifecycles use, in one JSON-able object whose tables share one buffer.
// It depends on the profile and the pools' sizes only, never on a VU, a seed or a session, so
// `cartload build` compiles the presets into pools.json and a k6 VU reads its profile's model from
// there (one SharedArray element: one object and one typed array per VU) instead of building the
// profile, its tables and their objects itself. Pure and k6-safe.
import { LIMITS, RETURN_RESPONSE_CONTENT, type ResponseContent } from '../model/limits.ts';
import { LIFECYCLE_KINDS } from '../model/plan.ts';
import type { TrafficProfile } from './profiles.ts';
import { chance, geometricWeights, logNormalIntWeights, QuantileTable, Table, ZipfSampler } from './random.ts';
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

export function compilePlanModel(profile: TrafficProfile, sizes: readonly number[]): PlanModel {
  const size = (name: (typeof POOL_NAMES)[number]): number => sizes[POOL_NAMES.indexOf(name)] ?? 0;
  const products = size('products');
  const profileIds = size('profileIds');
  const c = profile.cart;
  const maxItems = Math.min(c.items.max, products, LIMITS.maxCartItems);
  const minItems = Math.min(c.items.min, maxItems);
  const tables: number[] = [];
  const kinds = Table.write(tables, LIFECYCLE_KINDS.map((k) => profile.lifecycles[k]));
  const items = Table.write(tables, logNormalIntWeights(c.items.median, c.items.sigma, minItems, maxItems));
  const quantity = Table.write(tables, geometricWeights(c.quantity.mean, c.quantity.max));
  const popularity = ZipfSampler.write(tables, products, c.popularity);
  const t = profile.thinkTimeMs;
  const think = QuantileTable.write(tables, t.median, t.sigma, t.min, t.max);
  // Guests have no loyalty card: known customers carry one often enough that the share over all sessions is as asked.
  const knownShare = profileIds === 0 ? 0 : 1 - profile.profiles.guestShare;
  const rrc = profile.responseContent.filter((v) => (RETURN_RESPONSE_CONTENT as readonly string[]).includes(v));
  const model: PlanModel = {
    name: profile.name,
    sizes: [...sizes],
    itemsMin: minItems,
    maxDistinct: Math.min(products, LIMITS.maxCartItems),
    itemAttributes: c.itemAttributes,
    guestT: profileIds === 0 ? chance(1) : chance(profile.profiles.guestShare),
    couponT: size('validCoupons') + size('invalidCoupons') === 0 ? 0 : chance(profile.coupons.sessionShare),
    invalidCouponT: size('validCoupons') === 0 ? chance(1) : size('invalidCoupons') === 0 ? 0 : chance(profile.coupons.invalidShare),
    referralT: size('validReferrals') + size('invalidReferrals') === 0 ? 0 : chance(profile.referral.sessionShare),
    invalidReferralT: size('validReferrals') === 0 ? chance(1) : size('invalidReferrals') === 0 ? 0 : chance(profile.referral.invalidShare),
    loyaltyT: size('loyaltyCards') === 0 || knownShare === 0 ? 0 : chance(Math.min(1, profile.loyalty.sessionShare / knownShare)),
    identifiersT: chance(profile.identifiers.sessionShare),
    shippingT: profile.shipping.prices.length === 0 ? 0 : chance(profile.shipping.sessionShare),
    removeT: chance(profile.changes.removeShare),
    quantityT: chance(profile.changes.quantityShare),
    getT: chance(profile.getShare),
    halfT: chance(0.5),
    itemShareT: chance(profile.returns.itemShare),
    couponsMax: profile.coupons.max,
    identifiersMax: profile.identifiers.max,
    campaignsMin: profile.dry.campaigns.min,
    campaignsMax: profile.dry.campaigns.max,
    checksMin: profile.dry.checks.min,
    checksMax: profile.dry.checks.max,
    updatesMin: profile.updates.min,
    updatesMax: profile.updates.max,
    openShare: profile.cart.openShare,
    returnRequestsMin: profile.returns.requests.min,
    returnRequestsMax: profile.returns.requests.max,
    returnItemShare: profile.returns.itemShare,
    shippingPrices: profile.shipping.prices.slice(),
    kinds,
    items,
    quantity,
    popularity,
    think,
    tables,
  };
  if (profile.responseContent.length > 0) model.responseContent = profile.responseContent.slice();
  if (rrc.length > 0) model.returnResponseContent = rrc;
  return model;
}

/**
 * A model ready to draw from: its tables in one typed array. A model read from JSON (a frozen
 * SharedArray element, its tables as numbers) is copied, once per VU.
 */
export function readyPlanModel(model: PlanModel): PlanModel & { tables: Float64Array } {
  if (model.tables instanceof Float64Array) return model as PlanModel & { tables: Float64Array };
  return { ...model, tables: Float64Array.from(model.tables) };
}
