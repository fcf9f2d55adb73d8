// The session plan: the one data structure that every source makes and every engine executes.
// Plain JSON so that the same plan can be generated in Node, written to CSV, read back, replayed,
// and produced inside k6. No Node APIs here: this module is bundled into k6.
import { SESSIONS_PATH, type SessionState } from './limits.ts';

export const STEP_NAMES = ['open', 'update', 'close', 'cancel', 'return', 'reopen', 'dry', 'get'] as const;
/** What a step does; engines tag requests with it (k6 tag `step`) so time series stay few. */
export type StepName = (typeof STEP_NAMES)[number];

export const LIFECYCLE_KINDS = [
  'browse',
  'checkout',
  'checkout_cancel',
  'cancel_before_checkout',
  'return',
  'reopen',
  'dry',
] as const;
export type GeneratedKind = (typeof LIFECYCLE_KINDS)[number];
/** Recorded traffic has no generated kind; readers label it `recorded`. */
export type LifecycleKind = GeneratedKind | 'recorded';

export type HttpMethod = 'GET' | 'PUT' | 'POST';

export interface PlanStep {
  step: StepName;
  method: HttpMethod;
  /** Absolute path, starting with /v2/customer_sessions/<url-encoded session id>. */
  path: string;
  query?: Record<string, string>;
  /** The JSON body, or absent for GET and reopen. */
  body?: unknown;
  /**
   * The body as JSON text, instead of `body`: what the k6 scenarios plan (text is compact in k6's
   * engine, where every object and property of a held plan is an allocation of its own).
   */
  bodyText?: string;
  /** Offset in ms from the session's first step; absent means "right after the previous step". */
  at?: number;
  /** The state the session should be in after this step answered 200. */
  expect?: SessionState;
  /** The status that was recorded for this step, when the plan comes from recorded traffic. */
  recordedStatus?: number;
}

export interface SessionPlan {
  sessionId: string;
  profileId?: string;
  kind: LifecycleKind;
  /** Epoch ms at which the session started, for recorded traffic; generated plans are paced by the engine. */
  startedAt?: number;
  steps: PlanStep[];
}

/** The endpoints, as stable names for tags and per-endpoint counts (URLs with IDs would explode them). */
export const ENDPOINTS = {
  update: 'PUT /v2/customer_sessions/{id}',
  get: 'GET /v2/customer_sessions/{id}',
  reopen: 'PUT /v2/customer_sessions/{id}/reopen',
  returns: 'POST /v2/customer_sessions/{id}/returns',
} as const;
export type EndpointName = (typeof ENDPOINTS)[keyof typeof ENDPOINTS];

export function sessionPath(sessionId: string, suffix?: 'reopen' | 'returns'): string {
  const base = `${SESSIONS_PATH}/${encodeURIComponent(sessionId)}`;
  return suffix ? `${base}/${suffix}` : base;
}

/** The endpoint a step's method and path address, or undefined for a path outside the session API. */
export function endpointOf(method: string, path: string): EndpointName | undefined {
  if (!path.startsWith(`${SESSIONS_PATH}/`)) return undefined;
  const rest = path.slice(SESSIONS_PATH.length + 1);
  const slash = rest.indexOf('/');
  const suffix = slash === -1 ? '' : rest.slice(slash + 1);
  if (suffix === '' && method === 'PUT') return ENDPOINTS.update;
  if (suffix === '' && method === 'GET') return ENDPOINTS.get;
  if (suffix === 'reopen' && method === 'PUT') return ENDPOINTS.reopen;
  if (suffix === 'returns' && method === 'POST') return ENDPOINTS.returns;
  return undefined;
}

/** The session ID a path addresses (decoded), or undefined. */
export function sessionIdOf(path: string): string | undefined {
  if (!path.startsWith(`${SESSIONS_PATH}/`)) return undefined;
  const rest = path.slice(SESSIONS_PATH.length + 1);
  const slash = rest.indexOf('/');
  const raw = slash === -1 ? rest : rest.slice(0, slash);
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** The same plan under another session ID (namespacing per run, `--loop` with fresh IDs). */
export function withSessionId(plan: SessionPlan, sessionId: string): SessionPlan {
  const from = `${SESSIONS_PATH}/${encodeURIComponent(plan.sessionId)}`;
  const to = `${SESSIONS_PATH}/${encodeURIComponent(sessionId)}`;
  return {
    ...plan,
    sessionId,
    steps: plan.steps.map((s) => (s.path.startsWith(from) ? { ...s, path: to + s.path.slice(from.length) } : s)),
  };
}
