// The shapes of the customer-session endpoints' requests and answers, written for cartload from
// Talon.One's published schema. Plain types: safe to import anywhere (`import type`), including
// code bundled into k6. The runtime schemas that validate them live in target/core/schema.ts.
import type { ResponseContent, SessionState } from './limits.ts';

export interface AdditionalCost {
  price: number;
}

export interface CartItem {
  sku: string;
  quantity: number;
  name?: string;
  price?: number;
  category?: string;
  product?: { name: string };
  weight?: number;
  height?: number;
  width?: number;
  length?: number;
  attributes?: Record<string, unknown>;
  additionalCosts?: Record<string, AdditionalCost>;
}

export interface NewCustomerSessionV2 {
  profileId?: string;
  storeIntegrationId?: string;
  evaluableCampaignIds?: number[];
  couponCodes?: string[];
  referralCode?: string;
  loyaltyCards?: string[];
  state?: SessionState;
  cartItems?: CartItem[];
  experimentVariantAllocations?: { experimentID: number; variantID: number }[];
  additionalCosts?: Record<string, AdditionalCost>;
  identifiers?: string[];
  attributes?: Record<string, unknown>;
}

export interface IntegrationRequest {
  customerSession: NewCustomerSessionV2;
  responseContent?: ResponseContent[];
}

export interface ReturnedCartItem {
  position: number;
  quantity?: number;
}

export interface ReturnIntegrationRequest {
  return: { returnedCartItems: ReturnedCartItem[] };
  responseContent?: ResponseContent[];
}

/** A cart item as the server answers it: positions and return counts are the server's. */
export interface StoredCartItem extends CartItem {
  position: number;
  returnedQuantity: number;
  remainingQuantity: number;
}

export interface CustomerSessionV2 {
  id: number;
  created: string;
  updated: string;
  integrationId: string;
  applicationId: number;
  profileId: string;
  storeIntegrationId?: string;
  evaluableCampaignIds?: number[];
  couponCodes?: string[];
  referralCode?: string;
  loyaltyCards?: string[];
  state: SessionState;
  cartItems: StoredCartItem[];
  additionalCosts?: Record<string, AdditionalCost>;
  identifiers?: string[];
  attributes: Record<string, unknown>;
  firstSession: boolean;
  updateCount: number;
  total: number;
  cartItemTotal: number;
  additionalCostTotal: number;
}

export interface Effect {
  campaignId: number;
  rulesetId: number;
  ruleIndex: number;
  ruleName: string;
  effectType: string;
  props: Record<string, unknown>;
  triggeredByCoupon?: number;
}

export interface IntegrationStateV2 {
  effects: Effect[];
  createdCoupons: unknown[];
  createdReferrals: unknown[];
  customerSession?: CustomerSessionV2;
  customerProfile?: Record<string, unknown>;
  triggeredCampaigns?: unknown[];
  coupons?: unknown[];
  referral?: unknown;
  loyalty?: unknown;
  event?: unknown;
  ruleFailureReasons?: unknown[];
  awardedGiveaways?: unknown[];
  return?: unknown;
  previousReturns?: unknown[];
}

export interface IntegrationCustomerSessionResponse {
  customerSession?: CustomerSessionV2;
  effects?: Effect[];
}

export interface ReopenSessionResponse {
  effects: Effect[];
}

export interface ApiError {
  title: string;
  details?: string;
  source: { pointer?: string; parameter?: string; line?: string; resource?: string };
}

export interface ErrorResponse {
  message: string;
  errors?: ApiError[];
  StatusCode?: number;
}
