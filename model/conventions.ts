// Conventions shared by the local target and the generators: which coupon and referral codes the
// target's default configuration accepts, so that generated sessions use valid ones on purpose
// (and invalid ones, on purpose, at the share a traffic profile asks for). Real deployments have
// their own codes: bring them as pools from CSV (see the README, "Generators").

/** Codes the local target accepts as existing coupons unless configured otherwise. */
export const DEFAULT_VALID_COUPON_PATTERN = '^CL[A-Z0-9]{6,20}$';
/** Codes the local target accepts as existing referral codes unless configured otherwise. */
export const DEFAULT_VALID_REFERRAL_PATTERN = '^RF[A-Z0-9]{6,20}$';
/** Prefix of session IDs that cartload generates, before the run's own namespace. */
export const DEFAULT_SESSION_PREFIX = 'cartload';

/**
 * The Node engine's keep-alive connections, which are also its cap on requests in flight, when
 * --connections is not given (`run` and `replay` alike): enough for a few hundred requests/s at
 * 100-200 ms without queueing, few enough not to look like an attack on a small deployment.
 */
export const DEFAULT_CONNECTIONS = 64;

/**
 * The folder runs write their results into, relative to where they run. `cartload build` creates
 * it: a k6 script's handleSummary can write files but k6 cannot create folders.
 */
export const DEFAULT_RESULTS_DIR = 'results';
