// POST /v2/customer_sessions/{id}/returns: return cart items of a closed (or partially returned)
// session, rolling back the returned items' share of its discounts and points.
import type { CustomerSessionV2 } from '../../model/api.ts';
import { integrationState, type ReturnRecord } from './answers.ts';
import { rollBack, type CoreContext, type SessionRecord } from './context.ts';
import { badRequest, fieldError, notFound, type CoreResponse } from './errors.ts';
import { parseBool } from './query.ts';
import { rollbackEffects } from './rules.ts';
import { checkReturnBody, schemaErrors, type ReturnBody } from './schema.ts';
import { bump } from './stats.ts';
import { INVALID_BODY } from './update.ts';

type Lines = ReturnRecord['returnedCartItems'];

/** Resolves each returned item to a position and quantity, or the 400 naming the first bad one. */
function resolveLines(
  view: CustomerSessionV2,
  body: ReturnBody,
): { lines: Lines; taken: Map<number, number>; value: number } | CoreResponse {
  const items = view.cartItems;
  const taken = new Map<number, number>();
  const lines: Lines = [];
  let value = 0;
  for (let i = 0; i < body.return.returnedCartItems.length; i++) {
    const r = body.return.returnedCartItems[i]!;
    const ptr = `/return/returnedCartItems/${i}`;
    let pos = r.position;
    if (pos === undefined) {
      if (r.sku === undefined)
        return fieldError(
          'A returned cart item needs its position (or sku)',
          `${ptr}/position`,
          'Missing required field',
        );
      pos = items.findIndex((it) => it.sku === r.sku && it.remainingQuantity - (taken.get(it.position) ?? 0) > 0);
      if (pos < 0) return fieldError(`No cart item with sku ${JSON.stringify(r.sku)} is left to return`, `${ptr}/sku`);
    }
    const item = items[pos];
    if (!item)
      return fieldError(
        `Cart item position ${pos} does not exist; the session has ${items.length} cart items`,
        `${ptr}/position`,
      );
    if (r.sku !== undefined && r.sku !== item.sku)
      return fieldError(
        `Cart item ${pos} has sku ${JSON.stringify(item.sku)}, not ${JSON.stringify(r.sku)}`,
        `${ptr}/sku`,
      );
    const left = item.remainingQuantity - (taken.get(pos) ?? 0);
    const q = r.quantity ?? left;
    if (q < 1 || q > left)
      return fieldError(`Only ${left} of cart item ${pos} remain to be returned, not ${q}`, `${ptr}/quantity`);
    taken.set(pos, (taken.get(pos) ?? 0) + q);
    lines.push({ position: pos, quantity: q, sku: item.sku });
    value += (item.price ?? 0) * q;
  }
  return { lines, taken, value };
}

export function returnItems(
  ctx: CoreContext,
  id: string,
  query: Record<string, string>,
  body: unknown,
  now: Date,
): CoreResponse {
  const dry = parseBool(query, 'dry');
  if (typeof dry !== 'boolean') return dry;
  // runRuleEngine re-evaluates campaigns with reevaluateOnReturn; the built-in ones have it off.
  const rerun = parseBool(query, 'runRuleEngine');
  if (typeof rerun !== 'boolean') return rerun;
  if (!checkReturnBody.Check(body)) return badRequest(INVALID_BODY, schemaErrors(checkReturnBody, body));
  const { responseContent } = body as ReturnBody;
  const rec = ctx.sessions.get(id);
  if (!rec) return notFound(`Customer session '${id}' not found`, 'customerSessionId');
  const from = rec.view.state;
  if (from !== 'closed' && from !== 'partially_returned') {
    return fieldError(
      `Cannot return items of customer session '${id}': it is ${from}, and only closed (or partially returned) sessions accept returns`,
      '/return',
      'Invalid state transition',
    );
  }
  const resolved = resolveLines(rec.view, body as ReturnBody);
  if ('status' in resolved) return resolved;

  const nowIso = now.toISOString();
  const commit = rec.commit;
  const share =
    commit && commit.itemTotal > 0 ? Math.min(resolved.value / commit.itemTotal, 1 - commit.returnedShare) : 0;
  const effects = commit ? rollbackEffects(commit, share, ctx.campaigns, false) : [];
  const view: CustomerSessionV2 = {
    ...rec.view,
    state: 'partially_returned',
    updated: nowIso,
    cartItems: rec.view.cartItems.slice(),
  };
  for (const [pos, q] of resolved.taken) {
    const it = view.cartItems[pos]!;
    view.cartItems[pos] = {
      ...it,
      returnedQuantity: it.returnedQuantity + q,
      remainingQuantity: it.remainingQuantity - q,
    };
  }
  const record: ReturnRecord = {
    id: dry ? 0 : ctx.next.return++,
    created: nowIso,
    applicationId: ctx.config.applicationId,
    accountId: 1,
    returnedCartItems: resolved.lines,
    eventId: ctx.next.event++,
    sessionId: view.id,
    sessionIntegrationId: id,
    profileIntegrationId: view.profileId,
  };
  if (dry) {
    ctx.stats.dryRuns++;
  } else {
    if (commit) {
      rollBack(ctx, commit, share, false);
      commit.returnedShare += share;
    }
    ctx.stats.returns++;
    if (from !== 'partially_returned') bump(ctx.stats.transitions, `${from}->partially_returned`);
    const next: SessionRecord = { view, effects, returns: [...rec.returns, record] };
    if (commit) next.commit = commit;
    ctx.sessions.set(id, next);
  }
  return {
    status: 200,
    body: integrationState(
      {
        session: view,
        effects,
        returns: rec.returns.concat(record),
        ret: record,
        nowIso,
        eventType: 'talon_session_returned',
      },
      responseContent,
      ctx.answers,
    ),
  };
}
