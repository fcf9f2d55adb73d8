// The custom metrics, created once per VU in the init context (k6 requires it).
import { Counter } from 'k6/metrics';
import { METRICS } from './metric-names.ts';

export const lifecyclesCompleted = new Counter(METRICS.completed);
export const lifecyclesFailed = new Counter(METRICS.failed);
export const conflicts = new Counter(METRICS.conflicts);
export const rejectedCoupons = new Counter(METRICS.rejectedCoupons);
export const skippedSteps = new Counter(METRICS.skippedSteps);
export const drySkippedSteps = new Counter(METRICS.drySkipped);
