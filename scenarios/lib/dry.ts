// DRY=1: every write is sent with `dry=true`, so the rule engine evaluates it and nothing is stored,
// which makes a run safe against a production deployment. Because nothing is stored, each dry
// request is evaluated as if the session were new: the steps that only make sense on a stored
// session cannot be sent dry and are left out (counted, never failed):
// - reopen has no dry mode at all;
// - cancel, return and get need the stored, closed session that a dry close never leaves behind.
// Pure: no k6 imports.
import { endpointOf, ENDPOINTS, type PlanStep, type SessionPlan } from '../../model/plan.ts';

export interface DryPlan {
  plan: SessionPlan;
  /** Steps left out, in plan order. */
  skipped: PlanStep[];
}

/** Whether a step can be sent with dry=true on a session that was never stored. */
export function canSendDry(step: PlanStep): boolean {
  return endpointOf(step.method, step.path) === ENDPOINTS.update && step.step !== 'cancel' && step.expect !== 'cancelled';
}

export function toDryPlan(plan: SessionPlan): DryPlan {
  const steps: PlanStep[] = [];
  const skipped: PlanStep[] = [];
  for (const step of plan.steps) {
    if (!canSendDry(step)) {
      skipped.push(step);
      continue;
    }
    steps.push(step.query?.dry === 'true' ? step : { ...step, query: { ...step.query, dry: 'true' } });
  }
  return { plan: { ...plan, steps }, skipped };
}
