// One recorded session while it is being read: the few facts that learning needs, extracted from
// each request as it arrives, with every identifier (session, profile, coupon and referral codes,
// SKUs) reduced to a hash and the strings dropped. When the session ends (the export's row is
// read, or a request log's session goes idle) it is ordered by time and folded into the
// distributions (fold.ts), and forgotten.
import type { CartItem, IntegrationRequest } from '../model/api.ts';
import { fnv1a, mix32 } from '../model/hash.ts';
import { STEP_NAMES, type StepName } from '../model/plan.ts';
import type { ReplayEvent } from '../recordings/events.ts';

export const STEP = {} as Record<StepName, number>;
STEP_NAMES.forEach((name, i) => (STEP[name] = i));

/** A string's 53-bit key: two independent 32-bit hashes, so a million keys practically never collide. */
export function key53(text: string): number {
  let h = 5381;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 33) ^ text.charCodeAt(i)) | 0;
  return (mix32(fnv1a(text)) % 2097152) * 4294967296 + mix32(h ^ text.length);
}

/**
 * A cart as learning sees it: per item a SKU hash, the quantity, the unit price in cents (NaN:
 * none) and a category id (-1: none), side by side in one array (one small object per request
 * held, whatever the cart's size).
 */
export class CartRec {
  /** Some item carries attributes. */
  attrs = false;

  constructor(readonly d: number[]) {}

  get size(): number {
    return this.d.length >> 2;
  }
  sku(i: number): number {
    return this.d[i * 4] as number;
  }
  qty(i: number): number {
    return this.d[i * 4 + 1] as number;
  }
  cents(i: number): number {
    return this.d[i * 4 + 2] as number;
  }
  cat(i: number): number {
    return this.d[i * 4 + 3] as number;
  }
}

export interface StepRec {
  time: number;
  step: number;
  /** Order read, for steps recorded in the same ms. */
  seq: number;
  cart?: CartRec;
  /** evaluableCampaignIds sent (dry steps). */
  campaigns?: number;
  /** Items in a return request, and the units they return (1 for an item without a quantity). */
  returned?: number;
  returnedUnits?: number;
}

/** How coupon and referral codes are judged valid or invalid. */
export interface CodeJudge {
  /** Codes matching this are valid, the others invalid; without it, only recorded answers tell. */
  validCoupon?: RegExp;
  validReferral?: RegExp;
}

/** Interns category names up to a cap (later new names are left out, counted as uncategorised). */
export class CategoryNames {
  readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  constructor(private readonly cap = 2000) {}

