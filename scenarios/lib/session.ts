// Sends one session plan: its steps in order, one at a time (step N+1 only after step N answered),
// with the plan's think times between them; checks every answer and records the custom metrics.
// A failed step ends the session: the steps after it would only fail for its reason.
//
// Every VU holds its own copy of what a script creates, and k6's engine pays a Go allocation for
// each object, closure and property, so this keeps nothing per kind of step: the two checks are
// module-level functions, `step` and `kind` are VU tags (exec.vu.metrics.tags) set as the session
// moves instead of a tags object per request, one params object serves every request, and answers
// are read with k6's JSON selectors (parsed in Go) instead of being built into JavaScript objects.
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import http, { type RefinedParams, type RefinedResponse } from 'k6/http';
import { endpointOf, type PlanStep, type SessionPlan, type StepName } from '../../model/plan.ts';
import { toDryPlan } from './dry.ts';
import {
  conflicts,
  drySkippedSteps,
  lifecyclesCompleted,
  lifecyclesFailed,
  rejectedCoupons,
  skippedSteps,
} from './metrics.ts';

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

type Response = RefinedResponse<'text'>;
type CheckSet = Record<string, (r: Response) => boolean>;

/** The verdict on the answer being checked, worked out before check() asks for it. */
let answerOk = false;
const status200 = (r: Response): boolean => r.status === 200;
const answerAsExpected = (): boolean => answerOk;

/** The two checks of each step, by name: built on a step's first request, once per VU. */
const checkSets: Partial<Record<StepName, CheckSet>> = {};
function checksOf(step: StepName): CheckSet {
  return (checkSets[step] ??= {
    [`${step}: status 200`]: status200,
    [`${step}: answer as expected`]: answerAsExpected,
  });
}

/** This VU's tags (k6 adds them to every metric sample the VU emits): read once, kept. */
let vuTags: Record<string, number | string | boolean> | undefined;

/**
 * Whether the answer carries the session: a GET's does, a write's when it asked for it in
 * responseContent (reopen answers only effects).
 */
export function asksForSession(step: PlanStep): boolean {
  if (step.method === 'GET') return true;
  if (step.bodyText !== undefined) {
    // responseContent is the body's last member. In JSON text a quote inside a string is escaped,
    // so `"responseContent":[` can only be that key, and its array runs to the end.
    const at = step.bodyText.lastIndexOf('"responseContent":[');
    return at !== -1 && step.bodyText.indexOf('"customerSession"', at) !== -1;
  }
  const rc = (step.body as { responseContent?: unknown } | undefined)?.responseContent;
  return Array.isArray(rc) && rc.includes('customerSession');
}

/** Reads the answer: its effects (writes) and the session's state where it carries one. */
function judge(step: PlanStep, res: Response): boolean {
  if (res.status !== 200) return false;
  if (step.method !== 'GET') {
    const effects = res.json('effects.#');
    if (typeof effects !== 'number') return false;
    if (effects > 0) {
      let rejected = 0;
      for (const type of res.json('effects.#.effectType') as unknown[]) if (type === 'rejectCoupon') rejected++;
      if (rejected > 0) rejectedCoupons.add(rejected);
    }
  }
  return step.expect === undefined || !asksForSession(step) || res.json('customerSession.state') === step.expect;
}

/** Runs plans on this VU: true when every step passed its checks. */
export function createSessionRunner(options: SessionOptions): (plan: SessionPlan) => boolean {
  const params: RefinedParams<'text'> & { tags: { name: string } } = {
    headers: { Authorization: `ApiKey-v1 ${options.apiKey}`, 'Content-Type': 'application/json' },
    // The endpoint, not the URL: session IDs in URLs would make a time series per session.
    tags: { name: '' },
    responseType: 'text',
  };

  const send = (step: PlanStep): Response => {
    let url = options.baseUrl + step.path;
    if (step.query) {
      let sep = '?';
      for (const k in step.query) {
        url += `${sep}${encodeURIComponent(k)}=${encodeURIComponent(step.query[k] as string)}`;
        sep = '&';
      }
    }
    params.tags.name = endpointOf(step.method, step.path) ?? `${step.method} other`;
    return http.request(
      step.method,
      url,
      step.bodyText ?? (step.body === undefined ? null : JSON.stringify(step.body)),
      params,
    );
  };

  return (plan: SessionPlan): boolean => {
    const tags = (vuTags ??= exec.vu.metrics.tags);
    tags.kind = plan.kind;
    let steps = plan.steps;
    if (options.dry) {
      const d = toDryPlan(plan);
      for (const s of d.skipped) drySkippedSteps.add(1, { step: s.step });
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
      tags.step = step.step;
      const res = send(step);
      options.onAnswer?.();
      if (res.status === 409) conflicts.add(1);
      answerOk = judge(step, res);
      if (!check(res, checksOf(step.step))) {
        delete tags.step;
        if (i + 1 < steps.length) skippedSteps.add(steps.length - i - 1);
        lifecyclesFailed.add(1);
        return false;
      }
    }
    // The session's samples after its last step (iterations, data_sent) keep only its kind.
    delete tags.step;
    lifecyclesCompleted.add(1);
    return true;
  };
}
