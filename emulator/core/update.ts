// PUT /v2/customer_sessions/{id}: create or update a session, with dry runs, the state machine,
// rule evaluation, and what closing and cancelling commit and roll back.
import type { CustomerSessionV2, Effect, NewCustomerSessionV2 } from '../../model/api.ts';
import { LIMITS, type SessionState } from '../../model/limits.ts';
import { integrationState } from './answers.ts';
import {
  commitClose,
  countEvaluation,
  rollBack,
  touchProfile,
  type CoreContext,
  type SessionRecord,
} from './context.ts';
import { badRequest, fieldError, parameterError, type CoreResponse } from './errors.ts';
import { parseBool } from './query.ts';
import { evaluate, rollbackEffects, type Evaluation } from './rules.ts';
import { checkUpdateBody, schemaErrors, type UpdateBody } from './schema.ts';
import { applyPayload, blankSession, withoutNulls } from './session.ts';
import { bump } from './stats.ts';
import { allowed, transitionHint } from './transitions.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
export const INVALID_BODY = 'Invalid request body';

/** The first cart item at which the running sum of quantities passes the limit, as a 400. */
function quantityLimitError(cs: NewCustomerSessionV2): CoreResponse | undefined {
  const items = cs.cartItems;
  if (!items) return undefined;
  let sum = 0;
  for (let i = 0; i < items.length; i++) {
    sum += items[i]!.quantity;
    if (sum > LIMITS.maxTotalQuantity) {
      return fieldError(
        `The sum of cart item quantities must be at most ${LIMITS.maxTotalQuantity} per request; it passes the limit at cart item ${i} (running sum ${sum})`,
        `/customerSession/cartItems/${i}/quantity`,
        'Too many items',
      );
    }
  }
  return undefined;
}

function nowError(query: Record<string, string>, dry: boolean, now: Date): CoreResponse | undefined {
  const nowParam = query['now'];
  if (nowParam === undefined) return undefined;
  if (!dry) return parameterError('Query parameter now can only be used together with dry=true', 'now');
  const t = Date.parse(nowParam);
  if (!RFC3339.test(nowParam) || Number.isNaN(t))
    return parameterError(`Query parameter now must be an RFC 3339 timestamp, got ${JSON.stringify(nowParam)}`, 'now');
  if (t <= now.getTime()) return parameterError('Query parameter now must be in the future', 'now');
  return undefined;
}

function transitionError(id: string, from: SessionState | undefined, to: SessionState): CoreResponse | undefined {
  const pointer = '/customerSession/state';
  if (from === undefined) {
    return to === 'open' || to === 'closed'
      ? undefined
      : fieldError(`A customer session can only be created as open or closed, not as ${to}`, pointer, 'Invalid state');
  }
  if (from === to) {
    return from === 'open'
      ? undefined
      : fieldError(
          `Customer session '${id}' is ${from} and cannot be updated: ${transitionHint(from, to)}`,
          pointer,
          'Invalid state transition',
        );
  }
  return allowed('update', from, to)
    ? undefined
    : fieldError(
        `Cannot change customer session '${id}' from ${from} to ${to}: ${transitionHint(from, to)}`,
        pointer,
        'Invalid state transition',
      );
}

/** The session as it would be after the request; the stored one is never modified. */
function nextView(
  ctx: CoreContext,
  id: string,
  existing: SessionRecord | undefined,
  cs: NewCustomerSessionV2,
  dry: boolean,
  nowIso: string,
): CustomerSessionV2 {
  let view: CustomerSessionV2;
  if (existing && existing.view.state !== 'open') {
    // A settled session only changes state (to cancelled): its cart is what was closed.
    view = { ...existing.view };
  } else if (existing && !dry) {
    view = { ...existing.view };
    applyPayload(view, cs);
  } else {
    // New sessions, and dry runs, which consider only the payload they carry (Talon.One's rule).
    view = blankSession(existing?.view.id ?? ctx.next.session, id, ctx.config.applicationId, nowIso);
    if (existing) {
      view.created = existing.view.created;
      view.profileId = existing.view.profileId;
      view.firstSession = existing.view.firstSession;
    }
    applyPayload(view, cs);
    if (!existing) view.firstSession = view.profileId === '' || !(ctx.profiles.get(view.profileId)?.sessions ?? 0);
  }
  view.updated = nowIso;
  view.updateCount = (existing?.view.updateCount ?? 0) + 1;
  return view;
}

export function updateSession(
  ctx: CoreContext,
  id: string,
  query: Record<string, string>,
  rawBody: unknown,
  now: Date,
): CoreResponse {
  const dry = parseBool(query, 'dry');
  if (typeof dry !== 'boolean') return dry;
  const badNow = nowError(query, dry, now);
  if (badNow) return badNow;
  const body =
    rawBody !== null && typeof rawBody === 'object' && 'customerSession' in rawBody
      ? {
          ...(rawBody as Record<string, unknown>),
          customerSession: withoutNulls((rawBody as Record<string, unknown>)['customerSession']),
        }
      : rawBody;
  if (!checkUpdateBody.Check(body)) return badRequest(INVALID_BODY, schemaErrors(checkUpdateBody, body));
  const { customerSession: cs, responseContent } = body as UpdateBody;
  const tooMany = quantityLimitError(cs);
  if (tooMany) return tooMany;

  const existing = ctx.sessions.get(id);
  const from = existing?.view.state;
  const to: SessionState = cs.state ?? from ?? 'open';
  const refused = transitionError(id, from, to);
  if (refused) return refused;

  // A dry run's `now` is the time the rules see: the answer reads as if sent then.
  const nowIso = (query['now'] !== undefined ? new Date(query['now']) : now).toISOString();
  const view = nextView(ctx, id, existing, cs, dry, nowIso);
  view.state = to;

  let effects: Effect[];
  let ev: Evaluation | undefined;
  let commit = existing?.commit;
  if (to === 'cancelled') {
    const share = commit ? 1 - commit.returnedShare : 0;
    effects = commit ? rollbackEffects(commit, share, ctx.campaigns, true) : [];
    if (!dry && commit) {
      rollBack(ctx, commit, share, true);
      commit = undefined;
    }
  } else {
    const closing = to === 'closed' && from !== 'closed';
    ev = evaluate(view, {
      config: ctx.config,
      campaigns: ctx.campaigns,
      coupons: ctx.coupons,
      referrals: ctx.referrals,
      held: commit,
      closing,
    });
    effects = ev.effects;
    if (!dry) {
      countEvaluation(ctx, ev);
      if (closing) commit = commitClose(ctx, view, ev);
    }
  }

  if (dry) {
    ctx.stats.dryRuns++;
  } else {
    if (!existing) {
      ctx.next.session++;
      ctx.stats.sessionsCreated++;
      view.firstSession = touchProfile(ctx, view.profileId, nowIso, true);
    } else if (view.profileId !== '') {
      touchProfile(ctx, view.profileId, nowIso, existing.view.profileId !== view.profileId);
    }
    if (from !== to) bump(ctx.stats.transitions, `${from ?? 'new'}->${to}`);
    const rec: SessionRecord = { view, effects, returns: existing?.returns ?? [] };
    if (commit) rec.commit = commit;
    ctx.sessions.set(id, rec);
  }
  return {
    status: 200,
    body: integrationState(
      {
        session: view,
        effects,
        evaluation: ev,
        returns: existing?.returns ?? [],
        nowIso,
        eventType: 'talon_session_updated',
      },
      responseContent,
      ctx.answers,
    ),
  };
}
