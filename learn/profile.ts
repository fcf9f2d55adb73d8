// The folded distributions as a traffic profile (format version 2), over a preset for whatever the
// recording cannot say, with a note for each field saying what was learned or why it was kept.
// Only distributions are written: counts, shares, quantiles, rates. No session or profile ID,
// coupon or referral code, loyalty card, identifier, attribute or SKU reaches the profile; the only
// names written are product category names, and only those that at least `minCategorySessions`
// sessions had.
import { LIFECYCLE_KINDS, type GeneratedKind } from '../model/plan.ts';
import { LIMITS, RESPONSE_CONTENT } from '../model/limits.ts';
import { PRESETS, PROFILE_VERSION, type ProfileInput, type TrafficProfile } from '../generators/profiles.ts';
import type { CategoryNames } from './digest.ts';
import { logNormalFit, type Counts, type LogHistogram } from './estimators.ts';
import { Folded } from './fold.ts';
import type { FoldStats } from './read.ts';

export interface ProfileOptions {
  /** The preset that fields the recording cannot say are kept from (default `default`). */
  base: string;
  name: string;
  /** A category is written only when at least this many sessions had it (default 5). */
  minCategorySessions: number;
  /** At most this many categories, the most frequent (default 50). */
  maxCategories: number;
  /** Think times of a transition are written when it was seen at least this often (default 20). */
  minTransitionSamples: number;
}

export interface LearnNote {
  /** The profile field, e.g. `coupons.invalidShare`. */
  field: string;
  /** What was learned, or why the base preset's value was kept. */
  note: string;
  kept: boolean;
}

export interface LearnedProfile {
  /** What `--profile` reads: version 2, over the base preset. */
  profile: ProfileInput;
  notes: LearnNote[];
}

const DAY_MS = 86_400_000;
/** Percentiles: 101 values at probabilities 0, 0.01, ..., 1. */
const QUANTILE_STEPS = 100;

