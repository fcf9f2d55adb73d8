// Session lifecycles: turns one session's drawn contents into the ordered steps of a plan, valid
// against the state machine (open → closed | cancelled; closed → cancelled | partially_returned |
// open; partially_returned → cancelled). Pure and k6-safe.
//
// A cart evolves by prefixes of the final cart: the opening request holds the first items, each
// update adds more, the last update holds the final cart. Removals and quantity changes are
// layered on top (an extra item present in one step and gone in the next; an item shown with
// another quantity before the update that changes it). Steps share item objects, and the close
// step reuses the final array: little allocation, and JSON output unaffected.
import { LIMITS, RETURN_RESPONSE_CONTENT, type ResponseContent, type SessionState } from '../model/limits.ts';
import type { CartItem, IntegrationRequest, NewCustomerSessionV2, ReturnedCartItem, ReturnIntegrationRequest } from '../model/api.ts';
import { STEP_NAMES, sessionPath, type GeneratedKind, type PlanStep, type SessionPlan, type StepName } from '../model/plan.ts';
import { withQuantity, type Assembler, type SessionFields } from './assemble.ts';
import type { IntRange } from './profiles.ts';
import { QuantileTable, Table, chance, type Rng } from './random.ts';

/** Per-planner constants derived from the profile (built once, used for every session). */
export interface LifecycleTables {
  think: QuantileTable;
  /** Learned think times per pair of steps, at [from × 8 + to] (STEP_NAMES order); absent without them. */
  thinkBy?: (QuantileTable | undefined)[];
  /** Learned counts (updates, dry checks, returns): weights of min..max; absent means uniform. */
  updatesT?: Table;
  checksT?: Table;
  returnsT?: Table;
  removeT: number;
  quantityT: number;
  getT: number;
  halfT: number;
  itemShareT: number;
  responseContent?: ResponseContent[];
  returnResponseContent?: ResponseContent[];
}

export function lifecycleTables(asm: Assembler): LifecycleTables {
  const p = asm.profile;
  const t = p.thinkTimeMs;
  const rc = p.responseContent.length > 0 ? p.responseContent.slice() : undefined;
  const rrc = p.responseContent.filter((v) => (RETURN_RESPONSE_CONTENT as readonly string[]).includes(v));
  const tables: Pick<LifecycleTables, 'thinkBy' | 'updatesT' | 'checksT' | 'returnsT'> = {};
  if (t.transitions) {
    const by: (QuantileTable | undefined)[] = [];
    for (const [key, q] of Object.entries(t.transitions)) {
      const [from, to] = key.split('>') as [StepName, StepName];
      by[STEP_INDEX[from] * 8 + STEP_INDEX[to]] = QuantileTable.fromQuantiles(q);
    }
    tables.thinkBy = by;
  }
  if (p.updates.weights) tables.updatesT = new Table(p.updates.weights);
  if (p.dry.checks.weights) tables.checksT = new Table(p.dry.checks.weights);
  if (p.returns.requests.weights) tables.returnsT = new Table(p.returns.requests.weights);
  return {
    ...tables,
    think: t.quantiles ? QuantileTable.fromQuantiles(t.quantiles) : new QuantileTable(t.median, t.sigma, t.min, t.max),
    removeT: chance(p.changes.removeShare),
    quantityT: chance(p.changes.quantityShare),
    getT: chance(p.getShare),
    halfT: chance(0.5),
    itemShareT: chance(p.returns.itemShare),
    responseContent: rc,
    returnResponseContent: rrc.length > 0 ? rrc : undefined,
  };
}

interface Override {
  /** Index in the final cart. */
  k: number;
  /** The item shows `item` in steps before this one. */
  until: number;
  item: CartItem;
}

const STEP_INDEX = {} as Record<StepName, number>;
STEP_NAMES.forEach((name, i) => (STEP_INDEX[name] = i));

/** A count in [min, max]: by the learned weights when there are some, else uniform (one draw either way). */
function count(rng: Rng, range: IntRange, table: Table | undefined): number {
  return table ? range.min + table.draw(rng) : rng.int(range.min, range.max);
}

/** Accumulates steps with their time offsets. */
class Steps {
  declare readonly list: PlanStep[];
  private declare at: number;
  private declare readonly rng: Rng;
  private declare readonly think: QuantileTable;
  private declare readonly thinkBy: (QuantileTable | undefined)[] | undefined;
  /** STEP_INDEX of the last step pushed (read only with thinkBy). */
  private declare prev: number;

