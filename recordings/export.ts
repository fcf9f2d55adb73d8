// The Talon.One customer-session export (Management API export_customer_sessions): one row a
// session, with its final cart and the times it was created, closed and cancelled. Each row becomes
// the requests that would have produced it: open at `created` with the cart, close at `closedat`,
// cancel at `cancelledat`, a return for `partially_returned`, a reopen for a closed-then-open session.
import type { CartItem, IntegrationRequest, NewCustomerSessionV2, ReturnedCartItem } from '../model/api.ts';
import { SESSION_STATES, type SessionState } from '../model/limits.ts';
import { sessionPath, type GeneratedKind, type PlanStep, type StepName } from '../model/plan.ts';
import type { ReplayEvent, RowIssue, SourcePosition } from './events.ts';
import { jsonCell, listCell } from './cells.ts';
import { checkWidth, indexColumns } from './header.ts';
import { quoteCell, reject, RowRejected } from './issues.ts';
import { checkCartItems, checkCodes, checkSessionId, checkStoreId, isObject } from './limits.ts';
import { LIMITS } from '../model/limits.ts';
import { isZeroTime, parseExportTime } from './time.ts';

/** The export's columns (as Talon.One names them); the reader needs only the first three. */
export const EXPORT_COLUMNS = [
  'integrationid',
  'created',
  'state',
  'id',
  'firstsession',
  'applicationid',
  'profileid',
  'profileintegrationid',
  'cartitems',
  'discounts',
  'total',
  'attributes',
  'closedat',
  'cancelledat',
  'referral',
  'identifiers',
  'additional_costs',
  'updated',
  'store_integration_id',
  'coupons',
] as const;
type ExportColumn = (typeof EXPORT_COLUMNS)[number];
export const EXPORT_REQUIRED: readonly ExportColumn[] = ['integrationid', 'created', 'state'];

export interface ExportLayout {
  header: readonly string[];
  index: Record<ExportColumn, number>;
}

export function exportLayout(header: readonly string[], at: SourcePosition): ExportLayout {
  const byName = indexColumns(header, at);
  const index = {} as Record<ExportColumn, number>;
  for (const c of EXPORT_COLUMNS) index[c] = byName.get(c.replace(/_/g, '')) ?? -1;
  for (const c of EXPORT_REQUIRED) {
    if (index[c] === -1)
      reject(at, 'missing-column', c, `the session export has no "${c}" column (header: ${header.join(',')})`);
  }
  return { header, index };
}

export function isExportHeader(normalized: ReadonlySet<string>): boolean {
  return EXPORT_REQUIRED.every((c) => normalized.has(c)) && normalized.has('cartitems');
}

/** Cart-item fields a request may carry; the export also holds the server's (position, returnedQuantity...). */
const REQUEST_ITEM_FIELDS = [
  'sku',
  'quantity',
  'name',
  'price',
  'category',
  'product',
  'weight',
  'height',
  'width',
  'length',
  'attributes',
  'additionalCosts',
] as const;

function requestItem(item: Record<string, unknown>): CartItem {
  const out: Record<string, unknown> = {};
  for (const f of REQUEST_ITEM_FIELDS) if (item[f] !== undefined && item[f] !== null) out[f] = item[f];
  return out as unknown as CartItem;
}

/** What a partially returned session gave back: the items the export marks returned, else a guess. */
function returnedItems(items: readonly Record<string, unknown>[]): ReturnedCartItem[] {
  const marked: ReturnedCartItem[] = [];
  items.forEach((item, i) => {
    const n = item.returnedQuantity;
    if (typeof n === 'number' && n > 0)
      marked.push({ position: typeof item.position === 'number' ? item.position : i, quantity: n });
  });
  // The export keeps only the final cart: without returned quantities, return one unit of the first item.
  return marked.length > 0
    ? marked
    : [{ position: typeof items[0]?.position === 'number' ? items[0].position : 0, quantity: 1 }];
}

function cell(fields: readonly string[], i: number): string {
  return i === -1 ? '' : (fields[i] ?? '');
}

