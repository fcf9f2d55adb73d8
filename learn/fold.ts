// Folds finished sessions into fixed-size distributions: the lifecycle mix, cart sizes and units,
// prices and categories, code use and rejection, think times per step transition, repeat visits
// per customer and arrivals over the day. Memory does not grow with the number of sessions.
import { STEP_NAMES, type GeneratedKind } from '../model/plan.ts';
import { LIMITS } from '../model/limits.ts';
import { STEP, type CartRec, type SessionDigest, type StepRec } from './digest.ts';
import { Counts, DistinctSample, LogHistogram, NamedCounts } from './estimators.ts';

const DAY_MS = 86_400_000;

/** Bounds of the profile fields that counts are learned for. */
const COUNT_CAPS = {
  updates: 100,
  checks: 50,
  returns: 20,
  coupons: 20,
  campaigns: 50,
  sessionsPerProfile: 1000,
} as const;

export class Folded {
  sessions = 0;
  readonly kinds = new Map<GeneratedKind, number>();
  /** Requests per step name: the recording's request mix. */
  readonly stepMix = new Map<string, number>();
  readonly cartItems = new Counts(LIMITS.maxCartItems);
  readonly quantity = new Counts(LIMITS.maxTotalQuantity);
  readonly prices = new LogHistogram();
  /** Items per category id; sessions per category id (a category named by fewer sessions is not written). */
  readonly categoryItems = new Map<number, number>();
  readonly categorySessions = new Map<number, number>();
  uncategorisedItems = 0;
  /** Updates per non-browse session (browse plans always have one, so they would bias the count), and per browse session. */
  readonly updates = new Counts(COUNT_CAPS.updates);
  readonly browseUpdates = new Counts(COUNT_CAPS.updates);
  readonly checks = new Counts(COUNT_CAPS.checks);
  /**
   * Return requests per returning session: sessions that stopped with units left to return, and
   * sessions that stopped because at most one unit was left (the API keeps one: censored, their
   * count is a floor), for a Kaplan–Meier estimate of how many a session means to send.
   */
  readonly returns = new Counts(COUNT_CAPS.returns);
  readonly returnsCensored = new Counts(COUNT_CAPS.returns);
  readonly campaigns = new Counts(COUNT_CAPS.campaigns);
  /** Share of the final cart in the opening request, over sessions with updates: items, summed. */
  openItems = 0;
  openFinal = 0;
  /** Final cart sizes of those sessions: the planner rounds each opening to whole items, and the share is solved through that rounding. */
  readonly openSizes = new Counts(LIMITS.maxCartItems);
  /** Updates compared with the cart before them, and how many removed an item or changed a quantity. */
  comparedUpdates = 0;
  removals = 0;
  quantityChanges = 0;
  returnedShare = 0;
  returnRequests = 0;
  readonly think = new LogHistogram();
  readonly transitions = new Map<string, LogHistogram>();
  couponSessions = 0;
  readonly couponCounts = new Counts(COUNT_CAPS.coupons);
  codesJudged = 0;
  codesInvalid = 0;
  referralSessions = 0;
  referralsJudged = 0;
  referralsInvalid = 0;
  loyaltySessions = 0;
  identifierSessions = 0;
  identifiersMax = 0;
  shippingSessions = 0;
  readonly shippingPrices = new NamedCounts(1000);
  guestSessions = 0;
  readonly perProfile = new DistinctSample();
  static readonly maxSessionsPerProfile = COUNT_CAPS.sessionsPerProfile;
  itemAttributeSessions = 0;
  readonly responseContent = new NamedCounts(100);
  nonDrySessions = 0;
  getSessions = 0;
  firstStart = Infinity;
  lastStart = -Infinity;
  /** Session starts per bucket of the day (UTC). */
  readonly arrivals: Float64Array;

  constructor(readonly bucketMinutes: number) {
    this.arrivals = new Float64Array(1440 / bucketMinutes);
  }

