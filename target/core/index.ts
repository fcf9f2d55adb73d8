// The local target's core: a pure, synchronous emulation of Talon.One's customer-session
// endpoints (validation, state machine, rules, bounded store). No I/O, no promises, no timers:
// the server adds HTTP, auth, concurrency and knobs; tests and the k6 harness call handle() directly.
import type { CustomerSessionV2, Effect, NewCustomerSessionV2, ReopenSessionResponse } from '../../model/api.ts';
import { LIMITS, TRANSITIONS, type SessionState } from '../../model/limits.ts';
import { ENDPOINTS, endpointOf, sessionIdOf } from '../../model/plan.ts';
import { integrationState, type AnswerContext, type ProfileRecord, type ReturnRecord } from './answers.ts';
import { builtInCampaigns } from './campaigns.ts';
import { CodeBook } from './codes.ts';
import { resolveTargetConfig, type TargetConfig } from './config.ts';
import { badRequest, fieldError, notFound, parameterError, type CoreResponse } from './errors.ts';
import { evaluate, rollbackEffects, type Commit, type Evaluation } from './rules.ts';
import { checkReturnBody, checkUpdateBody, schemaErrors, type ReturnBody, type UpdateBody } from './schema.ts';
import { applyPayload, blankSession, withoutNulls } from './session.ts';
import { bump, emptyStats, type CoreStats } from './stats.ts';
import { TieredLru } from './store.ts';

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
  handle(req: CoreRequest): CoreResponse;
  /** The profile a stored session belongs to ('' for anonymous, undefined when not stored). */
  profileOf(sessionId: string): string | undefined;
  /** The stored session as the API would answer it, or undefined. Read-only. */
  session(sessionId: string): CustomerSessionV2 | undefined;
  stats(): CoreStats;
}

interface SessionRecord {
  view: CustomerSessionV2;
  effects: Effect[];
  commit?: Commit;
  returns: ReturnRecord[];
}

const SETTLED: ReadonlySet<SessionState> = new Set(['closed', 'cancelled', 'partially_returned']);
const INVALID_BODY = 'Invalid request body';
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function allowed(kind: keyof typeof TRANSITIONS, from: SessionState, to: SessionState): boolean {
  return (TRANSITIONS[kind] as ReadonlyArray<readonly [SessionState, SessionState]>).some(([f, t]) => f === from && t === to);
}

function transitionHint(from: SessionState, to: SessionState): string {
  if (from === 'cancelled') return 'a cancelled session is final';
  if (from === 'closed' && to === 'open') return 'reopen it with PUT /v2/customer_sessions/{id}/reopen';
  if (to === 'partially_returned') return 'return items with POST /v2/customer_sessions/{id}/returns';
  const targets = TRANSITIONS.update.filter(([f]) => f === from).map(([, t]) => t);
  return targets.length ? `from ${from} an update can only go to ${targets.join(' or ')}` : `a ${from} session cannot be changed by an update`;
}

function parseBool(query: Record<string, string>, name: string): boolean | CoreResponse {
  const v = query[name];
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  return parameterError(`Query parameter ${name} must be true or false, got ${JSON.stringify(v)}`, name);
}

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

