// Session lifecycles: turns one session's drawn contents into the ordered steps of a plan, valid
// against the state machine (open → closed | cancelled; closed → cancelled | partially_returned |
// open; partially_returned → cancelled). Pure and k6-safe.
//
// A cart evolves by prefixes of the final cart: the opening request holds the first items, each
// update adds more, the last update holds the final cart. Removals and quantity changes are
// layered on top (an extra item present in one step and gone in the next; an item shown with
// another quantity before the update that changes it). Steps share item objects, and the close
// step reuses the final array: little allocation, and JSON output unaffected.
import { LIMITS, type ResponseContent, type SessionState } from '../model/limits.ts';
import type {
  CartItem,
  IntegrationRequest,
  NewCustomerSessionV2,
  ReturnedCartItem,
  ReturnIntegrationRequest,
} from '../model/api.ts';
import { sessionPath, type GeneratedKind, type PlanStep, type SessionPlan, type StepName } from '../model/plan.ts';
import { withQuantity, type Assembler, type SessionFields } from './assemble.ts';
import { sessionBodyTexts, type TextItem } from './plan-text.ts';
import type { Rng, ThinkTimes } from './random.ts';

interface Override {
  /** Index in the final cart. */
  k: number;
  /** The item shows `item` in steps before this one. */
  until: number;
  item: CartItem;
}

/** Accumulates steps with their time offsets; with `text`, their bodies as JSON text. */
class Steps {
  declare readonly list: PlanStep[];
  declare private at: number;
  declare private readonly rng: Rng;
  declare private readonly think: ThinkTimes;
  declare private readonly text: boolean;

  constructor(rng: Rng, think: ThinkTimes, text: boolean) {
    this.list = [];
    this.at = 0;
    this.rng = rng;
    this.think = think;
    this.text = text;
  }

  push(
    step: StepName,
    method: PlanStep['method'],
    path: string,
    body: unknown,
    expect: SessionState | undefined,
    query?: Record<string, string>,
  ): void {
    // The steps so far and this one: learned think times depend on the pair (PairQuantiles).
    if (this.list.length > 0) this.at += this.think.draw(this.rng, this.list, step);
    const s: PlanStep = { step, method, path };
    if (query) s.query = query;
    if (body !== undefined) {
      // In text mode session bodies come as text already; a return's body has no items.
      if (this.text) s.bodyText = typeof body === 'string' ? body : JSON.stringify(body);
      else s.body = body;
    }
    s.at = this.at;
    if (expect !== undefined) s.expect = expect;
    this.list.push(s);
  }
}

function sessionObject(
  f: SessionFields,
  items: CartItem[],
  state: SessionState | undefined,
  codes: boolean,
  rc: ResponseContent[] | undefined,
  campaigns?: number[],
): IntegrationRequest {
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

export function buildPlan(
  asm: Assembler,
  rng: Rng,
  index: number,
  kind: GeneratedKind,
  sessionId: string,
): SessionPlan {
  const t = asm.model;
  const learned = asm.learned;
  const f = asm.fields(rng, index);
  const path = sessionPath(sessionId);
  const steps = new Steps(rng, asm.think, asm.texts !== undefined);
  const rc = t.responseContent;
  // The session's bodies: objects, or (k6) text with the session's fields serialized once.
  const texts = asm.texts === undefined ? undefined : sessionBodyTexts(f, rc);
  const sessionBody = (
    items: CartItem[],
    state: SessionState | undefined,
    codes: boolean,
    campaigns?: number[],
  ): unknown =>
    texts
      ? texts(items as unknown as TextItem[], state, codes, campaigns)
      : sessionObject(f, items, state, codes, rc, campaigns);

  const n = asm.cartSize(rng);
  const isDry = kind === 'dry';
  // Dry plans are price checks of a growing cart: the same prefixes as updates, no other changes.
  // Counts by a learned profile's weights where it has some, else uniform: one draw either way.
  const checks = learned?.checkCounts;
  const updates = learned?.updateCounts;
  let u = isDry
    ? (checks ? t.checksMin + checks.draw(rng) : rng.int(t.checksMin, t.checksMax)) - 1
    : updates
      ? t.updatesMin + updates.draw(rng)
      : rng.int(t.updatesMin, t.updatesMax);
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
  if (kind === 'return' && size === 1 && (final[0] as CartItem).quantity === 1)
    final[0] = withQuantity(final[0] as CartItem, 2);

  const open = u === 0 ? size : Math.max(1, Math.min(size, Math.round(size * t.openShare)));
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
      steps.push('dry', 'PUT', path, sessionBody(cartAt(s), undefined, true, asm.campaigns(rng)), undefined, {
        dry: 'true',
      });
    }
    return finish(sessionId, f, kind, steps.list);
  }

  steps.push('open', 'PUT', path, sessionBody(cartAt(0), undefined, couponFrom === 0), 'open');
  for (let s = 1; s <= u; s++)
    steps.push('update', 'PUT', path, sessionBody(cartAt(s), undefined, s >= couponFrom), 'open');

  let last: SessionState = 'open';
  const transition = (step: StepName, state: SessionState, items: CartItem[]): void => {
    steps.push(step, 'PUT', path, sessionBody(items, state, true), state);
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
      const returns = learned?.returnCounts;
      const requests = returns
        ? t.returnRequestsMin + returns.draw(rng)
        : rng.int(t.returnRequestsMin, t.returnRequestsMax);
      const remaining = new Array<number>(size);
      let total = 0;
      for (let i = 0; i < size; i++) total += remaining[i] = (final[i] as CartItem).quantity;
      const perRequest = Math.max(1, Math.round(size * t.returnItemShare));
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
      steps.push('update', 'PUT', path, sessionBody(changed, undefined, true), 'open');
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
