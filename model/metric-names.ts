// The custom metrics' names, shared by the k6 side that records them, the summary that reads
// them back and the converter of k6's metric stream (report/k6/). All prefixed `cartload_` so they
// sort together and never clash with k6's own.
export const METRICS = {
  /** Counter, tag kind: sessions whose every step passed its checks. */
  completed: 'cartload_lifecycles_completed',
  /** Counter, tag kind: sessions that stopped at a failed step. */
  failed: 'cartload_lifecycles_failed',
  /** Counter, tags step, kind: 409 answers (parallel requests for one session or profile). */
  conflicts: 'cartload_conflicts',
  /** Counter, tags step, kind: `rejectCoupon` effects in answers. */
  rejectedCoupons: 'cartload_rejected_coupons',
  /** Counter, tag kind: steps not sent because an earlier step of their session failed. */
  skippedSteps: 'cartload_skipped_steps',
  /** Counter, tags step, kind: steps that DRY=1 does not send because they cannot be dry. */
  drySkipped: 'cartload_dry_skipped_steps',
  /** Counter (capacity only), tag answered_in: answers, by the capacity step at the time of the answer (what the target served in each hold). */
  answered: 'cartload_answered',
  /** Trend (time, capacity only), tag stage: how late each session started against the executor's schedule (k6 short of CPU starts late). */
  startLag: 'cartload_start_lag',
} as const;
