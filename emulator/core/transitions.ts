// Which state changes each endpoint may make (model/limits.ts TRANSITIONS), and the hint a
// refused change answers with, so the 400 tells the caller what would have worked.
import { TRANSITIONS, type SessionState } from '../../model/limits.ts';

export function allowed(kind: keyof typeof TRANSITIONS, from: SessionState, to: SessionState): boolean {
  return (TRANSITIONS[kind] as ReadonlyArray<readonly [SessionState, SessionState]>).some(
    ([f, t]) => f === from && t === to,
  );
}

export function transitionHint(from: SessionState, to: SessionState): string {
  if (from === 'cancelled') return 'a cancelled session is final';
  if (from === 'closed' && to === 'open') return 'reopen it with PUT /v2/customer_sessions/{id}/reopen';
  if (to === 'partially_returned') return 'return items with POST /v2/customer_sessions/{id}/returns';
  const targets = TRANSITIONS.update.filter(([f]) => f === from).map(([, t]) => t);
  return targets.length
    ? `from ${from} an update can only go to ${targets.join(' or ')}`
    : `a ${from} session cannot be changed by an update`;
}
