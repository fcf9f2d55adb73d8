// Compiles a traffic profile against the pools' sizes into a PlanModel (plan-model.ts): the build
// does it for the presets; k6 only for a profile file, once per test. Pure and k6-safe.
import { LIMITS, RETURN_RESPONSE_CONTENT } from '../model/limits.ts';
import { LIFECYCLE_KINDS } from '../model/plan.ts';
import type { PlanModel } from './plan-model.ts';
import type { TrafficProfile } from './profiles.ts';
import { chance } from './random.ts';
import { geometricWeights, logNormalIntWeights, writeQuantiles, writeTable, writeZipf } from './tables.ts';
import { POOL_NAMES } from './types.ts';

export function compilePlanModel(profile: TrafficProfile, sizes: readonly number[]): PlanModel {
  const size = (name: (typeof POOL_NAMES)[number]): number => sizes[POOL_NAMES.indexOf(name)] ?? 0;
  const products = size('products');
  const profileIds = size('profileIds');
  const c = profile.cart;
  const maxItems = Math.min(c.items.max, products, LIMITS.maxCartItems);
  const minItems = Math.min(c.items.min, maxItems);
  const tables: number[] = [];
  const kinds = writeTable(tables, LIFECYCLE_KINDS.map((k) => profile.lifecycles[k]));
  const items = writeTable(tables, logNormalIntWeights(c.items.median, c.items.sigma, minItems, maxItems));
  const quantity = writeTable(tables, geometricWeights(c.quantity.mean, c.quantity.max));
  const popularity = writeZipf(tables, products, c.popularity);
  const t = profile.thinkTimeMs;
  const think = writeQuantiles(tables, t.median, t.sigma, t.min, t.max);
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

