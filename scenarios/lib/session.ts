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
  /** Called when each request has its answer (the capacity scenario counts answers by when they came). */
  onAnswer?: () => void;
}

type Answer = Partial<IntegrationStateV2> | undefined;
type Params = RefinedParams<'text'>;
type Checks = Record<string, () => boolean>;

/** What one kind of step, in one kind of session, shares across all its requests. */
interface StepShape {
  params: Params;
  /** Tags of the step's checks and counters. */
  tags: { step: string; kind: string };
  /** Tags of its cartload_step_duration sample. */
  durationTags: { step: string; kind: string; name: string };
  /** The check set, with and without the state check. */
  checks: Checks;
  checksWithState: Checks;
}

/**
 * Plans run by this VU. Built once per VU: headers, tags, params and check functions are made once
 * per kind of step and reused by every request, so a step allocates little beyond its body.
 */
export function createSessionRunner(options: SessionOptions): (plan: SessionPlan) => boolean {
  const headers = { Authorization: `ApiKey-v1 ${options.apiKey}`, 'Content-Type': 'application/json' };
  // The answer being checked: the cached check functions read it from here.
  const current: { status: number; answer: Answer; expect: string | undefined } = { status: 0, answer: undefined, expect: undefined };
  const shapes = new Map<string, StepShape>();

  const shapeOf = (step: PlanStep, kind: string): StepShape => {
    // In generated plans a step's name and method determine its endpoint.
    const key = `${step.step}|${kind}|${step.method}`;
    let shape = shapes.get(key);
    if (!shape) {
      const name = endpointOf(step.method, step.path) ?? `${step.method} other`;
      const s = step.step;
      const checks: Checks = {
        [`${s}: status 200`]: () => current.status === 200,
        [`${s}: no 409`]: () => current.status !== 409,
      };
      // Reads answer no effects array; every write does.
      if (step.method !== 'GET') checks[`${s}: effects is an array`] = () => Array.isArray(current.answer?.effects);
      shape = {
        params: { headers, tags: { name, step: s, kind }, responseType: 'text' },
        tags: { step: s, kind },
        durationTags: { step: s, kind, name },
        checks,
        checksWithState: { ...checks, [`${s}: state as expected`]: () => current.answer?.customerSession?.state === current.expect },
      };
      shapes.set(key, shape);
    }
    return shape;
  };

  const send = (step: PlanStep, shape: StepShape): RefinedResponse<'text'> => {
    let url = options.baseUrl + step.path;
    if (step.query) {
      let sep = '?';
      for (const k in step.query) {
        url += `${sep}${encodeURIComponent(k)}=${encodeURIComponent(step.query[k] as string)}`;
        sep = '&';
      }
    }
    const body = step.body === undefined ? null : JSON.stringify(step.body);
    return http.request(step.method, url, body, shape.params);
  };

  const verify = (step: PlanStep, res: RefinedResponse<'text'>, shape: StepShape): boolean => {
    stepDuration.add(res.timings.duration, shape.durationTags);
    if (res.status === 409) conflicts.add(1, shape.tags);
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
      if (rejected > 0) rejectedCoupons.add(rejected, shape.tags);
    }
    current.status = res.status;
    current.answer = answer;
    current.expect = step.expect;
    // The state can be checked where the answer carries the session: a GET, or a write that asked
    // for it in responseContent. Reopen answers only effects.
    const withState = step.expect !== undefined && (step.method === 'GET' || asksForSession(step));
    const ok = check(res, withState ? shape.checksWithState : shape.checks, shape.tags);
    current.answer = undefined;
    return ok;
  };

  const kindTags = new Map<string, { kind: string }>();
  return (plan: SessionPlan): boolean => {
    let tags = kindTags.get(plan.kind);
    if (!tags) kindTags.set(plan.kind, (tags = { kind: plan.kind }));
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
      const shape = shapeOf(step, plan.kind);
      const res = send(step, shape);
      options.onAnswer?.();
      if (!verify(step, res, shape)) {
        if (i + 1 < steps.length) skippedSteps.add(steps.length - i - 1, tags);
        lifecyclesFailed.add(1, tags);
        return false;
      }
    }
    lifecyclesCompleted.add(1, tags);
    return true;
  };
}

function asksForSession(step: PlanStep): boolean {
  const rc = (step.body as { responseContent?: unknown } | undefined)?.responseContent;
  return Array.isArray(rc) && rc.includes('customerSession');
}