/** The session events of one export row, in time order; throws RowRejected for a bad row. */
export function exportEvents(fields: readonly string[], layout: ExportLayout, at: SourcePosition): ReplayEvent[] {
  checkWidth(fields, layout.header, at);
  const ix = layout.index;
  const name = (c: ExportColumn): string => layout.header[ix[c]] ?? c;
  const text = (c: ExportColumn): string => cell(fields, ix[c]).trim();
  const time = (c: ExportColumn, required: boolean): number | undefined => {
    const t = text(c);
    if (t === '' || t === 'null') {
      if (required) reject(at, 'bad-date', name(c), 'is empty');
      return undefined;
    }
    const ms = parseExportTime(t);
    if (ms === undefined) reject(at, 'bad-date', name(c), `not an ISO 8601 date or Excel serial date: ${quoteCell(t)}`);
    if (isZeroTime(ms)) {
      if (required) reject(at, 'bad-date', name(c), `is the zero time ${quoteCell(t)}`);
      return undefined;
    }
    return ms;
  };

  const sessionId = text('integrationid');
  checkSessionId(sessionId, at, name('integrationid'));
  const stateText = text('state');
  if (!(SESSION_STATES as readonly string[]).includes(stateText)) {
    reject(at, 'bad-value', name('state'), `state ${quoteCell(stateText)} is not one of ${SESSION_STATES.join(', ')}`);
  }
  const state = stateText as SessionState;
  const created = time('created', true) as number;
  const closedAt = time('closedat', false);
  const cancelledAt = time('cancelledat', false);
  const updated = time('updated', false);

  const session: NewCustomerSessionV2 = {};
  const profileId = text('profileintegrationid');
  if (profileId !== '') session.profileId = profileId;
  const store = text('store_integration_id');
  if (store !== '') {
    checkStoreId(store, at, name('store_integration_id'));
    session.storeIntegrationId = store;
  }
  const coupons = listCell(text('coupons'), at, name('coupons'));
  if (coupons.length > 0) {
    checkCodes(coupons, LIMITS.maxCouponCodeLength, 'coupon code', at, name('coupons'));
    session.couponCodes = coupons;
  }
  const referral = text('referral');
  if (referral !== '') {
    checkCodes([referral], LIMITS.maxReferralCodeLength, 'referral code', at, name('referral'));
    session.referralCode = referral;
  }
  const identifiers = listCell(text('identifiers'), at, name('identifiers'));
  if (identifiers.length > LIMITS.maxIdentifiers) {
    reject(
      at,
      'over-limit',
      name('identifiers'),
      `${identifiers.length} identifiers, over the API's limit of ${LIMITS.maxIdentifiers}`,
    );
  }
  if (identifiers.length > 0) session.identifiers = identifiers;

  const items = jsonCell(cell(fields, ix.cartitems), at, name('cartitems')) ?? [];
  checkCartItems(items, at, name('cartitems'));
  const storedItems = items as Record<string, unknown>[];
  if (storedItems.length > 0) session.cartItems = storedItems.map(requestItem);

  const costs = jsonCell(cell(fields, ix.additional_costs), at, name('additional_costs'));
  if (costs !== undefined && costs !== null) {
    if (!isObject(costs))
      reject(at, 'bad-value', name('additional_costs'), 'expected a JSON object of name → {"price": n}');
    const out: Record<string, { price: number }> = {};
    for (const [k, v] of Object.entries(costs)) {
      const price = typeof v === 'number' ? v : isObject(v) ? v.price : undefined;
      if (typeof price !== 'number')
        reject(at, 'bad-value', name('additional_costs'), `additional cost "${k}" has no numeric price`);
      out[k] = { price };
    }
    if (Object.keys(out).length > 0) session.additionalCosts = out;
  }
  const attributes = jsonCell(cell(fields, ix.attributes), at, name('attributes'));
  if (attributes !== undefined && attributes !== null) {
    if (!isObject(attributes)) reject(at, 'bad-value', name('attributes'), 'expected a JSON object');
    if (Object.keys(attributes).length > 0) session.attributes = attributes;
  }

  // The steps that lead from nothing to the recorded final state, each at the best time the row gives.
  // Bodies are kept apart from the steps and serialised once, when the events are made.
  const steps: Array<{ time: number; step: PlanStep; body?: unknown }> = [];
  const put = (step: StepName, t: number, cs: NewCustomerSessionV2, expect: SessionState): void => {
    const body: IntegrationRequest = { customerSession: cs };
    steps.push({ time: t, step: { step, method: 'PUT', path: sessionPath(sessionId), expect }, body });
  };
  const minimal: NewCustomerSessionV2 = session.profileId === undefined ? {} : { profileId: session.profileId };
  const last = (): number => steps[steps.length - 1]?.time ?? created;

  put('open', created, session, 'open');
  const closes = closedAt !== undefined || state === 'closed' || state === 'partially_returned';
  if (closes) put('close', closedAt ?? updated ?? created, { ...session, state: 'closed' }, 'closed');
  if (state === 'open' && closedAt !== undefined) {
    steps.push({
      time: Math.max(closedAt, updated ?? closedAt),
      step: { step: 'reopen', method: 'PUT', path: sessionPath(sessionId, 'reopen'), expect: 'open' },
    });
  }
  if (state === 'partially_returned') {
    if (storedItems.length === 0)
      reject(at, 'inconsistent-row', name('cartitems'), 'a partially returned session with an empty cart');
    const body = { return: { returnedCartItems: returnedItems(storedItems) } };
    steps.push({
      time: Math.max(last(), updated ?? last()),
      step: { step: 'return', method: 'POST', path: sessionPath(sessionId, 'returns'), expect: 'partially_returned' },
      body,
    });
  }
  if (cancelledAt !== undefined && state !== 'cancelled') {
    reject(
      at,
      'inconsistent-row',
      name('cancelledat'),
      `the session has a cancellation time but its state is "${state}"`,
    );
  }
  if (state === 'cancelled')
    put('cancel', cancelledAt ?? Math.max(last(), updated ?? last()), { ...minimal, state: 'cancelled' }, 'cancelled');

  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1] as (typeof steps)[number];
    const cur = steps[i] as (typeof steps)[number];
    if (cur.time < prev.time) {
      reject(
        at,
        'bad-date',
        undefined,
        `the session's ${cur.step.step} (${new Date(cur.time).toISOString()}) comes before its ${prev.step.step} (${new Date(prev.time).toISOString()})`,
      );
    }
  }
  const profile = session.profileId;
  const kind = lifecycleKind(state, closedAt !== undefined);
  return steps.map(({ time: t, step, body }, i) => {
    const e: ReplayEvent = {
      time: t,
      sessionId,
      kind,
      step,
      finalState: state,
      source: { file: at.file, line: at.line },
    };
    if (body !== undefined) e.bodyText = JSON.stringify(body);
    if (profile !== undefined) e.profileId = profile;
    if (i === steps.length - 1) e.lastOfSession = true;
    return e;
  });
}

/**
 * The generated lifecycle a session's final state corresponds to (model/plan.ts LIFECYCLE_KINDS),
 * so a replayed export's summary counts sessions by the same kinds a generated run does. A closed
 * session that is open again was reopened; a cancelled one with a close time was cancelled after
 * checkout.
 */
export function lifecycleKind(state: SessionState, closed: boolean): GeneratedKind {
  switch (state) {
    case 'open':
      return closed ? 'reopen' : 'browse';
    case 'closed':
      return 'checkout';
    case 'cancelled':
      return closed ? 'checkout_cancel' : 'cancel_before_checkout';
    case 'partially_returned':
      return 'return';
  }
}

export function parseExportRecord(
  fields: readonly string[],
  layout: ExportLayout,
  at: SourcePosition,
): ReplayEvent[] | RowIssue {
  try {
    return exportEvents(fields, layout, at);
  } catch (err) {
    if (err instanceof RowRejected) return err.issue;
    throw err;
  }
}
