// The limits that Talon.One's Integration API enforces on customer sessions. Pure constants:
// the target validates against them, the generators stay inside them, and the k6 bundles carry them.

export const LIMITS = {
  maxCartItems: 1000,
  maxTotalQuantity: 10_000,
  minQuantity: 1,
  maxLoyaltyCards: 1,
  maxIdentifiers: 5,
  maxCouponCodeLength: 100,
  maxReferralCodeLength: 100,
  minStoreIdLength: 1,
  maxStoreIdLength: 1000,
  maxSessionIdLength: 1000,
  maxIdempotencyKeyLength: 255,
  /** Talon.One processes one request per session or profile and queues at most this many more. */
  maxQueuedPerKey: 2,
} as const;

export const SESSION_STATES = ['open', 'closed', 'partially_returned', 'cancelled'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/** Every transition the state machine allows, keyed by the endpoint that performs it. */
export const TRANSITIONS = {
  update: [
    ['open', 'closed'],
    ['open', 'cancelled'],
    ['closed', 'cancelled'],
    ['partially_returned', 'cancelled'],
  ],
  returns: [['closed', 'partially_returned']],
  reopen: [['closed', 'open']],
} as const satisfies Record<string, ReadonlyArray<readonly [SessionState, SessionState]>>;

export const RESPONSE_CONTENT = [
  'customerSession',
  'customerProfile',
  'coupons',
  'triggeredCampaigns',
  'referral',
  'loyalty',
  'event',
  'awardedGiveaways',
  'ruleFailureReasons',
  'previousReturns',
] as const;
export type ResponseContent = (typeof RESPONSE_CONTENT)[number];

export const RETURN_RESPONSE_CONTENT = [
  'customerSession',
  'customerProfile',
  'coupons',
  'triggeredCampaigns',
  'referral',
  'loyalty',
  'event',
  'previousReturns',
] as const satisfies readonly ResponseContent[];

export const SESSIONS_PATH = '/v2/customer_sessions';
