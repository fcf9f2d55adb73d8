// The built-in rule set: four small campaigns whose effects look like a real deployment's
// (coupon discount, referral discount, free shipping, loyalty points), so that scenarios can
// check effects and reports can count rejected coupons.
import type { Effect } from '../../model/api.ts';
import type { TargetConfig } from './config.ts';

export interface CampaignDef {
  id: number;
  rulesetId: number;
  name: string;
  ruleName: string;
  features: ('coupons' | 'referrals' | 'loyalty')[];
}

export interface Campaigns {
  coupon: CampaignDef;
  referral: CampaignDef;
  shipping: CampaignDef;
  loyalty: CampaignDef;
}

export const LOYALTY_PROGRAM_ID = 1;

export function builtInCampaigns(config: TargetConfig): Campaigns {
  return {
    coupon: {
      id: 101,
      rulesetId: 1101,
      name: 'Coupon discount',
      ruleName: `${config.couponDiscountPercent}% off with a coupon`,
      features: ['coupons'],
    },
    referral: {
      id: 102,
      rulesetId: 1102,
      name: 'Referral welcome',
      ruleName: `${config.referralDiscount} off for referred friends`,
      features: ['referrals'],
    },
    shipping: {
      id: 103,
      rulesetId: 1103,
      name: 'Free shipping',
      ruleName: `Free shipping from ${config.freeShippingThreshold}`,
      features: [],
    },
    loyalty: {
      id: 104,
      rulesetId: 1104,
      name: 'Loyalty points',
      ruleName: `${config.loyaltyPointsPerUnit} point per unit spent`,
      features: ['loyalty'],
    },
  };
}

export function effect(
  c: CampaignDef,
  effectType: string,
  props: Record<string, unknown>,
  triggeredByCoupon?: number,
): Effect {
  const e: Effect = { campaignId: c.id, rulesetId: c.rulesetId, ruleIndex: 0, ruleName: c.ruleName, effectType, props };
  if (triggeredByCoupon !== undefined) e.triggeredByCoupon = triggeredByCoupon;
  return e;
}

/** Money rounded to cents, so that totals do not show binary-float noise. */
export const money = (v: number): number => Math.round(v * 100) / 100;
