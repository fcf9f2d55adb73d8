// The custom metrics' names, shared by the k6 side that records them, the summary that reads
// them back and the converter of k6's metric stream (report/k6/). All prefixed `cartload_` so they
// sort together and never clash with k6's own.
export const METRICS = {
  /** Trend (time), tags step, name, kind: each step's duration, from the same timings as http_req_duration. */
  stepDuration: 'cartload_step_duration',
  /** Counter, tag kind: sessions whose every step passed its checks. */
  completed: 'cartload_lifecycles_completed',
  /** Counter, tag kind: sessions that stopped at a failed step. */
  failed: 'cartload_lifecycles_failed',
  /** Counter, tags step, name: 409 answers (parallel requests for one session or profile). */
  conflicts: 'cartload_conflicts',
  /** Counter, tag step: `rejectCoupon` effects in answers. */
  rejectedCoupons: 'cartload_rejected_coupons',
  /** Counter, tag step: steps not sent because an earlier step of their session failed. */
  skippedSteps: 'cartload_skipped_steps',
  /** Counter, tag step: steps that DRY=1 does not send because they cannot be dry (see README). */
  drySkipped: 'cartload_dry_skipped_steps',
} as const;
