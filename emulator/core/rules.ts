// Rule evaluation over a session as it would be after the request, and the effects that close,
// cancel, reopen and return produce. Pure: reads code books and the session, changes nothing;
// the caller applies what it returns when the request is not a dry run.
import type { CustomerSessionV2, Effect } from '../../model/api.ts';
import type { CodeBook, CodeEntry } from './codes.ts';
import { effect, money, LOYALTY_PROGRAM_ID, type CampaignDef, type Campaigns } from './campaigns.ts';
import type { TargetConfig } from './config.ts';

/** What a closed session consumed, kept so that cancel, reopen and returns can give it back. */
export interface Commit {
  coupon?: CodeEntry;
  referral?: CodeEntry;
  discount: number;
  points: number;
  card?: string;
  profileId: string;
  itemTotal: number;
  /** Share (0..1) of the commit already rolled back by returns. */
  returnedShare: number;
  transactionUUID: string;
}

export interface RuleFailure {
  campaignID: number;
  campaignName: string;
  ruleIndex: number;
  ruleName: string;
  rulesetID: number;
  couponID?: number;
  couponValue?: string;
  referralID?: number;
  referralValue?: string;
}

export interface Evaluation {
  effects: Effect[];
  acceptedCoupon?: CodeEntry;
  /** Every coupon code of the session that exists (for `responseContent: coupons`). */
  knownCoupons: CodeEntry[];
  acceptedReferral?: CodeEntry;
  knownReferral?: CodeEntry;
  discount: number;
  points: number;
  rejectedCoupons: number;
  rejectedReferrals: number;
  ruleFailureReasons: RuleFailure[];
  triggered: Set<CampaignDef>;
}

export interface RuleContext {
  config: TargetConfig;
  campaigns: Campaigns;
  coupons: CodeBook;
  referrals: CodeBook;
  /** What the session holds already (a closed session being cancelled or re-closed). */
  held?: Commit;
  /** True when this request closes the session: loyalty points are awarded. */
  closing: boolean;
}

function failure(c: CampaignDef, extra: Partial<RuleFailure>): RuleFailure {
  return {
    campaignID: c.id,
    campaignName: c.name,
    ruleIndex: 0,
    ruleName: c.ruleName,
    rulesetID: c.rulesetId,
    ...extra,
  };
}

