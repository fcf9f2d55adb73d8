// Compiles a traffic profile against the pools' sizes into a PlanModel (plan-model.ts): the build
// does it for the presets; k6 only for a profile file, once per test. Pure and k6-safe.
import { LIMITS, RETURN_RESPONSE_CONTENT } from '../model/limits.ts';
import { LIFECYCLE_KINDS, STEP_NAMES, type StepName } from '../model/plan.ts';
import { writeLearnedCatalog } from './learned-catalog.ts';
import type { PlanModel } from './plan-model.ts';
import type { TrafficProfile } from './profiles.ts';
import { chance } from './random.ts';
import { writeRepeatVisits } from './repeat-visits.ts';
import {
  geometricWeights,
  logNormalIntWeights,
  truncatedWeights,
  writeQuantiles,
  writeResampledQuantiles,
  writeTable,
  writeZipf,
} from './tables.ts';
import { POOL_NAMES } from './types.ts';

export function compilePlanModel(profile: TrafficProfile, sizes: readonly number[]): PlanModel {
  const size = (name: (typeof POOL_NAMES)[number]): number => sizes[POOL_NAMES.indexOf(name)] ?? 0;
  const products = size('products');
  const profileIds = size('profileIds');
  const c = profile.cart;
  const maxItems = Math.min(c.items.max, products, LIMITS.maxCartItems);
  const minItems = Math.min(c.items.min, maxItems);
  const tables: number[] = [];
  const kinds = writeTable(
    tables,
    LIFECYCLE_KINDS.map((k) => profile.lifecycles[k]),
  );
  // Learned distributions (version-2 profiles) take the places of the parametric ones.
  const items = writeTable(
    tables,
    c.items.weights
      ? truncatedWeights(c.items.weights, c.items.min, minItems, maxItems)
      : logNormalIntWeights(c.items.median, c.items.sigma, minItems, maxItems),
  );
  const quantity = writeTable(tables, c.quantity.weights ?? geometricWeights(c.quantity.mean, c.quantity.max));
  const popularity = writeZipf(tables, products, c.popularity);
  const t = profile.thinkTimeMs;
  const think = t.quantiles
    ? writeResampledQuantiles(tables, t.quantiles)
    : writeQuantiles(tables, t.median, t.sigma, t.min, t.max);
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
    invalidCouponT:
      size('validCoupons') === 0 ? chance(1) : size('invalidCoupons') === 0 ? 0 : chance(profile.coupons.invalidShare),
    referralT: size('validReferrals') + size('invalidReferrals') === 0 ? 0 : chance(profile.referral.sessionShare),
    invalidReferralT:
      size('validReferrals') === 0
        ? chance(1)
        : size('invalidReferrals') === 0
          ? 0
          : chance(profile.referral.invalidShare),
    loyaltyT:
      size('loyaltyCards') === 0 || knownShare === 0
        ? 0
        : chance(Math.min(1, profile.loyalty.sessionShare / knownShare)),
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
  compileLearned(model, profile, tables, profileIds);
  return model;
}

/** The learned parts of a version-2 profile, appended to the model's tables (plan-model.ts); none for a preset. */
function compileLearned(model: PlanModel, profile: TrafficProfile, tables: number[], profileIds: number): void {
  const c = profile.cart;
  if (profile.coupons.weights) model.couponCounts = writeTable(tables, profile.coupons.weights);
  if (profile.updates.weights) model.updateCounts = writeTable(tables, profile.updates.weights);
  if (profile.dry.checks.weights) model.checkCounts = writeTable(tables, profile.dry.checks.weights);
  if (profile.returns.requests.weights) model.returnCounts = writeTable(tables, profile.returns.requests.weights);
  const transitions = profile.thinkTimeMs.transitions;
  if (transitions) {
    const index = new Array<number>(64).fill(-1);
    for (const [key, q] of Object.entries(transitions)) {
      const [from, to] = key.split('>') as [StepName, StepName];
      index[STEP_NAMES.indexOf(from) * 8 + STEP_NAMES.indexOf(to)] = writeResampledQuantiles(tables, q);
    }
    model.thinkBy = tables.length;
    tables.push(...index);
  }
  if (c.prices || c.categories) {
    const at = writeLearnedCatalog(tables, model, c.prices, c.categories);
    if (at.prices !== undefined) model.prices = at.prices;
    if (at.categories !== undefined && c.categories) {
      model.categories = at.categories;
      model.categoryNames = Object.keys(c.categories);
    }
  }
  const spp = profile.profiles.sessionsPerProfile;
  // Repeat visits pick customers from the pool: without one, every known customer is a guest anyway.
  if (spp && profileIds > 0)
    model.repeat = writeRepeatVisits(tables, spp.weights, spp.window, profile.profiles.guestShare);
}