const share = (part: number, whole: number): number => (whole > 0 ? round(part / whole, 4) : 0);

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** `n thing` or `n things`. */
function count(n: number, thing: string): string {
  return `${n} ${n === 1 ? thing : `${thing}s`}`;
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

/** Weights of min..max from counts, trimmed to the values seen. */
function range(c: Counts, floor: number, cap: number): { min: number; max: number; weights: number[] } {
  const min = Math.min(cap, Math.max(floor, c.min));
  const max = Math.min(cap, Math.max(min, c.max));
  return { min, max, weights: c.weights(min, max) };
}

export function buildProfile(
  f: Folded,
  categories: CategoryNames,
  stats: FoldStats,
  o: ProfileOptions,
): LearnedProfile {
  if (!PRESETS[o.base]) throw new RangeError(`unknown preset ${o.base}`);
  const notes: LearnNote[] = [];
  const learned = (field: string, note: string): void => void notes.push({ field, note, kept: false });
  const kept = (field: string, why: string): void =>
    void notes.push({ field, note: `kept from ${o.base}: ${why}`, kept: true });
  const isExport = stats.format === 'export';
  const n = f.sessions;
  const days = (f.lastStart - f.firstStart) / DAY_MS;

  const p: ProfileInput & Record<string, unknown> = {
    version: PROFILE_VERSION,
    extends: o.base,
    name: o.name,
    description: `Learned by cartload learn from ${n} sessions recorded over ${days >= 2 ? `${days.toFixed(1)} days` : `${((f.lastStart - f.firstStart) / 3_600_000).toFixed(1)} hours`} (${isExport ? 'a session export' : `a request log of ${stats.requests} requests`}).`,
  };

  const lifecycles = {} as Record<GeneratedKind, number>;
  for (const k of LIFECYCLE_KINDS) lifecycles[k] = f.kinds.get(k) ?? 0;
  p.lifecycles = lifecycles;
  learned(
    'lifecycles',
    LIFECYCLE_KINDS.filter((k) => lifecycles[k] > 0)
      .map((k) => `${k} ${pct(lifecycles[k] / n)}`)
      .join(', '),
  );

  const cart: Record<string, unknown> = {};
  if (f.cartItems.total > f.cartItems.count(0)) {
    const r = range(f.cartItems, 1, LIMITS.maxCartItems);
    const fit = logNormalFit((q) => Math.max(1, f.cartItems.quantile(q)));
    cart.items = { median: fit.median, sigma: round(fit.sigma, 3), ...r };
    learned(
      'cart.items',
      `${count(f.cartItems.total, 'cart')}, ${r.min} to ${count(r.max, 'item')}, median ${fit.median}`,
    );
    const q = range(f.quantity, 1, LIMITS.maxTotalQuantity);
    cart.quantity = { mean: Math.max(1, round(f.quantity.mean, 3)), max: q.max, weights: f.quantity.weights(1, q.max) };
    learned(
      'cart.quantity',
      `${count(f.quantity.total, 'item')}, mean ${round(f.quantity.mean, 2)} units, at most ${q.max}`,
    );
    cart.itemAttributes = f.itemAttributeSessions * 2 > f.cartItems.total;
    learned('cart.itemAttributes', `${pct(f.itemAttributeSessions / f.cartItems.total)} of carts have item attributes`);
  } else {
    kept('cart.items', 'no session in the recording has a cart');
  }
  if (f.prices.total > 0) {
    cart.prices = centsQuantiles(f.prices);
    learned(
      'cart.prices',
      `${count(f.prices.total, 'priced item')}, median ${((cart.prices as number[])[50] as number).toFixed(2)}`,
    );
  } else {
    kept('cart.prices', 'no cart item has a price: the catalog pool prices are used');
  }
  const cats = [...f.categoryItems.entries()]
    .filter(([id]) => (f.categorySessions.get(id) ?? 0) >= o.minCategorySessions)
    .sort((a, b) => b[1] - a[1])
    .slice(0, o.maxCategories);
  if (cats.length > 0) {
    cart.categories = Object.fromEntries(cats.map(([id, count]) => [categories.names[id] as string, count]));
    const written = cats.reduce((s, [, c]) => s + c, 0);
    const all = [...f.categoryItems.values()].reduce((s, c) => s + c, 0) + f.uncategorisedItems;
    learned(
      'cart.categories',
      `${cats.length} ${cats.length === 1 ? 'category' : 'categories'} covering ${pct(written / all)} of items (categories of fewer than ${o.minCategorySessions} sessions are left out)`,
    );
  } else {
    kept(
      'cart.categories',
      `no category was named by ${o.minCategorySessions} sessions or more: the catalog pool categories are used`,
    );
  }
  if (f.openFinal > 0) {
    cart.openShare = openShare(f);
    learned('cart.openShare', `${pct(cart.openShare as number)} of the final cart is in the opening request`);
  } else {
    kept('cart.openShare', isExport ? "an export holds each session's final cart only" : 'no session has updates');
  }
  if (Object.keys(cart).length > 0) p.cart = cart as ProfileInput['cart'];
  kept('cart.popularity', 'product popularity is not learned (SKUs are not kept)');

  const updates = f.updates.total > 0 ? f.updates : f.browseUpdates;
  if (updates.total > 0) {
    const u = range(updates, 0, 100);
    p.updates = u;
    learned(
      'updates',
      isExport
        ? 'none: an export holds no updates, and its replay sends none'
        : `${count(updates.total, 'session')}, ${u.min} to ${count(u.max, 'update')}, mean ${round(updates.mean, 2)}`,
    );
  }
  if (f.comparedUpdates > 0) {
    p.changes = {
      removeShare: share(f.removals, f.comparedUpdates),
      quantityShare: share(f.quantityChanges, f.comparedUpdates),
    };
    learned(
      'changes',
      `${count(f.comparedUpdates, 'update')}: ${pct(p.changes.removeShare as number)} remove an item, ${pct(p.changes.quantityShare as number)} change a quantity`,
    );
  } else {
    kept('changes', isExport ? 'an export holds no updates' : 'no session has two carts to compare');
  }

  if (f.think.total > 0) {
    const min = Math.floor(Math.min(f.think.min, DAY_MS));
    const max = Math.max(min + 1, Math.ceil(Math.min(f.think.max, DAY_MS)));
    const clamp = (q: number[]): number[] => q.map((v) => Math.min(max, Math.max(min, Math.round(v))));
    const quantiles = clamp(f.think.quantiles(QUANTILE_STEPS));
    const fit = logNormalFit((q) => (quantiles[Math.round(q * QUANTILE_STEPS)] as number) || 1);
    const transitions: Record<string, number[]> = {};
    for (const [key, h] of [...f.transitions.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (h.total >= o.minTransitionSamples) transitions[key] = clamp(h.quantiles(QUANTILE_STEPS));
    }
    p.thinkTimeMs = { median: Math.max(1, Math.round(fit.median)), sigma: round(fit.sigma, 3), min, max, quantiles };
    if (Object.keys(transitions).length > 0) p.thinkTimeMs.transitions = transitions;
    learned(
      'thinkTimeMs',
      `${count(f.think.total, 'gap')} between steps, median ${Math.round(fit.median)} ms; ${Object.keys(transitions).length} of ${count(f.transitions.size, 'transition')} (those seen ${o.minTransitionSamples} times or more) have their own`,
    );
  } else {
    kept('thinkTimeMs', 'no session has two steps');
  }

  const coupons: Record<string, unknown> = { sessionShare: share(f.couponSessions, n) };
  if (f.couponCounts.total > 0) {
    const max = Math.min(20, Math.max(1, f.couponCounts.max));
    coupons.max = max;
    coupons.weights = f.couponCounts.weights(1, max);
  }
  if (f.codesJudged > 0) coupons.invalidShare = share(f.codesInvalid, f.codesJudged);
  p.coupons = coupons as ProfileInput['coupons'];
  learned('coupons.sessionShare', `${pct(coupons.sessionShare as number)} of sessions send coupon codes`);
  if (f.codesJudged > 0)
    learned(
      'coupons.invalidShare',
      `${count(f.codesJudged, 'code')} judged, ${pct(coupons.invalidShare as number)} rejected`,
    );
  else if (f.couponSessions > 0) kept('coupons.invalidShare', rejectionWhy(stats, 'coupon'));

  const referral: Record<string, unknown> = { sessionShare: share(f.referralSessions, n) };
  if (f.referralsJudged > 0) referral.invalidShare = share(f.referralsInvalid, f.referralsJudged);
  p.referral = referral as ProfileInput['referral'];
  learned('referral.sessionShare', `${pct(referral.sessionShare as number)} of sessions send a referral code`);
  if (f.referralsJudged > 0)
    learned(
      'referral.invalidShare',
      `${count(f.referralsJudged, 'referral code')} judged, ${pct(referral.invalidShare as number)} rejected`,
    );
  else if (f.referralSessions > 0) kept('referral.invalidShare', rejectionWhy(stats, 'referral'));

  if (isExport) {
    kept('loyalty.sessionShare', 'an export has no loyalty card column');
  } else {
    p.loyalty = { sessionShare: share(f.loyaltySessions, n) };
    learned('loyalty.sessionShare', `${pct(p.loyalty.sessionShare as number)} of sessions send a loyalty card`);
  }
  p.identifiers = {
    sessionShare: share(f.identifierSessions, n),
    ...(f.identifiersMax > 0 ? { max: Math.min(LIMITS.maxIdentifiers, f.identifiersMax) } : {}),
  };
  learned('identifiers', `${pct(p.identifiers.sessionShare as number)} of sessions send identifiers`);
  const shipping: Record<string, unknown> = { sessionShare: share(f.shippingSessions, n) };
  if (f.shippingSessions > 0)
    shipping.prices = f.shippingPrices
      .top()
      .slice(0, 10)
      .map(([price]) => Number(price));
  p.shipping = shipping as ProfileInput['shipping'];
  learned(
    'shipping',
    `${pct(shipping.sessionShare as number)} of sessions send a shipping cost${shipping.prices ? ` (${count((shipping.prices as number[]).length, 'price')})` : ''}`,
  );

  const profiles: Record<string, unknown> = { guestShare: share(f.guestSessions, n) };
  const perProfile = f.perProfile.counts(Folded.maxSessionsPerProfile);
  if (perProfile.total > 0) {
    const max = Math.max(1, perProfile.max);
    profiles.sessionsPerProfile = { weights: perProfile.weights(1, max), window: n };
    learned(
      'profiles.sessionsPerProfile',
      `${count(perProfile.total, 'customer')}${f.perProfile.rate < 1 ? ` (a ${pct(f.perProfile.rate)} sample)` : ''}, ${round(perProfile.mean, 2)} sessions each on average, at most ${max}`,
    );
  }
  p.profiles = profiles as ProfileInput['profiles'];
  learned('profiles.guestShare', `${pct(profiles.guestShare as number)} of sessions have no customer profile`);

  const returns: Record<string, unknown> = {};
  if (f.returns.total + f.returnsCensored.total > 0) returns.requests = returnRequests(f);
  if (f.returnRequests > 0) returns.itemShare = Math.max(0.01, share(f.returnedShare, f.returnRequests));
  if (Object.keys(returns).length > 0) {
    p.returns = returns as ProfileInput['returns'];
    learned(
      'returns',
      `${count(f.returns.total + f.returnsCensored.total, 'session')} with returns${f.returnsCensored.total > 0 ? ` (${f.returnsCensored.total} of them stopped with one unit left: counted as at least what they sent)` : ''}`,
    );
  } else kept('returns', 'no session returns items');
  const dry: Record<string, unknown> = {};
  if (f.checks.total > 0) dry.checks = range(f.checks, 1, 50);
  if (f.campaigns.total > 0) dry.campaigns = { min: Math.min(50, f.campaigns.min), max: Math.min(50, f.campaigns.max) };
  if (Object.keys(dry).length > 0) {
    p.dry = dry as ProfileInput['dry'];
    learned('dry', `${count(f.checks.total, 'dry session')}`);
  }
  if (f.nonDrySessions > 0) {
    p.getShare = share(f.getSessions, f.nonDrySessions);
    learned('getShare', `${pct(p.getShare)} of sessions end by reading themselves`);
  }
  if (isExport) {
    kept('responseContent', 'an export does not record requests');
  } else {
    const top = f.responseContent.top()[0];
    p.responseContent = top
      ? (top[0]
          .split(',')
          .filter((v) => (RESPONSE_CONTENT as readonly string[]).includes(v)) as TrafficProfile['responseContent'])
      : [];
    learned('responseContent', top ? `[${top[0]}] (the most frequent)` : 'none sent');
  }

  p.arrival = arrivalCurve(f);
  const rates = p.arrival.sessionsPerSecond.filter((v): v is number => v !== null);
  learned(
    'arrival',
    `${rates.length} of ${p.arrival.sessionsPerSecond.length} ${f.bucketMinutes}-minute buckets of the day recorded, peak ${Math.max(...rates)} sessions/s`,
  );
  return { profile: p, notes };
}

/**
 * The openShare whose planned openings, max(1, min(size, round(size × share))) over the recorded
 * final sizes, hold as many items as the recorded openings did (the planned count rises with the
 * share, so a bisection finds it).
 */
function openShare(f: Folded): number {
  const planned = (s: number): number => {
    let items = 0;
    for (let size = 1; size <= f.openSizes.max; size++)
      items += f.openSizes.count(size) * Math.max(1, Math.min(size, Math.round(size * s)));
    return items;
  };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (planned(mid) < f.openItems) lo = mid;
    else hi = mid;
  }
  return round((lo + hi) / 2, 4);
}

/**
 * Return requests per returning session, Kaplan–Meier: a session that stopped with one unit left
 * (the API keeps at least one) would have sent at least as many, maybe more: its count c is a
 * floor, so it counts among those still returning up to c - 1 and says nothing about stopping at
 * c. Without such sessions this is the plain count. Mass beyond the largest count seen stays on it.
 */
function returnRequests(f: Folded): { min: number; max: number; weights: number[] } {
  const max = Math.max(1, f.returns.max, f.returnsCensored.max);
  const w: number[] = [];
  let alive = 1;
  let atRisk = f.returns.total + f.returnsCensored.total;
  for (let k = 1; k <= max; k++) {
    atRisk -= f.returnsCensored.count(k);
    const events = f.returns.count(k);
    const p = atRisk > 0 ? events / atRisk : 0;
    w.push(k === max ? alive : alive * p);
    alive *= 1 - p;
    atRisk -= events;
  }
  const min = Math.max(1, w.findIndex((x) => x > 0) + 1);
  return { min, max, weights: w.slice(min - 1).map((x) => round(x, 6)) };
}

function rejectionWhy(stats: FoldStats, what: 'coupon' | 'referral'): string {
  const option = what === 'coupon' ? '--valid-coupons' : '--valid-referrals';
  if (stats.format === 'export') return `an export does not say which codes were rejected; pass ${option} <regex>`;
  return stats.answers
    ? `the recorded answers name no ${what} outcome; pass ${option} <regex>`
    : `the request log has no answer column; pass ${option} <regex>`;
}

function centsQuantiles(h: LogHistogram): number[] {
  return h.quantiles(QUANTILE_STEPS).map((c) => Math.round(c) / 100);
}

/**
 * Sessions started per second in each bucket of the day: starts counted in the bucket, over the
 * time the recording covered it (from the first session's start to the last's plus one mean
 * spacing, so that a steady stream of N sessions reads as N per N spacings).
 */
function arrivalCurve(f: Folded): NonNullable<TrafficProfile['arrival']> {
  const bucketMs = f.bucketMinutes * 60_000;
  const buckets = f.arrivals.length;
  const spacing = f.sessions > 1 ? (f.lastStart - f.firstStart) / (f.sessions - 1) : bucketMs;
  const from = f.firstStart;
  const to = f.lastStart + Math.max(spacing, 1);
  const covered = new Float64Array(buckets);
  for (let day = Math.floor(from / DAY_MS); day * DAY_MS < to; day++) {
    for (let b = 0; b < buckets; b++) {
      const lo = day * DAY_MS + b * bucketMs;
      const overlap = Math.min(to, lo + bucketMs) - Math.max(from, lo);
      if (overlap > 0) covered[b] = (covered[b] as number) + overlap;
    }
  }
  const sessionsPerSecond: (number | null)[] = [];
  for (let b = 0; b < buckets; b++) {
    const ms = covered[b] as number;
    sessionsPerSecond.push(ms > 0 ? Number(((f.arrivals[b] as number) / (ms / 1000)).toPrecision(4)) : null);
  }
  const start = Math.floor((((from % DAY_MS) + DAY_MS) % DAY_MS) / bucketMs);
  return { bucketMinutes: f.bucketMinutes, sessionsPerSecond, start };
}
