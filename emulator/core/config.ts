// The local target's configuration: which codes exist, how big the store may grow, and the
// numbers of the built-in rule set. Plain data, so the CLI, startTarget() and tests build it alike.
import { DEFAULT_VALID_COUPON_PATTERN, DEFAULT_VALID_REFERRAL_PATTERN } from '../../model/conventions.ts';

/** One coupon or referral code that exists, with how often it may be redeemed (0 or absent: unlimited). */
export interface CodeSpec {
  code: string;
  usageLimit?: number;
}

export interface TargetConfig {
  /** Reported as `applicationId` in every answer. */
  applicationId: number;
  /** Codes matching this pattern exist and are unlimited, unless `coupons` lists the codes instead. */
  couponPattern: string;
  referralPattern: string;
  /** When given, exactly these coupon codes exist (the pattern is not used). */
  coupons?: readonly CodeSpec[];
  /** When given, exactly these referral codes exist (the pattern is not used). */
  referrals?: readonly CodeSpec[];
  /** Most sessions kept; beyond it the oldest closed (then idle open) sessions are evicted. */
  maxSessions: number;
  /** Most customer profiles and loyalty cards kept (each evicted oldest-first beyond it). */
  maxProfiles: number;
  /** Percent of the cart item total that an accepted coupon takes off. */
  couponDiscountPercent: number;
  /** Flat amount that an accepted referral code takes off. */
  referralDiscount: number;
  /** Loyalty points per currency unit of the session total, awarded on close to the session's card. */
  loyaltyPointsPerUnit: number;
  /** Cart item total from which the session's `shipping` additional cost is waived. */
  freeShippingThreshold: number;
}

export const DEFAULT_TARGET_CONFIG: Readonly<TargetConfig> = Object.freeze({
  applicationId: 1,
  couponPattern: DEFAULT_VALID_COUPON_PATTERN,
  referralPattern: DEFAULT_VALID_REFERRAL_PATTERN,
  maxSessions: 100_000,
  maxProfiles: 100_000,
  couponDiscountPercent: 10,
  referralDiscount: 5,
  loyaltyPointsPerUnit: 1,
  freeShippingThreshold: 100,
});

/** Fills in defaults and rejects nonsense early, naming the field. */
export function resolveTargetConfig(partial: Partial<TargetConfig> = {}): TargetConfig {
  const config: TargetConfig = { ...DEFAULT_TARGET_CONFIG };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (config as unknown as Record<string, unknown>)[k] = v;
  }
  for (const key of ['maxSessions', 'maxProfiles'] as const) {
    if (!Number.isInteger(config[key]) || config[key] < 1)
      throw new RangeError(`target config: ${key} must be an integer ≥ 1, got ${config[key]}`);
  }
  for (const key of [
    'couponDiscountPercent',
    'referralDiscount',
    'loyaltyPointsPerUnit',
    'freeShippingThreshold',
  ] as const) {
    if (!Number.isFinite(config[key]) || config[key] < 0)
      throw new RangeError(`target config: ${key} must be a number ≥ 0, got ${config[key]}`);
  }
  if (config.couponDiscountPercent > 100)
    throw new RangeError('target config: couponDiscountPercent must be at most 100');
  for (const key of ['couponPattern', 'referralPattern'] as const) {
    try {
      new RegExp(config[key]);
    } catch (err) {
      throw new RangeError(`target config: ${key} is not a valid regular expression: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  for (const key of ['coupons', 'referrals'] as const) {
    const list = config[key];
    if (list === undefined) continue;
    list.forEach((c, i) => {
      if (typeof c.code !== 'string' || c.code === '')
        throw new RangeError(`target config: ${key}[${i}].code must be a non-empty string`);
      if (c.usageLimit !== undefined && (!Number.isInteger(c.usageLimit) || c.usageLimit < 0)) {
        throw new RangeError(
          `target config: ${key}[${i}].usageLimit must be an integer ≥ 0 (0 = unlimited), got ${c.usageLimit}`,
        );
      }
    });
  }
  return config;
}
