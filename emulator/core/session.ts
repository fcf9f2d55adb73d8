// Building the stored session (CustomerSessionV2) from a request: new sessions, updates that build
// on the stored one (omitted fields keep their value, an empty coupon list or referral code
// discards), and the totals.
import type { CartItem, CustomerSessionV2, NewCustomerSessionV2, StoredCartItem } from '../../model/api.ts';
import { money } from './campaigns.ts';

export function storedItems(items: readonly CartItem[]): StoredCartItem[] {
  const out: StoredCartItem[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    // Object.assign into a fresh object is markedly cheaper than spread for these small records.
    const stored = Object.assign({}, it) as StoredCartItem;
    stored.position = i;
    stored.returnedQuantity = 0;
    stored.remainingQuantity = it.quantity;
    out[i] = stored;
  }
  return out;
}

export function computeTotals(s: CustomerSessionV2): void {
  let items = 0;
  let costs = 0;
  for (const it of s.cartItems) {
    items += (it.price ?? 0) * it.quantity;
    if (it.additionalCosts) for (const k in it.additionalCosts) costs += it.additionalCosts[k]!.price * it.quantity;
  }
  if (s.additionalCosts) for (const k in s.additionalCosts) costs += s.additionalCosts[k]!.price;
  s.cartItemTotal = money(items);
  s.additionalCostTotal = money(costs);
  s.total = money(items + costs);
}

/** Copies the fields a request gives onto `s` (which the caller owns). */
export function applyPayload(s: CustomerSessionV2, cs: NewCustomerSessionV2): void {
  if (cs.profileId !== undefined) s.profileId = cs.profileId;
  if (cs.storeIntegrationId !== undefined) s.storeIntegrationId = cs.storeIntegrationId;
  if (cs.evaluableCampaignIds !== undefined) s.evaluableCampaignIds = cs.evaluableCampaignIds;
  if (cs.couponCodes !== undefined) s.couponCodes = cs.couponCodes;
  if (cs.referralCode !== undefined) s.referralCode = cs.referralCode;
  if (cs.loyaltyCards !== undefined) s.loyaltyCards = cs.loyaltyCards;
  if (cs.cartItems !== undefined) s.cartItems = storedItems(cs.cartItems);
  if (cs.additionalCosts !== undefined) s.additionalCosts = cs.additionalCosts;
  if (cs.identifiers !== undefined) s.identifiers = cs.identifiers;
  if (cs.attributes !== undefined) s.attributes = { ...s.attributes, ...cs.attributes };
  computeTotals(s);
}

export function blankSession(
  id: number,
  integrationId: string,
  applicationId: number,
  nowIso: string,
): CustomerSessionV2 {
  return {
    id,
    created: nowIso,
    updated: nowIso,
    integrationId,
    applicationId,
    profileId: '',
    couponCodes: [],
    referralCode: '',
    loyaltyCards: [],
    state: 'open',
    cartItems: [],
    additionalCosts: {},
    identifiers: [],
    attributes: {},
    firstSession: true,
    updateCount: 0,
    total: 0,
    cartItemTotal: 0,
    additionalCostTotal: 0,
  };
}

/** Talon.One accepts null for "keep the earlier value"; the schema only knows absent, so nulls become absent. */
export function withoutNulls(cs: unknown): unknown {
  if (cs === null || typeof cs !== 'object' || Array.isArray(cs)) return cs;
  const rec = cs as Record<string, unknown>;
  if (rec['couponCodes'] !== null && rec['referralCode'] !== null) return cs;
  const copy = { ...rec };
  if (copy['couponCodes'] === null) delete copy['couponCodes'];
  if (copy['referralCode'] === null) delete copy['referralCode'];
  return copy;
}
