// Sends one session plan: its steps in order, one at a time (step N+1 only after step N answered),
// with the plan's think times between them; checks every answer and records the custom metrics.
// A failed step ends the session: the steps after it would only fail for its reason.
import { check, sleep } from 'k6';
import http, { type RefinedParams, type RefinedResponse } from 'k6/http';
import type { IntegrationStateV2 } from '../../model/api.ts';
import { endpointOf, type PlanStep, type SessionPlan } from '../../model/plan.ts';
import { toDryPlan } from './dry.ts';
import { conflicts, drySkippedSteps, lifecyclesCompleted, lifecyclesFailed, rejectedCoupons, skippedSteps, stepDuration } from './metrics.ts';

export interface SessionOptions {
  baseUrl: string;
  apiKey: string;
  /** Force dry=true on every write (DRY=1). */
  dry: boolean;
  /** Multiplies the plans' think times; 0 = none. */
  thinkScale: number;
  maxThinkSeconds: number;
}

interface CheckNames {
  status: string;
  state: string;
  effects: string;
  no409: string;
}

type Answer = Partial<IntegrationStateV2> | undefined;
type Params = RefinedParams<'text'>;

/** Plans run by this VU; built once per VU because the headers and tag objects are reused. */
export function createSessionRunner(options: SessionOptions): (plan: SessionPlan) => boolean {
  const headers = { Authorization: `ApiKey-v1 ${options.apiKey}`, 'Content-Type': 'application/json' };
  // One params object per (step, kind): requests share them instead of allocating tags each time.
  const paramsCache = new Map<string, Params>();
  const namesCache = new Map<string, CheckNames>();

  const paramsFor = (step: PlanStep, kind: string): Params => {
    const key = `${step.step}|${kind}|${step.method}|${step.path.endsWith('/reopen') ? 'r' : step.path.endsWith('/returns') ? 't' : 's'}`;
    let p = paramsCache.get(key);
    if (!p) {
      const name = endpointOf(step.method, step.path) ?? `${step.method} other`;
      p = { headers, tags: { name, step: step.step, kind }, responseType: 'text' };
      paramsCache.set(key, p);
    }
    return p;
  };
  const namesFor = (step: string): CheckNames => {
    let n = namesCache.get(step);
    if (!n) {
      n = { status: `${step}: status 200`, state: `${step}: state as expected`, effects: `${step}: effects is an array`, no409: `${step}: no 409` };
      namesCache.set(step, n);
    }
    return n;
  };

  const send = (step: PlanStep, kind: string): RefinedResponse<'text'> => {
    let url = options.baseUrl + step.path;
    if (step.query) {
      const q = Object.entries(step.query);
      if (q.length > 0) url += `?${q.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
    }
    const body = step.body === undefined ? null : JSON.stringify(step.body);
    return http.request(step.method, url, body, paramsFor(step, kind));
  };

  const verify = (step: PlanStep, res: RefinedResponse<'text'>, kind: string): boolean => {
    const name = endpointOf(step.method, step.path);
    const tags = { step: step.step, kind };
    stepDuration.add(res.timings.duration, { step: step.step, kind, name: name ?? 'other' });
    if (res.status === 409) conflicts.add(1, tags);
    // A failed request's body is an error (or nothing): only a 200 is parsed, and k6's json()
    // would throw on the rest.
    let answer: Answer;
    if (res.status === 200 && typeof res.body === 'string' && res.body.length > 0) {
      try {
        answer = JSON.parse(res.body) as Answer;
      } catch {
        answer = undefined;
      }
    }
    const effects = answer?.effects;
    if (Array.isArray(effects)) {
      let rejected = 0;
      for (const e of effects) if (e && e.effectType === 'rejectCoupon') rejected++;
      if (rejected > 0) rejectedCoupons.add(rejected, tags);
    }
    const n = namesFor(step.step);
    const sets: Record<string, () => boolean> = {
      [n.status]: () => res.status === 200,
      [n.no409]: () => res.status !== 409,
    };
    // The state can be checked where the answer carries the session: a GET, or a write that asked
    // for it in responseContent. Reopen answers only effects.
    if (step.expect !== undefined && (step.method === 'GET' || asksForSession(step))) {
      const expected = step.expect;
      sets[n.state] = () => answer?.customerSession?.state === expected;
    }
    if (step.method !== 'GET') sets[n.effects] = () => Array.isArray(effects);
    return check(res, sets, tags);
  };

  return (plan: SessionPlan): boolean => {
    let steps = plan.steps;
    if (options.dry) {
      const d = toDryPlan(plan);
      for (const s of d.skipped) drySkippedSteps.add(1, { step: s.step, kind: plan.kind });
      steps = d.plan.steps;
    }
    let prevAt = 0;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as PlanStep;
      if (step.at !== undefined) {
        const wait = Math.min(((step.at - prevAt) / 1000) * options.thinkScale, options.maxThinkSeconds);
        if (i > 0 && wait > 0) sleep(wait);
        prevAt = step.at;
      }
      const res = send(step, plan.kind);
      if (!verify(step, res, plan.kind)) {
        if (i + 1 < steps.length) skippedSteps.add(steps.length - i - 1, { kind: plan.kind });
        lifecyclesFailed.add(1, { kind: plan.kind });
        return false;
      }
    }
    lifecyclesCompleted.add(1, { kind: plan.kind });
    return true;
  };
}

function asksForSession(step: PlanStep): boolean {
  const rc = (step.body as { responseContent?: unknown } | undefined)?.responseContent;
  return Array.isArray(rc) && rc.includes('customerSession');
}