export function createTargetCore(partial: Partial<TargetConfig> = {}): TargetCore {
  const config = resolveTargetConfig(partial);
  const campaigns = builtInCampaigns(config);
  const coupons = new CodeBook(config.couponPattern, config.coupons);
  const referrals = new CodeBook(config.referralPattern, config.referrals);
  const sessions = new TieredLru<SessionRecord>(config.maxSessions, (r) => SETTLED.has(r.view.state));
  const profiles = new TieredLru<ProfileRecord>(config.maxProfiles, () => true);
  const balances = new TieredLru<number>(config.maxProfiles, () => true);
  const stats = emptyStats();
  let nextSessionId = 1;
  let nextProfileId = 1;
  let nextReturnId = 1;
  let nextEventId = 1;
  const epoch = new Date().toISOString();

  const answers: AnswerContext = {
    config,
    campaigns,
    epoch,
    profile: (id) => profiles.get(id),
    balance: (card) => balances.get(card) ?? 0,
    nextEventId: () => nextEventId++,
  };

  function addPoints(card: string, points: number): void {
    balances.set(card, (balances.get(card) ?? 0) + points);
  }

  /** Gives back `share` of a commit: codes (when released), points, the profile's sales. */
  function rollBack(commit: Commit, share: number, releaseCodes: boolean): Effect[] {
    const effects = rollbackEffects(commit, share, campaigns, releaseCodes);
    const points = Math.floor(commit.points * share);
    if (commit.card !== undefined && points > 0) {
      addPoints(commit.card, -points);
      stats.loyaltyPoints.rolledBack += points;
    }
    if (releaseCodes) {
      if (commit.coupon) {
        coupons.release(commit.coupon.code);
        stats.coupons.released++;
      }
      if (commit.referral) {
        referrals.release(commit.referral.code);
        stats.referrals.released++;
      }
      const p = profiles.get(commit.profileId);
      if (p) {
        p.closedSessions = Math.max(0, p.closedSessions - 1);
        p.totalSales = Math.round((p.totalSales - commit.itemTotal) * 100) / 100;
      }
    }
    return effects;
  }

  function commitClose(view: CustomerSessionV2, ev: Evaluation): Commit {
    const commit: Commit = {
      discount: ev.discount,
      points: ev.points,
      profileId: view.profileId,
      itemTotal: view.cartItemTotal,
      returnedShare: 0,
      transactionUUID: `${view.integrationId}-${view.updateCount}`,
    };
    if (ev.acceptedCoupon) {
      commit.coupon = ev.acceptedCoupon;
      coupons.redeem(ev.acceptedCoupon.code);
      stats.coupons.redeemed++;
    }
    if (ev.acceptedReferral) {
      commit.referral = ev.acceptedReferral;
      referrals.redeem(ev.acceptedReferral.code);
      stats.referrals.redeemed++;
    }
    const card = view.loyaltyCards?.[0];
    if (card !== undefined && ev.points > 0) {
      commit.card = card;
      addPoints(card, ev.points);
      stats.loyaltyPoints.awarded += ev.points;
    }
    const p = profiles.get(view.profileId);
    if (p) {
      p.closedSessions++;
      p.totalSales = Math.round((p.totalSales + view.cartItemTotal) * 100) / 100;
    }
    return commit;
  }

  function touchProfile(integrationId: string, nowIso: string, newSession: boolean): boolean {
    // Anonymous sessions (profileId "") belong to no profile; each is its own first session.
    if (integrationId === '') return true;
    let p = profiles.get(integrationId);
    const first = !p || p.sessions === 0;
    if (!p) p = { id: nextProfileId++, integrationId, created: nowIso, lastActivity: nowIso, sessions: 0, closedSessions: 0, totalSales: 0 };
    p.lastActivity = nowIso;
    if (newSession) p.sessions++;
    profiles.set(integrationId, p);
    return first;
  }

  function countEvaluation(ev: Evaluation): void {
    if (ev.acceptedCoupon) stats.coupons.accepted++;
    stats.coupons.rejected += ev.rejectedCoupons;
    if (ev.acceptedReferral) stats.referrals.accepted++;
    stats.referrals.rejected += ev.rejectedReferrals;
  }

  function update(id: string, query: Record<string, string>, rawBody: unknown, now: Date): CoreResponse {
    const dry = parseBool(query, 'dry');
    if (typeof dry !== 'boolean') return dry;
    const nowParam = query['now'];
    if (nowParam !== undefined) {
      if (!dry) return parameterError('Query parameter now can only be used together with dry=true', 'now');
      const t = Date.parse(nowParam);
      if (!RFC3339.test(nowParam) || Number.isNaN(t)) return parameterError(`Query parameter now must be an RFC 3339 timestamp, got ${JSON.stringify(nowParam)}`, 'now');
      if (t <= now.getTime()) return parameterError('Query parameter now must be in the future', 'now');
    }
    const body =
      rawBody !== null && typeof rawBody === 'object' && 'customerSession' in rawBody
        ? { ...(rawBody as Record<string, unknown>), customerSession: withoutNulls((rawBody as Record<string, unknown>)['customerSession']) }
        : rawBody;
    if (!checkUpdateBody.Check(body)) return badRequest(INVALID_BODY, schemaErrors(checkUpdateBody, body));
    const { customerSession: cs, responseContent } = body as UpdateBody;
    const qtyError = quantityLimitError(cs);
    if (qtyError) return qtyError;

    const existing = sessions.get(id);
    const from = existing?.view.state;
    const to: SessionState = cs.state ?? from ?? 'open';
    if (from === undefined && to !== 'open' && to !== 'closed') {
      return fieldError(`A customer session can only be created as open or closed, not as ${to}`, '/customerSession/state', 'Invalid state');
    }
    if (from !== undefined && from !== 'open') {
      if (from === to) {
        return fieldError(`Customer session '${id}' is ${from} and cannot be updated: ${transitionHint(from, to)}`, '/customerSession/state', 'Invalid state transition');
      }
      if (!allowed('update', from, to)) {
        return fieldError(`Cannot change customer session '${id}' from ${from} to ${to}: ${transitionHint(from, to)}`, '/customerSession/state', 'Invalid state transition');
      }
    } else if (from === 'open' && to !== 'open' && !allowed('update', from, to)) {
      return fieldError(`Cannot change customer session '${id}' from open to ${to}: ${transitionHint(from, to)}`, '/customerSession/state', 'Invalid state transition');
    }

    const nowIso = now.toISOString();
    let view: CustomerSessionV2;
    if (existing && from !== 'open') {
      // A settled session only changes state (to cancelled): its cart is what was closed.
      view = { ...existing.view };
    } else if (existing && !dry) {
      view = { ...existing.view };
      applyPayload(view, cs);
    } else {
      // New sessions, and dry runs, which consider only the payload they carry (Talon.One's rule).
      view = blankSession(existing?.view.id ?? nextSessionId, id, config.applicationId, nowIso);
      if (existing) {
        view.created = existing.view.created;
        view.profileId = existing.view.profileId;
        view.firstSession = existing.view.firstSession;
      }
      applyPayload(view, cs);
      if (!existing) view.firstSession = view.profileId === '' || !(profiles.get(view.profileId)?.sessions ?? 0);
    }
    view.state = to;
    view.updated = nowIso;
    view.updateCount = (existing?.view.updateCount ?? 0) + 1;

    const closing = to === 'closed' && from !== 'closed';
    let effects: Effect[];
    let ev: Evaluation | undefined;
    let commit = existing?.commit;
    if (to === 'cancelled') {
      effects = commit ? rollbackEffects(commit, 1 - commit.returnedShare, campaigns, true) : [];
      if (!dry && commit) {
        rollBack(commit, 1 - commit.returnedShare, true);
        commit = undefined;
      }
    } else {
      ev = evaluate(view, { config, campaigns, coupons, referrals, held: commit, closing });
      effects = ev.effects;
      if (!dry) {
        countEvaluation(ev);
        if (closing) commit = commitClose(view, ev);
      }
    }

    if (dry) {
      stats.dryRuns++;
    } else {
      if (!existing) {
        nextSessionId++;
        stats.sessionsCreated++;
        view.firstSession = touchProfile(view.profileId, nowIso, true);
      } else if (view.profileId !== '') {
        touchProfile(view.profileId, nowIso, existing.view.profileId !== view.profileId);
      }
      if (from !== to) bump(stats.transitions, `${from ?? 'new'}->${to}`);
      const rec: SessionRecord = { view, effects, returns: existing?.returns ?? [] };
      if (commit) rec.commit = commit;
      sessions.set(id, rec);
    }
    return {
      status: 200,
      body: integrationState(
        { session: view, effects, evaluation: ev, returns: existing?.returns ?? [], nowIso, eventType: 'talon_session_updated' },
        responseContent,
        answers,
      ),
    };
  }

  function returnItems(id: string, query: Record<string, string>, body: unknown, now: Date): CoreResponse {
    const dry = parseBool(query, 'dry');
    if (typeof dry !== 'boolean') return dry;
    const rerun = parseBool(query, 'runRuleEngine');
    if (typeof rerun !== 'boolean') return rerun;
    if (!checkReturnBody.Check(body)) return badRequest(INVALID_BODY, schemaErrors(checkReturnBody, body));
    const { return: ret, responseContent } = body as ReturnBody;
    const rec = sessions.get(id);
    if (!rec) return notFound(`Customer session '${id}' not found`, 'customerSessionId');
    const from = rec.view.state;
    if (from !== 'closed' && from !== 'partially_returned') {
      return fieldError(
        `Cannot return items of customer session '${id}': it is ${from}, and only closed (or partially returned) sessions accept returns`,
        '/return',
        'Invalid state transition',
      );
    }

    const items = rec.view.cartItems;
    const taken = new Map<number, number>();
    const lines: ReturnRecord['returnedCartItems'] = [];
    let value = 0;
    for (let i = 0; i < ret.returnedCartItems.length; i++) {
      const r = ret.returnedCartItems[i]!;
      const ptr = `/return/returnedCartItems/${i}`;
      let pos = r.position;
      if (pos === undefined) {
        if (r.sku === undefined) return fieldError('A returned cart item needs its position (or sku)', `${ptr}/position`, 'Missing required field');
        pos = items.findIndex((it) => it.sku === r.sku && it.remainingQuantity - (taken.get(it.position) ?? 0) > 0);
        if (pos < 0) return fieldError(`No cart item with sku ${JSON.stringify(r.sku)} is left to return`, `${ptr}/sku`);
      }
      const item = items[pos];
      if (!item) return fieldError(`Cart item position ${pos} does not exist; the session has ${items.length} cart items`, `${ptr}/position`);
      if (r.sku !== undefined && r.sku !== item.sku) return fieldError(`Cart item ${pos} has sku ${JSON.stringify(item.sku)}, not ${JSON.stringify(r.sku)}`, `${ptr}/sku`);
      const left = item.remainingQuantity - (taken.get(pos) ?? 0);
      const q = r.quantity ?? left;
      if (q < 1 || q > left) return fieldError(`Only ${left} of cart item ${pos} remain to be returned, not ${q}`, `${ptr}/quantity`);
      taken.set(pos, (taken.get(pos) ?? 0) + q);
      lines.push({ position: pos, quantity: q, sku: item.sku });
      value += (item.price ?? 0) * q;
    }

    const nowIso = now.toISOString();
    const commit = rec.commit;
    const share = commit && commit.itemTotal > 0 ? Math.min(value / commit.itemTotal, 1 - commit.returnedShare) : 0;
    const effects = commit ? rollbackEffects(commit, share, campaigns, false) : [];
    const view: CustomerSessionV2 = { ...rec.view, state: 'partially_returned', updated: nowIso, cartItems: items.slice() };
    for (const [pos, q] of taken) {
      const it = view.cartItems[pos]!;
      view.cartItems[pos] = { ...it, returnedQuantity: it.returnedQuantity + q, remainingQuantity: it.remainingQuantity - q };
    }
    const record: ReturnRecord = {
      id: dry ? 0 : nextReturnId++,
      created: nowIso,
      applicationId: config.applicationId,
      accountId: 1,
      returnedCartItems: lines,
      eventId: nextEventId++,
      sessionId: view.id,
      sessionIntegrationId: id,
      profileIntegrationId: view.profileId,
    };
    if (dry) {
      stats.dryRuns++;
    } else {
      if (commit) {
        rollBack(commit, share, false);
        commit.returnedShare += share;
      }
      stats.returns++;
      if (from !== 'partially_returned') bump(stats.transitions, `${from}->partially_returned`);
      const next: SessionRecord = { view, effects, returns: [...rec.returns, record] };
      if (commit) next.commit = commit;
      sessions.set(id, next);
    }
    return {
      status: 200,
      body: integrationState(
        { session: view, effects, returns: rec.returns.concat(record), ret: record, nowIso, eventType: 'talon_session_returned' },
        responseContent,
        answers,
      ),
    };
  }

  function reopen(id: string, now: Date): CoreResponse {
    const rec = sessions.get(id);
    if (!rec) return notFound(`Customer session '${id}' not found`, 'customerSessionId');
    const from = rec.view.state;
    if (!allowed('reopen', from, 'open')) {
      return badRequest(`Cannot reopen customer session '${id}': it is ${from}, and only closed sessions can be reopened`, [
        { title: 'Invalid state transition', details: `from ${from} to open is not allowed`, source: { parameter: 'customerSessionId' } },
      ]);
    }
    const effects = rec.commit ? rollBack(rec.commit, 1, true) : [];
    const view: CustomerSessionV2 = { ...rec.view, state: 'open', updated: now.toISOString() };
    sessions.set(id, { view, effects, returns: rec.returns });
    bump(stats.transitions, `${from}->open`);
    const answer: ReopenSessionResponse = { effects };
    return { status: 200, body: answer };
  }

  function route(req: CoreRequest): { endpoint: string; res: CoreResponse } {
    const endpoint = endpointOf(req.method, req.path);
    if (!endpoint) return { endpoint: 'other', res: notFound(`No such endpoint: ${req.method} ${req.path}`) };
    const id = sessionIdOf(req.path);
    if (id === undefined) return { endpoint, res: parameterError('customerSessionId is not a valid URL-encoded string', 'customerSessionId') };
    if (id === '') return { endpoint, res: notFound('customerSessionId is empty', 'customerSessionId') };
    if (id.length > LIMITS.maxSessionIdLength) {
      return { endpoint, res: parameterError(`customerSessionId must be at most ${LIMITS.maxSessionIdLength} characters`, 'customerSessionId') };
    }
    const now = req.now ?? new Date();
    switch (endpoint) {
      case ENDPOINTS.update:
        return { endpoint, res: update(id, req.query, req.body, now) };
      case ENDPOINTS.returns:
        return { endpoint, res: returnItems(id, req.query, req.body, now) };
      case ENDPOINTS.reopen:
        return { endpoint, res: reopen(id, now) };
      default: {
        const rec = sessions.get(id);
        if (!rec) return { endpoint, res: notFound(`Customer session '${id}' not found`, 'customerSessionId') };
        return { endpoint, res: { status: 200, body: { customerSession: rec.view, effects: rec.effects } } };
      }
    }
  }

  return {
    config,
    handle(req) {
      const { endpoint, res } = route(req);
      stats.requests++;
      const status = String(res.status);
      bump((stats.byEndpoint[endpoint] ??= {}), status);
      bump(stats.byStatus, status);
      return res;
    },
    profileOf: (id) => sessions.get(id)?.view.profileId,
    session: (id) => sessions.get(id)?.view,
    stats() {
      return {
        ...structuredClone(stats),
        sessionsStored: sessions.size,
        sessionsEvicted: sessions.evictions,
        profilesStored: profiles.size,
      };
    },
  };
}