  fold(d: SessionDigest): void {
    const steps = d.ordered();
    if (steps.length === 0) return;
    // Without a step column, a session's first write that leaves it open is its opening.
    if (!steps.some((s) => s.step === STEP.open)) {
      const first = steps.find((s) => s.step === STEP.update || s.step === STEP.close || s.step === STEP.cancel);
      if (first && first.step === STEP.update) first.step = STEP.open;
    }
    this.sessions++;
    const kind = kindOf(steps);
    this.kinds.set(kind, (this.kinds.get(kind) ?? 0) + 1);
    for (const s of steps) {
      const name = STEP_NAMES[s.step] as string;
      this.stepMix.set(name, (this.stepMix.get(name) ?? 0) + 1);
    }

    const start = d.start;
    if (start < this.firstStart) this.firstStart = start;
    if (start > this.lastStart) this.lastStart = start;
    const bucket = Math.floor((((start % DAY_MS) + DAY_MS) % DAY_MS) / (this.bucketMinutes * 60_000));
    this.arrivals[bucket] = (this.arrivals[bucket] as number) + 1;

    for (let i = 1; i < steps.length; i++) {
      const prev = steps[i - 1] as StepRec;
      const cur = steps[i] as StepRec;
      const gap = cur.time - prev.time;
      this.think.add(gap);
      const key = `${STEP_NAMES[prev.step]}>${STEP_NAMES[cur.step]}`;
      let h = this.transitions.get(key);
      if (!h) this.transitions.set(key, (h = new LogHistogram()));
      h.add(gap);
    }

    // The cart: the one the session checked out or cancelled with, else its last one.
    const endAt = steps.findIndex(
      (s) => s.step === STEP.close || s.step === STEP.cancel || s.step === STEP.return || s.step === STEP.reopen,
    );
    const before = endAt === -1 ? steps : steps.slice(0, endAt);
    const closing = endAt === -1 ? undefined : steps[endAt];
    let final: CartRec | undefined = closing?.cart;
    if (!final) for (let i = before.length - 1; i >= 0 && !final; i--) final = before[i]?.cart;
    if (final) this.foldCart(final);

    if (kind === 'dry') {
      this.checks.add(steps.filter((s) => s.step === STEP.dry).length);
      for (const s of steps) if (s.campaigns !== undefined) this.campaigns.add(s.campaigns);
    } else {
      this.nonDrySessions++;
      if (steps[steps.length - 1]?.step === STEP.get) this.getSessions++;
      const u = before.filter((s) => s.step === STEP.update).length;
      (kind === 'browse' ? this.browseUpdates : this.updates).add(u);
      this.foldChanges(before, final);
    }
    if (kind === 'return') {
      const returns = steps.filter((s) => s.step === STEP.return);
      let left = 0;
      if (final) for (let i = 0; i < final.size; i++) left += final.qty(i);
      for (const r of returns) left -= r.returnedUnits ?? 0;
      (returns.every((r) => r.returnedUnits !== undefined) && left <= 1 ? this.returnsCensored : this.returns).add(
        returns.length,
      );
      const size = final ? final.size : 0;
      for (const r of returns) {
        if (r.returned === undefined || size === 0) continue;
        this.returnedShare += Math.min(1, r.returned / size);
        this.returnRequests++;
      }
    }

    const verdicts = d.codeVerdicts();
    if (d.codes.length > 0) {
      this.couponSessions++;
      this.couponCounts.add(d.codes.length);
      for (const v of verdicts) {
        if (v === undefined) continue;
        this.codesJudged++;
        if (!v) this.codesInvalid++;
      }
    }
    if (d.referral !== undefined) {
      this.referralSessions++;
      const v = d.referralOutcome ?? d.referralValid;
      if (v !== undefined) {
        this.referralsJudged++;
        if (!v) this.referralsInvalid++;
      }
    }
    if (d.loyalty) this.loyaltySessions++;
    if (d.identifiers > 0) {
      this.identifierSessions++;
      if (d.identifiers > this.identifiersMax) this.identifiersMax = d.identifiers;
    }
    if (d.shipping !== undefined) {
      this.shippingSessions++;
      this.shippingPrices.add((Math.round(d.shipping * 100) / 100).toFixed(2));
    }
    if (d.profile === undefined) this.guestSessions++;
    else this.perProfile.add(d.profile);
    if (d.responseContent !== undefined) this.responseContent.add(d.responseContent);
  }

  private foldCart(cart: CartRec): void {
    const n = cart.size;
    this.cartItems.add(n);
    const seen = new Set<number>();
    for (let i = 0; i < n; i++) {
      this.quantity.add(cart.qty(i));
      const cents = cart.cents(i);
      if (!Number.isNaN(cents)) this.prices.add(cents);
      const c = cart.cat(i);
      if (c < 0) {
        this.uncategorisedItems++;
        continue;
      }
      this.categoryItems.set(c, (this.categoryItems.get(c) ?? 0) + 1);
      if (!seen.has(c)) {
        seen.add(c);
        this.categorySessions.set(c, (this.categorySessions.get(c) ?? 0) + 1);
      }
    }
    if (cart.attrs) this.itemAttributeSessions++;
  }

  /** Opening share, removals and quantity changes, from the carts of the steps before checkout. */
  private foldChanges(before: StepRec[], final: CartRec | undefined): void {
    const carts = before.filter((s) => s.cart !== undefined && (s.step === STEP.open || s.step === STEP.update));
    if (carts.length < 2 || !final) return;
    const finalSkus = new Set<number>();
    for (let i = 0; i < final.size; i++) finalSkus.add(final.sku(i));
    const first = (carts[0] as StepRec).cart as CartRec;
    let open = 0;
    for (let i = 0; i < first.size; i++) if (finalSkus.has(first.sku(i))) open++;
    this.openItems += open;
    this.openFinal += final.size;
    this.openSizes.add(final.size);
    for (let j = 1; j < carts.length; j++) {
      const prev = (carts[j - 1] as StepRec).cart as CartRec;
      const cur = (carts[j] as StepRec).cart as CartRec;
      const now = new Map<number, number>();
      for (let i = 0; i < cur.size; i++) now.set(cur.sku(i), cur.qty(i));
      let removed = false;
      let changed = false;
      for (let i = 0; i < prev.size; i++) {
        const q = now.get(prev.sku(i));
        if (q === undefined) removed = true;
        else if (q !== prev.qty(i)) changed = true;
      }
      this.comparedUpdates++;
      if (removed) this.removals++;
      if (changed) this.quantityChanges++;
    }
  }
}

/** The generated lifecycle a recorded session's steps correspond to. */
export function kindOf(steps: readonly StepRec[]): GeneratedKind {
  let close = false;
  let cancel = false;
  let ret = false;
  let reopen = false;
  let writes = false;
  let dry = false;
  for (const s of steps) {
    switch (s.step) {
      case STEP.close:
        close = true;
        break;
      case STEP.cancel:
        cancel = true;
        break;
      case STEP.return:
        ret = true;
        break;
      case STEP.reopen:
        reopen = true;
        break;
      case STEP.dry:
        dry = true;
        break;
      case STEP.open:
      case STEP.update:
        writes = true;
        break;
    }
  }
  if (reopen) return 'reopen';
  if (ret) return 'return';
  if (close && cancel) return 'checkout_cancel';
  if (cancel) return 'cancel_before_checkout';
  if (close) return 'checkout';
  if (dry && !writes) return 'dry';
  return 'browse';
}
