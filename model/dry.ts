// Dry runs: a write sent with `dry=true` is evaluated by the rule engine and never stored, so each
// dry request is evaluated as if its session were new. The steps that only make sense on a stored
// session cannot be sent dry: reopen has no dry mode at all; cancel, return and get need the stored,
// closed session that a dry close never leaves behind. Both engines leave those steps out and
// count them ('dry-not-applicable'), never send them to fail. Pure: runs in Node and in k6.
import { endpointOf, ENDPOINTS, type PlanStep } from './plan.ts';

/** Whether a step can be sent with dry=true on a session that was never stored. */
export function canSendDry(step: PlanStep): boolean {
  return (
    endpointOf(step.method, step.path) === ENDPOINTS.update && step.step !== 'cancel' && step.expect !== 'cancelled'
  );
}

/** Why a step was left out of a dry run, as summaries count it. */
export const DRY_LEFT_OUT = 'dry-not-applicable';