  id(name: unknown): number {
    if (typeof name !== 'string' || name.length === 0) return -1;
    let id = this.ids.get(name);
    if (id === undefined) {
      if (this.names.length >= this.cap) return -1;
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The reader checked it: only a body it passed as text without vouching for it could fail here.
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cartRec(items: readonly CartItem[], categories: CategoryNames): CartRec {
  const d: number[] = [];
  let attrs = false;
  for (const item of items) {
    d.push(
      mix32(fnv1a(String(item.sku))),
      typeof item.quantity === 'number' && item.quantity > 0 ? item.quantity : 1,
      typeof item.price === 'number' && Number.isFinite(item.price) && item.price >= 0
        ? Math.round(item.price * 100)
        : NaN,
      categories.id(item.category),
    );
    if (isObject(item.attributes) && Object.keys(item.attributes).length > 0) attrs = true;
  }
  const rec = new CartRec(d);
  rec.attrs = attrs;
  return rec;
}

export class SessionDigest {
  readonly steps: StepRec[] = [];
  start = Infinity;
  last = -Infinity;
  profile: number | undefined;
  /** Distinct coupon codes (keys), with their validity where known. */
  readonly codes: number[] = [];
  readonly codeValid: (boolean | undefined)[] = [];
  referral: number | undefined;
  referralValid: boolean | undefined;
  loyalty = false;
  identifiers = 0;
  shipping: number | undefined;
  /** The responseContent of the session's first write that had one, as a sorted comma list. */
  responseContent: string | undefined;
  /** Outcomes seen in recorded answers: keys of rejected and accepted coupon codes. */
  rejected: number[] | undefined;
  accepted: number[] | undefined;
  referralOutcome: boolean | undefined;

  add(e: ReplayEvent, seq: number, categories: CategoryNames, judge: CodeJudge): void {
    const s = e.step;
    const rec: StepRec = { time: e.time, step: STEP[s.step], seq };
    if (e.time < this.start) this.start = e.time;
    if (e.time > this.last) this.last = e.time;
    // Readers hand the body over as the JSON text they checked (bodyText), not parsed.
    const body = s.body ?? (e.bodyText !== undefined ? parseBody(e.bodyText) : undefined);
    if (s.method === 'PUT' && isObject(body)) {
      const request = body as unknown as IntegrationRequest;
      const cs = request.customerSession;
      if (isObject(cs)) {
        if (typeof cs.profileId === 'string' && cs.profileId !== '') this.profile ??= key53(cs.profileId);
        if (Array.isArray(cs.cartItems)) rec.cart = cartRec(cs.cartItems, categories);
        if (Array.isArray(cs.couponCodes)) {
          for (const code of cs.couponCodes) {
            if (typeof code !== 'string' || code === '') continue;
            const k = key53(code);
            if (this.codes.includes(k)) continue;
            this.codes.push(k);
            this.codeValid.push(judge.validCoupon ? judge.validCoupon.test(code) : undefined);
          }
        }
        if (typeof cs.referralCode === 'string' && cs.referralCode !== '' && this.referral === undefined) {
          this.referral = key53(cs.referralCode);
          if (judge.validReferral) this.referralValid = judge.validReferral.test(cs.referralCode);
        }
        if (Array.isArray(cs.loyaltyCards) && cs.loyaltyCards.length > 0) this.loyalty = true;
        if (Array.isArray(cs.identifiers) && cs.identifiers.length > this.identifiers)
          this.identifiers = cs.identifiers.length;
        const shipping = isObject(cs.additionalCosts) ? cs.additionalCosts.shipping : undefined;
        if (isObject(shipping) && typeof shipping.price === 'number') this.shipping = shipping.price;
        if (Array.isArray(cs.evaluableCampaignIds)) rec.campaigns = cs.evaluableCampaignIds.length;
      }
      if (this.responseContent === undefined && Array.isArray(request.responseContent)) {
        this.responseContent = request.responseContent
          .filter((v) => typeof v === 'string')
          .sort()
          .join(',');
      }
    } else if (s.method === 'POST' && isObject(body)) {
      const ret = (body as { return?: { returnedCartItems?: unknown } }).return;
      if (isObject(ret) && Array.isArray(ret.returnedCartItems)) {
        rec.returned = ret.returnedCartItems.length;
        rec.returnedUnits = 0;
        for (const item of ret.returnedCartItems as unknown[]) {
          const q = isObject(item) ? item.quantity : undefined;
          rec.returnedUnits += typeof q === 'number' && q > 0 ? q : 1;
        }
      }
    }
    this.steps.push(rec);
  }

  /**
   * The coupon and referral outcomes in a recorded answer (Talon.One's access logs keep it):
   * rejectCoupon / acceptCoupon and rejectReferral / acceptReferral effects name the code in
   * `props.value`.
   */
  answer(text: string): void {
    // Most answers say nothing about codes: skip the parse.
    if (!text.includes('Coupon') && !text.includes('Referral')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return;
    }
    const effects = isObject(parsed) ? parsed.effects : undefined;
    if (!Array.isArray(effects)) return;
    for (const effect of effects) {
      if (!isObject(effect) || !isObject(effect.props) || typeof effect.props.value !== 'string') continue;
      const k = key53(effect.props.value);
      switch (effect.effectType) {
        case 'rejectCoupon':
          (this.rejected ??= []).push(k);
          break;
        case 'acceptCoupon':
          (this.accepted ??= []).push(k);
          break;
        case 'rejectReferral':
          if (k === this.referral) this.referralOutcome = false;
          break;
        case 'acceptReferral':
          if (k === this.referral) this.referralOutcome = true;
          break;
      }
    }
  }

  /** Steps in time order (file order among equal times). */
  ordered(): StepRec[] {
    return this.steps.sort((a, b) => a.time - b.time || a.seq - b.seq);
  }

  /** Each code's validity: a recorded answer's verdict first, else the pattern's, else unknown. */
  codeVerdicts(): (boolean | undefined)[] {
    return this.codes.map((k, i) => {
      if (this.rejected?.includes(k)) return false;
      if (this.accepted?.includes(k)) return true;
      return this.codeValid[i];
    });
  }
}