export function evaluate(s: CustomerSessionV2, ctx: RuleContext): Evaluation {
  const { campaigns, config } = ctx;
  const ev: Evaluation = {
    effects: [],
    knownCoupons: [],
    discount: 0,
    points: 0,
    rejectedCoupons: 0,
    rejectedReferrals: 0,
    ruleFailureReasons: [],
    triggered: new Set(),
  };
  let remaining = s.cartItemTotal;

  const seen = new Set<string>();
  for (const code of s.couponCodes ?? []) {
    if (code === '' || seen.has(code)) continue;
    seen.add(code);
    const check = ctx.coupons.check(code, ctx.held?.coupon?.code === code);
    if (check.ok) ev.knownCoupons.push(check.entry);
    let reason: string | undefined;
    if (!check.ok) reason = check.reason === 'not-found' ? 'CouponNotFound' : 'CouponLimitReached';
    // One coupon discount per session: a second valid code is rejected, as a campaign's rule would.
    else if (ev.acceptedCoupon) reason = 'CouponRejectedByCondition';
    if (reason !== undefined) {
      ev.rejectedCoupons++;
      ev.effects.push(effect(campaigns.coupon, 'rejectCoupon', { value: code, rejectionReason: reason }));
      ev.ruleFailureReasons.push(failure(campaigns.coupon, { couponID: check.entry?.id, couponValue: code }));
      continue;
    }
    const entry = (check as { entry: CodeEntry }).entry;
    ev.acceptedCoupon = entry;
    ev.triggered.add(campaigns.coupon);
    ev.effects.push(effect(campaigns.coupon, 'acceptCoupon', { value: code }, entry.id));
    const value = money((remaining * config.couponDiscountPercent) / 100);
    if (value > 0) {
      ev.effects.push(effect(campaigns.coupon, 'setDiscount', { name: campaigns.coupon.ruleName, value }, entry.id));
      ev.discount = money(ev.discount + value);
      remaining = money(remaining - value);
    }
  }

  const referral = s.referralCode;
  if (referral !== undefined && referral !== '') {
    const check = ctx.referrals.check(referral, ctx.held?.referral?.code === referral);
    if (check.ok) {
      ev.acceptedReferral = check.entry;
      ev.knownReferral = check.entry;
      ev.triggered.add(campaigns.referral);
      ev.effects.push(effect(campaigns.referral, 'acceptReferral', { value: referral }));
      const value = money(Math.min(config.referralDiscount, remaining));
      if (value > 0) {
        ev.effects.push(effect(campaigns.referral, 'setDiscount', { name: campaigns.referral.ruleName, value }));
        ev.discount = money(ev.discount + value);
        remaining = money(remaining - value);
      }
    } else {
      ev.knownReferral = check.entry;
      ev.rejectedReferrals++;
      const reason = check.reason === 'not-found' ? 'ReferralNotFound' : 'ReferralLimitReached';
      ev.effects.push(effect(campaigns.referral, 'rejectReferral', { value: referral, rejectionReason: reason }));
      ev.ruleFailureReasons.push(failure(campaigns.referral, { referralID: check.entry?.id, referralValue: referral }));
    }
  }

  const shipping = s.additionalCosts?.['shipping'];
  if (shipping && shipping.price > 0 && s.cartItemTotal >= config.freeShippingThreshold) {
    ev.triggered.add(campaigns.shipping);
    ev.effects.push(
      effect(campaigns.shipping, 'setDiscountPerAdditionalCost', {
        name: campaigns.shipping.ruleName,
        additionalCostId: 1,
        additionalCost: 'shipping',
        value: money(shipping.price),
      }),
    );
    ev.discount = money(ev.discount + shipping.price);
  }

  const card = s.loyaltyCards?.[0];
  if (ctx.closing && card !== undefined) {
    const points = Math.floor(Math.max(0, remaining) * config.loyaltyPointsPerUnit);
    if (points > 0) {
      ev.points = points;
      ev.triggered.add(campaigns.loyalty);
      ev.effects.push(
        effect(campaigns.loyalty, 'addLoyaltyPoints', {
          name: campaigns.loyalty.ruleName,
          programId: LOYALTY_PROGRAM_ID,
          subLedgerId: '',
          value: points,
          recipientIntegrationId: s.profileId,
          cardIdentifier: card,
          transactionUUID: `${s.integrationId}-${s.updateCount}`,
        }),
      );
    }
  }
  return ev;
}

/**
 * The effects that give back `share` (0..1) of what a closed session committed: all of it on
 * cancel and reopen, the returned items' part on a return (which keeps the codes redeemed).
 */
export function rollbackEffects(commit: Commit, share: number, campaigns: Campaigns, releaseCodes: boolean): Effect[] {
  const out: Effect[] = [];
  if (releaseCodes && commit.coupon)
    out.push(effect(campaigns.coupon, 'rollbackCoupon', { value: commit.coupon.code }, commit.coupon.id));
  if (releaseCodes && commit.referral)
    out.push(effect(campaigns.referral, 'rollbackReferral', { value: commit.referral.code }));
  const discount = money(commit.discount * share);
  if (discount > 0)
    out.push(effect(campaigns.coupon, 'rollbackDiscount', { name: 'Rolled back discount', value: discount }));
  const points = Math.floor(commit.points * share);
  if (points > 0 && commit.card !== undefined) {
    out.push(
      effect(campaigns.loyalty, 'rollbackAddedLoyaltyPoints', {
        programId: LOYALTY_PROGRAM_ID,
        subLedgerId: '',
        value: points,
        recipientIntegrationId: commit.profileId,
        cardIdentifier: commit.card,
        transactionUUID: commit.transactionUUID,
      }),
    );
  }
  return out;
}
