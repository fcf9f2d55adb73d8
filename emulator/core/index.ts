// The local target's core: a pure, synchronous emulation of Talon.One's customer-session
// endpoints (validation, state machine, rules, bounded store). No I/O, no promises, no timers:
// the server adds HTTP, auth, concurrency and knobs; tests and the k6 harness call handle() directly.
import type { CustomerSessionV2 } from '../../model/api.ts';
import { LIMITS } from '../../model/limits.ts';
import { ENDPOINTS, endpointOf, sessionIdOf } from '../../model/plan.ts';
import { resolveTargetConfig, type TargetConfig } from './config.ts';
import { createContext, type CoreContext } from './context.ts';
import { notFound, parameterError, type CoreResponse } from './errors.ts';
import { reopenSession } from './reopen.ts';
import { returnItems } from './returns.ts';
import { bump, type CoreStats } from './stats.ts';
import { updateSession } from './update.ts';

export type { TargetConfig, CodeSpec } from './config.ts';
export { DEFAULT_TARGET_CONFIG, resolveTargetConfig } from './config.ts';
export type { CoreStats } from './stats.ts';
export type { CoreResponse } from './errors.ts';

export interface CoreRequest {
  method: string;
  /** The raw (still URL-encoded) path, without the query string. */
  path: string;
  query: Record<string, string>;
  /** The parsed JSON body, or undefined when there was none. */
  body: unknown;
  /** The current time; injectable so that tests and replays are deterministic. */
  now?: Date;
}

export interface TargetCore {
  readonly config: TargetConfig;
  /** Answers one request. The answer's objects may be shared with the store: treat them as read-only. */
  handle(req: CoreRequest): CoreResponse;
  /** The profile a stored session belongs to ('' for anonymous, undefined when not stored). */
  profileOf(sessionId: string): string | undefined;
  /** The stored session as the API would answer it, or undefined. Read-only. */
  session(sessionId: string): CustomerSessionV2 | undefined;
  stats(): CoreStats;
}

function route(ctx: CoreContext, req: CoreRequest): { endpoint: string; res: CoreResponse } {
  const endpoint = endpointOf(req.method, req.path);
  if (!endpoint) return { endpoint: 'other', res: notFound(`No such endpoint: ${req.method} ${req.path}`) };
  const id = sessionIdOf(req.path);
  if (id === undefined)
    return {
      endpoint,
      res: parameterError('customerSessionId is not a valid URL-encoded string', 'customerSessionId'),
    };
  if (id === '') return { endpoint, res: notFound('customerSessionId is empty', 'customerSessionId') };
  if (id.length > LIMITS.maxSessionIdLength) {
    return {
      endpoint,
      res: parameterError(
        `customerSessionId must be at most ${LIMITS.maxSessionIdLength} characters`,
        'customerSessionId',
      ),
    };
  }
  const now = req.now ?? new Date();
  switch (endpoint) {
    case ENDPOINTS.update:
      return { endpoint, res: updateSession(ctx, id, req.query, req.body, now) };
    case ENDPOINTS.returns:
      return { endpoint, res: returnItems(ctx, id, req.query, req.body, now) };
    case ENDPOINTS.reopen:
      return { endpoint, res: reopenSession(ctx, id, now) };
    default: {
      const rec = ctx.sessions.get(id);
      if (!rec) return { endpoint, res: notFound(`Customer session '${id}' not found`, 'customerSessionId') };
      return { endpoint, res: { status: 200, body: { customerSession: rec.view, effects: rec.effects } } };
    }
  }
}

export function createTargetCore(partial: Partial<TargetConfig> = {}): TargetCore {
  const ctx = createContext(resolveTargetConfig(partial));
  const { stats, sessions, profiles } = ctx;
  return {
    config: ctx.config,
    handle(req) {
      const { endpoint, res } = route(ctx, req);
      stats.requests++;
      const status = String(res.status);
      bump((stats.byEndpoint[endpoint] ??= {}), status);
      bump(stats.byStatus, status);
      return res;
    },
    profileOf: (id) => sessions.get(id)?.view.profileId,
    session: (id) => sessions.get(id)?.view,
    stats: () => ({
      ...structuredClone(stats),
      sessionsStored: sessions.size,
      sessionsEvicted: sessions.evictions,
      profilesStored: profiles.size,
    }),
  };
}
