// Recorded requests are checked against the limits the Integration API enforces before they are
// replayed: a row the real API would refuse for its size is a bad row ("over-limit"), reported with
// its line, rather than a request that fails at the target and marks its session failed.
import { LIMITS } from '../model/limits.ts';
import type { SourcePosition } from './events.ts';
import { reject } from './issues.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Rejects the row unless `items` is a list of cart items within the API's limits. */
export function checkCartItems(items: unknown, at: SourcePosition, column: string): void {
  if (!Array.isArray(items)) reject(at, 'bad-value', column, 'cart items must be a JSON array');
  if (items.length > LIMITS.maxCartItems) {
    reject(at, 'over-limit', column, `${items.length} cart items, over the API's limit of ${LIMITS.maxCartItems}`);
  }
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (!isObject(item)) reject(at, 'bad-value', column, `cart item ${i} is not an object`);
    if (typeof item.sku !== 'string' || item.sku.length === 0)
      reject(at, 'bad-value', column, `cart item ${i} has no sku`);
    const q = item.quantity;
    if (typeof q !== 'number' || !Number.isInteger(q) || q < LIMITS.minQuantity) {
      reject(
        at,
        'bad-value',
        column,
        `cart item ${i} (${item.sku}) has quantity ${JSON.stringify(q)}: must be an integer ≥ ${LIMITS.minQuantity}`,
      );
    }
    total += q;
  }
  if (total > LIMITS.maxTotalQuantity) {
    reject(
      at,
      'over-limit',
      column,
      `total cart quantity ${total}, over the API's limit of ${LIMITS.maxTotalQuantity}`,
    );
  }
}

function checkStrings(list: unknown, at: SourcePosition, column: string, what: string): asserts list is string[] {
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string'))
    reject(at, 'bad-value', column, `${what} must be a list of strings`);
}

/** Rejects the row unless a request's `customerSession` is within the API's limits. */
export function checkCustomerSession(cs: unknown, at: SourcePosition, column: string): void {
  if (!isObject(cs)) reject(at, 'bad-value', column, 'customerSession must be an object');
  if (cs.cartItems !== undefined && cs.cartItems !== null) checkCartItems(cs.cartItems, at, column);
  if (cs.couponCodes !== undefined && cs.couponCodes !== null) {
    checkStrings(cs.couponCodes, at, column, 'couponCodes');
    checkCodes(cs.couponCodes, LIMITS.maxCouponCodeLength, 'coupon code', at, column);
  }
  if (cs.referralCode !== undefined && cs.referralCode !== null) {
    if (typeof cs.referralCode !== 'string') reject(at, 'bad-value', column, 'referralCode must be a string');
    checkCodes([cs.referralCode], LIMITS.maxReferralCodeLength, 'referral code', at, column);
  }
  if (cs.identifiers !== undefined && cs.identifiers !== null) {
    checkStrings(cs.identifiers, at, column, 'identifiers');
    if (cs.identifiers.length > LIMITS.maxIdentifiers) {
      reject(
        at,
        'over-limit',
        column,
        `${cs.identifiers.length} identifiers, over the API's limit of ${LIMITS.maxIdentifiers}`,
      );
    }
  }
  if (cs.loyaltyCards !== undefined && cs.loyaltyCards !== null) {
    checkStrings(cs.loyaltyCards, at, column, 'loyaltyCards');
    if (cs.loyaltyCards.length > LIMITS.maxLoyaltyCards) {
      reject(
        at,
        'over-limit',
        column,
        `${cs.loyaltyCards.length} loyalty cards, over the API's limit of ${LIMITS.maxLoyaltyCards}`,
      );
    }
  }
  if (cs.storeIntegrationId !== undefined && cs.storeIntegrationId !== null) {
    checkStoreId(cs.storeIntegrationId, at, column);
  }
}

export function checkCodes(
  codes: readonly string[],
  max: number,
  what: string,
  at: SourcePosition,
  column: string,
): void {
  for (const c of codes) {
    if (c.length > max)
      reject(at, 'over-limit', column, `${what} of ${c.length} characters, over the API's limit of ${max}`);
  }
}

export function checkStoreId(id: unknown, at: SourcePosition, column: string): void {
  if (typeof id !== 'string') reject(at, 'bad-value', column, 'the store integration ID must be a string');
  if (id.length < LIMITS.minStoreIdLength || id.length > LIMITS.maxStoreIdLength) {
    reject(
      at,
      'over-limit',
      column,
      `store integration ID of ${id.length} characters: the API allows ${LIMITS.minStoreIdLength} to ${LIMITS.maxStoreIdLength}`,
    );
  }
}

export function checkSessionId(id: string, at: SourcePosition, column: string): void {
  if (id.length === 0) reject(at, 'bad-value', column, 'the session ID is empty');
  if (id.length > LIMITS.maxSessionIdLength) {
    reject(
      at,
      'over-limit',
      column,
      `session ID of ${id.length} characters, over the API's limit of ${LIMITS.maxSessionIdLength}`,
    );
  }
}

export { isObject };