  constructor(rng: Rng, think: QuantileTable, thinkBy: (QuantileTable | undefined)[] | undefined) {
    this.list = [];
    this.at = 0;
    this.rng = rng;
    this.think = think;
    this.thinkBy = thinkBy;
    this.prev = 0;
  }

  push(step: StepName, method: PlanStep['method'], path: string, body: unknown, expect: SessionState | undefined, query?: Record<string, string>): void {
    const by = this.thinkBy;
    if (by === undefined) {
      if (this.list.length > 0) this.at += this.think.draw(this.rng);
    } else {
      const to = STEP_INDEX[step];
      if (this.list.length > 0) this.at += (by[this.prev * 8 + to] ?? this.think).draw(this.rng);
      this.prev = to;
    }
    const s: PlanStep = { step, method, path };
    if (query) s.query = query;
    if (body !== undefined) s.body = body;
    s.at = this.at;
    if (expect !== undefined) s.expect = expect;
    this.list.push(s);
  }
}

function sessionBody(f: SessionFields, items: CartItem[], state: SessionState | undefined, codes: boolean, rc: ResponseContent[] | undefined, campaigns?: number[]): IntegrationRequest {
  const cs: NewCustomerSessionV2 = { profileId: f.profileId, storeIntegrationId: f.storeIntegrationId };
  if (campaigns) cs.evaluableCampaignIds = campaigns;
  if (codes && f.couponCodes) cs.couponCodes = f.couponCodes;
  if (codes && f.referralCode !== undefined) cs.referralCode = f.referralCode;
  if (f.loyaltyCards) cs.loyaltyCards = f.loyaltyCards;
  if (state) cs.state = state;
  cs.cartItems = items;
  if (f.additionalCosts) cs.additionalCosts = f.additionalCosts;
  if (f.identifiers) cs.identifiers = f.identifiers;
  cs.attributes = f.attributes;
  return rc ? { customerSession: cs, responseContent: rc } : { customerSession: cs };
}

