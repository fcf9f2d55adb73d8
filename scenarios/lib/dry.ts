// DRY=1: every write is sent with `dry=true`, so the rule engine evaluates it and nothing is stored,
// which makes a run safe against a production deployment. The steps a never-stored session cannot
// take are left out (counted, never failed); model/dry.ts holds the rule both engines share.
// Pure: no k6 imports.
import { canSendDry } from '../../model/dry.ts';
import type { PlanStep, SessionPlan } from '../../model/plan.ts';

export { canSendDry };

export interface DryPlan {
  plan: SessionPlan;
  /** Steps left out, in plan order. */
  skipped: PlanStep[];
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