export function buildPlan(asm: Assembler, t: LifecycleTables, rng: Rng, index: number, kind: GeneratedKind, sessionId: string): SessionPlan {
  const profile = asm.profile;
  const f = asm.fields(rng, index);
  const path = sessionPath(sessionId);
  const steps = new Steps(rng, t.think, t.thinkBy);
  const rc = t.responseContent;

  const n = asm.cartSize(rng);
  const isDry = kind === 'dry';
  // Dry plans are price checks of a growing cart: the same prefixes as updates, no other changes.
  let u = isDry ? count(rng, profile.dry.checks, t.checksT) - 1 : count(rng, profile.updates, t.updatesT);
  if (kind === 'browse' && u === 0) u = 1;

  // Events per update j (1..u): a removal needs one extra distinct product; room is bounded by the
  // item limit and by the catalog (a 3-product catalog has no extra product for a 3-item cart).
  let room = asm.maxDistinct - n;
  const wantsReopenExtra = kind === 'reopen' && room > 0;
  if (wantsReopenExtra) room--;
  let removals: boolean[] | undefined;
  let extras = wantsReopenExtra ? 1 : 0;
  let reserve = kind === 'reopen' ? 1 : 0;
  const quantityAt: boolean[] | undefined = u > 0 && !isDry ? [] : undefined;
  if (u > 0 && !isDry) {
    removals = [];
    for (let j = 1; j <= u; j++) {
      const r = room > 0 && rng.hit(t.removeT);
      removals[j] = r;
      if (r) {
        room--;
        extras++;
      }
      const q = rng.hit(t.quantityT);
      (quantityAt as boolean[])[j] = q;
      if (q) reserve++;
    }
  }
  const all = asm.cart(rng, n + extras, LIMITS.maxTotalQuantity - reserve);
  const size = all.length - extras;
  const final = extras === 0 ? all : all.slice(0, size);
  let nextExtra = size;
  const extraFor: CartItem[] = [];
  if (removals) for (let j = 1; j <= u; j++) if (removals[j]) extraFor[j] = all[nextExtra++] as CartItem;
  const reopenExtra = wantsReopenExtra ? (all[nextExtra] as CartItem) : undefined;

  // A return must leave something unreturned (the session ends partially returned): two units at least.
  if (kind === 'return' && size === 1 && (final[0] as CartItem).quantity === 1) final[0] = withQuantity(final[0] as CartItem, 2);

  const open = u === 0 ? size : Math.max(1, Math.min(size, Math.round(size * profile.cart.openShare)));
  const prefix = (s: number): number => (s === 0 ? open : open + Math.floor(((size - open) * s) / u));

  const overrides: Override[] = [];
  if (quantityAt) {
    for (let j = 1; j <= u; j++) {
      if (!quantityAt[j]) continue;
      const k = rng.below(prefix(j - 1));
      if (overrides.some((o) => o.k === k)) continue;
      const item = final[k] as CartItem;
      const q = item.quantity;
      const before = q > 1 && rng.hit(t.halfT) ? rng.int(1, q - 1) : q + 1;
      overrides.push({ k, until: j, item: withQuantity(item, before) });
    }
  }
  const cartAt = (s: number): CartItem[] => {
    const len = prefix(s);
    if (len === size && overrides.length === 0 && !(s < u && extraFor[s + 1])) return final;
    const items = final.slice(0, len);
    for (const o of overrides) if (s < o.until && o.k < len) items[o.k] = o.item;
    const extra = extraFor[s + 1];
    if (extra) items.push(extra);
    return items;
  };
  const couponFrom = rng.int(0, u);

  if (isDry) {
    for (let s = 0; s <= u; s++) {
      steps.push('dry', 'PUT', path, sessionBody(f, cartAt(s), undefined, true, rc, asm.campaigns(rng)), undefined, { dry: 'true' });
    }
    return finish(sessionId, f, kind, steps.list);
  }

  steps.push('open', 'PUT', path, sessionBody(f, cartAt(0), undefined, couponFrom === 0, rc), 'open');
  for (let s = 1; s <= u; s++) steps.push('update', 'PUT', path, sessionBody(f, cartAt(s), undefined, s >= couponFrom, rc), 'open');

  let last: SessionState = 'open';
  const transition = (step: StepName, state: SessionState, items: CartItem[]): void => {
    steps.push(step, 'PUT', path, sessionBody(f, items, state, true, rc), state);
    last = state;
  };

  switch (kind) {
    case 'browse':
      break;
    case 'checkout':
      transition('close', 'closed', final);
      break;
    case 'checkout_cancel':
      transition('close', 'closed', final);
      transition('cancel', 'cancelled', final);
      break;
    case 'cancel_before_checkout':
      transition('cancel', 'cancelled', final);
      break;
    case 'return': {
      transition('close', 'closed', final);
      const requests = count(rng, profile.returns.requests, t.returnsT);
      const remaining = new Array<number>(size);
      let total = 0;
      for (let i = 0; i < size; i++) total += remaining[i] = (final[i] as CartItem).quantity;
      const perRequest = Math.max(1, Math.round(size * profile.returns.itemShare));
      for (let r = 0; r < requests && total > 1; r++) {
        const returned: ReturnedCartItem[] = [];
        const start = rng.below(size);
        for (let walked = 0; walked < size && returned.length < perRequest && total > 1; walked++) {
          const position = (start + walked) % size;
          const left = remaining[position] as number;
          if (left === 0) continue;
          if (returned.length > 0 && !rng.hit(t.itemShareT)) continue;
          const quantity = rng.int(1, Math.min(left, total - 1));
          remaining[position] = left - quantity;
          total -= quantity;
          returned.push({ position, quantity });
        }
        const body: ReturnIntegrationRequest = { return: { returnedCartItems: returned } };
        if (t.returnResponseContent) body.responseContent = t.returnResponseContent;
        steps.push('return', 'POST', sessionPath(sessionId, 'returns'), body, 'partially_returned');
        last = 'partially_returned';
      }
      transition('cancel', 'cancelled', final);
      break;
    }
    case 'reopen': {
      transition('close', 'closed', final);
      steps.push('reopen', 'PUT', sessionPath(sessionId, 'reopen'), undefined, 'open');
      let changed: CartItem[];
      if (reopenExtra) {
        changed = final.slice();
        changed.push(reopenExtra);
      } else {
        // A full cart (1000 items, or the whole catalog): the customer raises a quantity instead (the budget kept one unit for it).
        const k = rng.below(size);
        changed = final.slice();
        changed[k] = withQuantity(final[k] as CartItem, (final[k] as CartItem).quantity + 1);
      }
      steps.push('update', 'PUT', path, sessionBody(f, changed, undefined, true, rc), 'open');
      transition('close', 'closed', changed);
      break;
    }
  }
  if (rng.hit(t.getT)) steps.push('get', 'GET', path, undefined, last);
  return finish(sessionId, f, kind, steps.list);
}

function finish(sessionId: string, f: SessionFields, kind: GeneratedKind, steps: PlanStep[]): SessionPlan {
  return { sessionId, profileId: f.profileId, kind, steps };
}
