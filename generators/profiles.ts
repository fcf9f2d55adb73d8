// Traffic profiles: every weight and distribution of the generated traffic in one typed object.
// A profile is a preset name, or a JSON object that overrides a preset field by field (`extends`
// names the preset, `default` when absent). Pure and k6-safe: reading a profile file is Node's job
// (generators/profile-file.ts); k6 receives the resolved object.
import { LIMITS, RESPONSE_CONTENT, type ResponseContent } from '../model/limits.ts';
import { LIFECYCLE_KINDS, STEP_NAMES, type GeneratedKind } from '../model/plan.ts';
import { CartloadError } from '../model/errors.ts';

export interface IntRange {
  min: number;
  max: number;
  /** Relative weights of min, min+1, ..., max (a learned distribution); uniform when absent. */
  weights?: number[];
}

/**
 * A log-normal distribution by its median and the standard deviation of its log, limited to
 * [min, max]: cart sizes are truncated to the range (renormalised), think times clamped to it.
 */
export interface LogNormal {
  median: number;
  sigma: number;
  min: number;
  max: number;
  /**
   * A learned integer distribution (cart.items): relative weights of min..max. When present it is
   * the distribution, and median and sigma only describe it.
   */
  weights?: number[];
  /**
   * A learned continuous distribution (thinkTimeMs): values at evenly spaced probabilities 0..1
   * (101 values: every percentile), drawn by linear interpolation. When present it is the
   * distribution, and median and sigma only describe it.
   */
  quantiles?: number[];
}

/** The profile format this version reads and writes; files without `version` are version 1. */
export const PROFILE_VERSION = 2;

/**
 * Sessions started per second over the day (UTC), one value per bucket; null where the recording
 * did not cover the bucket. `start` is the bucket a run begins at unless told otherwise.
 */
export interface ArrivalCurve {
  bucketMinutes: number;
  sessionsPerSecond: (number | null)[];
  start: number;
}

export interface TrafficProfile {
  name: string;
  description: string;
  /** Relative weights of the lifecycle kinds (need not sum to 1). */
  lifecycles: Record<GeneratedKind, number>;
  cart: {
    /** Distinct items in the cart at checkout (integers, 1..1000). */
    items: LogNormal;
    /** Quantity of each item: geometric on 1..max with this mean, or `weights` of 1..max (learned). */
    quantity: { mean: number; max: number; weights?: number[] };
    /** Zipf exponent of product popularity (0 = uniform; 1 = classic long tail). */
    popularity: number;
    /** Share of the final cart already in the opening request; updates add the rest. */
    openShare: number;
    /** Send the products' catalog attributes as cart item attributes. */
    itemAttributes: boolean;
    /**
     * Learned unit prices: values at evenly spaced probabilities 0..1. Each catalog product gets a
     * fixed price from them (by its rank), instead of the catalog's own price.
     */
    prices?: number[];
    /** Learned category mix: name → relative weight. Each catalog product gets one (by its rank). */
    categories?: Record<string, number>;
  };
  /** Cart updates between opening and the session's end (uniform integers). */
  updates: IntRange;
  /** What an update does besides adding items: the probability that it removes an item, or changes a quantity. */
  changes: { removeShare: number; quantityShare: number };
  /**
   * Think time between two steps of a session, in ms; `transitions` (learned) gives quantiles per
   * pair of steps, `"open>update"`, `"close>cancel"`, ..., used where present.
   */
  thinkTimeMs: LogNormal & { transitions?: Record<string, number[]> };
  /** `weights` (learned): relative weights of 1..max codes in a session that has coupons. */
  coupons: { sessionShare: number; max: number; invalidShare: number; weights?: number[] };
  referral: { sessionShare: number; invalidShare: number };
  loyalty: { sessionShare: number };
  /** Hashed device/IP identifiers, stable per customer profile. */
  identifiers: { sessionShare: number; max: number };
  /** The `shipping` additional cost, its price drawn from `prices`. */
  shipping: { sessionShare: number; prices: number[] };
  /**
   * `sessionsPerProfile` (learned): weights of 1, 2, ... sessions per known customer profile, over
   * every `window` sessions (a recording's worth): a run repeats profiles in that proportion.
   */
  profiles: { guestShare: number; sessionsPerProfile?: { weights: number[]; window: number } };
  /** Return lifecycles: how many return requests, and the share of the cart's items each returns. */
  returns: { requests: IntRange; itemShare: number };
  /** Dry lifecycles: how many price checks, and how many campaigns each asks to evaluate. */
  dry: { checks: IntRange; campaigns: IntRange };
  /** Probability that a session ends by reading itself back (GET). */
  getShare: number;
  /** responseContent of every update and return request. */
  responseContent: ResponseContent[];
  /** The recorded arrival rate over the day (learned); `--rate-scale` runs follow it. */
  arrival?: ArrivalCurve;
}

/** A profile as a file or caller writes it: any subset of fields, over a named preset. */
export type ProfileInput = DeepPartial<TrafficProfile> & { extends?: string; version?: number };

/**
 * Fields that no preset has (version 2, written by `cartload learn`): a file may add them, and
 * each replaces the distribution that its siblings describe.
 */
const OPTIONAL_FIELDS = new Set([
  'profile.arrival',
  'profile.cart.items.weights',
  'profile.cart.quantity.weights',
  'profile.cart.prices',
  'profile.cart.categories',
  'profile.updates.weights',
  'profile.coupons.weights',
  'profile.thinkTimeMs.quantiles',
  'profile.thinkTimeMs.transitions',
  'profile.profiles.sessionsPerProfile',
  'profile.returns.requests.weights',
  'profile.dry.checks.weights',
]);

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

export class ProfileError extends CartloadError {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

/**
 * The presets as written, made only when asked for: every object a module creates at load is held
 * by every k6 VU, and a VU reads its compiled profile from the pools data instead.
 */
const defaultProfile = (): TrafficProfile => ({
  name: 'default',
  description:
    'A mid-size web shop: small carts, most sessions end in checkout or are left open, a few coupons, returns and dry price checks.',
  lifecycles: {
    browse: 30,
    checkout: 35,
    checkout_cancel: 5,
    cancel_before_checkout: 5,
    return: 5,
    reopen: 5,
    dry: 15,
  },
  cart: {
    items: { median: 4, sigma: 0.9, min: 1, max: 60 },
    quantity: { mean: 1.3, max: 10 },
    popularity: 1,
    openShare: 0.5,
    itemAttributes: false,
  },
  updates: { min: 0, max: 4 },
  changes: { removeShare: 0.2, quantityShare: 0.3 },
  thinkTimeMs: { median: 4000, sigma: 0.8, min: 250, max: 60_000 },
  coupons: { sessionShare: 0.2, max: 2, invalidShare: 0.15 },
  referral: { sessionShare: 0.05, invalidShare: 0.2 },
  loyalty: { sessionShare: 0.3 },
  identifiers: { sessionShare: 0.8, max: 3 },
  shipping: { sessionShare: 0.7, prices: [0, 4.95, 9.95] },
  profiles: { guestShare: 0.3 },
  returns: { requests: { min: 1, max: 2 }, itemShare: 0.3 },
  dry: { checks: { min: 1, max: 3 }, campaigns: { min: 1, max: 3 } },
  getShare: 0.1,
  responseContent: ['customerSession'],
});

const presetInputs = (): Record<string, ProfileInput> => ({
  default: {},
  'big-carts': {
    description: 'B2B-style orders: hundreds to 1000 items per cart, larger quantities, fewer updates.',
    cart: { items: { median: 350, sigma: 0.6, min: 100, max: 1000 }, quantity: { mean: 1.5, max: 20 } },
    updates: { min: 0, max: 3 },
  },
  'coupon-heavy': {
    description: 'A promotion day: most sessions carry coupons (a quarter of them invalid) and many referrals.',
    coupons: { sessionShare: 0.8, max: 3, invalidShare: 0.25 },
    referral: { sessionShare: 0.3, invalidShare: 0.2 },
    responseContent: ['customerSession', 'coupons', 'triggeredCampaigns'],
  },
  'returns-heavy': {
    description: 'After a sale: many closed sessions are returned (some several times), cancelled or reopened.',
    lifecycles: {
      browse: 10,
      checkout: 25,
      checkout_cancel: 15,
      cancel_before_checkout: 5,
      return: 40,
      reopen: 5,
      dry: 0,
    },
    returns: { requests: { min: 1, max: 3 }, itemShare: 0.4 },
    responseContent: ['customerSession', 'previousReturns'],
  },
});

export const PRESET_NAMES = ['default', 'big-carts', 'coupon-heavy', 'returns-heavy'];

const resolved: Record<string, TrafficProfile> = {};

/**
 * The named presets, resolved and validated on first access: a k6 VU that uses one preset does not
 * pay (in memory per VU) for building the others.
 */
export const PRESETS: Readonly<Record<string, TrafficProfile>> = {};
for (const name of PRESET_NAMES) {
  Object.defineProperty(PRESETS, name, {
    enumerable: true,
    // Presets are constants, validated by the tests (every preset through resolveProfile's object
    // path), so a VU does not pay for validating them again.
    get: () =>
      (resolved[name] ??= deepFreeze(
        name === 'default'
          ? defaultProfile()
          : (merge(defaultProfile(), { ...presetInputs()[name], name }, 'profile') as TrafficProfile),
      )),
  });
}

/**
 * A complete, validated profile from a preset name or an object (a parsed profile file).
 * Throws ProfileError naming the field, e.g. `profile.lifecycles.checkout: must be ≥ 0`.
 */
export function resolveProfile(nameOrObject: string | ProfileInput | TrafficProfile): TrafficProfile {
  if (typeof nameOrObject === 'string') {
    const preset = PRESETS[nameOrObject];
    if (!preset)
      throw new ProfileError(`profile: unknown preset "${nameOrObject}" (presets: ${PRESET_NAMES.join(', ')})`);
    return preset;
  }
  if (nameOrObject === null || typeof nameOrObject !== 'object' || Array.isArray(nameOrObject)) {
    throw new ProfileError('profile: must be a JSON object or a preset name');
  }
  const { extends: base = 'default', version = 1, ...rest } = nameOrObject as ProfileInput;
  if (typeof base !== 'string') throw new ProfileError('profile.extends: must be a preset name');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new ProfileError('profile.version: must be an integer ≥ 1');
  if (version > PROFILE_VERSION)
    throw new ProfileError(
      `profile.version: ${version} is newer than this cartload reads (${PROFILE_VERSION}); upgrade cartload`,
    );
  const preset = PRESETS[base];
  if (!preset)
    throw new ProfileError(`profile.extends: unknown preset "${base}" (presets: ${PRESET_NAMES.join(', ')})`);
  const named = { name: typeof rest.name === 'string' ? rest.name : `custom (${base})`, ...rest };
  return finish(merge(preset, named, 'profile') as TrafficProfile);
}

/** Overlays `over` on `base` following base's shape: objects merge, everything else replaces; unknown keys and wrong types throw. */
function merge(base: unknown, over: unknown, path: string): unknown {
  if (over === undefined) return base;
  if (Array.isArray(base)) {
    if (!Array.isArray(over)) throw new ProfileError(`${path}: must be an array`);
    return over.slice();
  }
  if (base !== null && typeof base === 'object') {
    if (over === null || typeof over !== 'object' || Array.isArray(over))
      throw new ProfileError(`${path}: must be an object`);
    const b = base as Record<string, unknown>;
    const out: Record<string, unknown> = { ...b };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
      if (OPTIONAL_FIELDS.has(`${path}.${k}`)) {
        // Replaced whole (null removes it): plain JSON, validated by finish(), copied so the caller's object is not frozen.
        if (v === null) delete out[k];
        else if (v !== undefined) out[k] = JSON.parse(JSON.stringify(v)) as unknown;
        continue;
      }
      if (!(k in b)) throw new ProfileError(`${path}.${k}: unknown field (fields: ${Object.keys(b).join(', ')})`);
      out[k] = merge(b[k], v, `${path}.${k}`);
    }
    return out;
  }
  if (typeof over !== typeof base) throw new ProfileError(`${path}: must be a ${typeof base}`);
  return over;
}

/** Validates every range; returns the profile frozen so a shared preset cannot be changed by a caller. */
function finish(p: TrafficProfile): TrafficProfile {
  const num = (path: string, v: number, min: number, max = Infinity, integer = false): void => {
    if (!Number.isFinite(v)) throw new ProfileError(`profile.${path}: must be a finite number`);
    if (integer && !Number.isInteger(v)) throw new ProfileError(`profile.${path}: must be an integer`);
    if (v < min) throw new ProfileError(`profile.${path}: must be ≥ ${min}`);
    if (v > max) throw new ProfileError(`profile.${path}: must be ≤ ${max}`);
  };
  const share = (path: string, v: number): void => num(path, v, 0, 1);
  const range = (path: string, r: IntRange, min: number, max: number): void => {
    num(`${path}.min`, r.min, min, max, true);
    num(`${path}.max`, r.max, min, max, true);
    if (r.min > r.max) throw new ProfileError(`profile.${path}.min: must be ≤ ${path}.max (${r.max})`);
  };
  const logNormal = (path: string, d: LogNormal, min: number, max: number, integer: boolean): void => {
    range(path, { min: d.min, max: d.max }, min, max);
    if (!integer) num(`${path}.min`, d.min, min, max);
    num(`${path}.median`, d.median, Number.MIN_VALUE, Infinity);
    if (d.median <= 0) throw new ProfileError(`profile.${path}.median: must be > 0`);
    num(`${path}.sigma`, d.sigma, 0, 5);
  };

  if (p.name.length === 0) throw new ProfileError('profile.name: must not be empty');
  let weights = 0;
  for (const kind of LIFECYCLE_KINDS) {
    num(`lifecycles.${kind}`, p.lifecycles[kind], 0);
    weights += p.lifecycles[kind];
  }
  if (!(weights > 0)) throw new ProfileError('profile.lifecycles: at least one weight must be > 0');
  logNormal('cart.items', p.cart.items, 1, LIMITS.maxCartItems, true);
  num('cart.quantity.mean', p.cart.quantity.mean, 1);
  num('cart.quantity.max', p.cart.quantity.max, 1, LIMITS.maxTotalQuantity, true);
  num('cart.popularity', p.cart.popularity, 0, 5);
  share('cart.openShare', p.cart.openShare);
  range('updates', p.updates, 0, 100);
  share('changes.removeShare', p.changes.removeShare);
  share('changes.quantityShare', p.changes.quantityShare);
  logNormal('thinkTimeMs', p.thinkTimeMs, 0, 86_400_000, true);
  share('coupons.sessionShare', p.coupons.sessionShare);
  num('coupons.max', p.coupons.max, 1, 20, true);
  share('coupons.invalidShare', p.coupons.invalidShare);
  share('referral.sessionShare', p.referral.sessionShare);
  share('referral.invalidShare', p.referral.invalidShare);
  share('loyalty.sessionShare', p.loyalty.sessionShare);
  share('identifiers.sessionShare', p.identifiers.sessionShare);
  num('identifiers.max', p.identifiers.max, 1, LIMITS.maxIdentifiers, true);
  share('shipping.sessionShare', p.shipping.sessionShare);
  if (p.shipping.sessionShare > 0 && p.shipping.prices.length === 0)
    throw new ProfileError('profile.shipping.prices: must not be empty when shipping.sessionShare > 0');
  p.shipping.prices.forEach((v, i) => {
    num(`shipping.prices.${i}`, v, 0);
    if (Math.abs(Math.round(v * 100) - v * 100) > 1e-6)
      throw new ProfileError(`profile.shipping.prices.${i}: must have at most two decimals`);
  });
  share('profiles.guestShare', p.profiles.guestShare);
  range('returns.requests', p.returns.requests, 1, 20);
  num('returns.itemShare', p.returns.itemShare, 0.01, 1);
  range('dry.checks', p.dry.checks, 1, 50);
  range('dry.campaigns', p.dry.campaigns, 0, 50);
  share('getShare', p.getShare);
  p.responseContent.forEach((v, i) => {
    if (!(RESPONSE_CONTENT as readonly string[]).includes(v)) {
      throw new ProfileError(`profile.responseContent.${i}: "${v}" is not one of ${RESPONSE_CONTENT.join(', ')}`);
    }
  });
  finishLearned(p, num);
  return deepFreeze(p);
}

type NumCheck = (path: string, v: number, min: number, max?: number, integer?: boolean) => void;

/** Checks the version-2 (learned) fields, where present. */
function finishLearned(p: TrafficProfile, num: NumCheck): void {
  const list = (path: string, v: unknown, min: number, max: number): number[] => {
    if (!Array.isArray(v)) throw new ProfileError(`profile.${path}: must be an array of numbers`);
    if (v.length < min || v.length > max)
      throw new ProfileError(
        `profile.${path}: must hold ${min === max ? min : `${min} to ${max}`} values, has ${v.length}`,
      );
    v.forEach((x, i) => {
      if (typeof x !== 'number') throw new ProfileError(`profile.${path}.${i}: must be a number`);
    });
    return v as number[];
  };
  const weights = (path: string, v: unknown, length: number): void => {
    const w = list(path, v, length, length);
    let total = 0;
    w.forEach((x, i) => {
      num(`${path}.${i}`, x, 0);
      total += x;
    });
    if (!(total > 0)) throw new ProfileError(`profile.${path}: at least one weight must be > 0`);
  };
  const quantiles = (path: string, v: unknown, min: number, max: number): void => {
    const q = list(path, v, 2, 1001);
    q.forEach((x, i) => {
      num(`${path}.${i}`, x, min, max);
      if (i > 0 && x < (q[i - 1] as number))
        throw new ProfileError(`profile.${path}.${i}: must be ≥ the value before it (quantiles rise)`);
    });
  };
  const r = (path: string, range: IntRange): void => {
    if (range.weights !== undefined) weights(`${path}.weights`, range.weights, range.max - range.min + 1);
  };
  const c = p.cart;
  if (c.items.weights !== undefined) weights('cart.items.weights', c.items.weights, c.items.max - c.items.min + 1);
  if (c.items.quantiles !== undefined)
    throw new ProfileError('profile.cart.items.quantiles: cart sizes are integers; use cart.items.weights');
  if (c.quantity.weights !== undefined) weights('cart.quantity.weights', c.quantity.weights, c.quantity.max);
  if (c.prices !== undefined) quantiles('cart.prices', c.prices, 0, 1e9);
  if (c.categories !== undefined) {
    const cats = c.categories;
    if (cats === null || typeof cats !== 'object' || Array.isArray(cats))
      throw new ProfileError('profile.cart.categories: must be an object of category name → weight');
    const names = Object.keys(cats);
    if (names.length === 0 || names.length > 1000)
      throw new ProfileError('profile.cart.categories: must name 1 to 1000 categories');
    let total = 0;
    for (const name of names) {
      if (name.length === 0 || name.length > 1000)
        throw new ProfileError('profile.cart.categories: names must be 1 to 1000 characters');
      num(`cart.categories.${name}`, cats[name] as number, 0);
      total += cats[name] as number;
    }
    if (!(total > 0)) throw new ProfileError('profile.cart.categories: at least one weight must be > 0');
  }
  r('updates', p.updates);
  r('returns.requests', p.returns.requests);
  r('dry.checks', p.dry.checks);
  if (p.coupons.weights !== undefined) weights('coupons.weights', p.coupons.weights, p.coupons.max);
  const t = p.thinkTimeMs;
  if (t.weights !== undefined)
    throw new ProfileError('profile.thinkTimeMs.weights: think times are continuous; use thinkTimeMs.quantiles');
  if (t.quantiles !== undefined) quantiles('thinkTimeMs.quantiles', t.quantiles, t.min, t.max);
  if (t.transitions !== undefined) {
    if (t.transitions === null || typeof t.transitions !== 'object' || Array.isArray(t.transitions))
      throw new ProfileError('profile.thinkTimeMs.transitions: must be an object of "step>step" → quantiles');
    for (const [key, q] of Object.entries(t.transitions)) {
      const [from, to, extra] = key.split('>');
      if (
        extra !== undefined ||
        !(STEP_NAMES as readonly string[]).includes(from ?? '') ||
        !(STEP_NAMES as readonly string[]).includes(to ?? '')
      ) {
        throw new ProfileError(
          `profile.thinkTimeMs.transitions.${key}: the key must be two steps joined by ">" (steps: ${STEP_NAMES.join(', ')})`,
        );
      }
      quantiles(`thinkTimeMs.transitions.${key}`, q, t.min, t.max);
    }
  }
  const spp = p.profiles.sessionsPerProfile;
  if (spp !== undefined) {
    if (spp === null || typeof spp !== 'object' || Array.isArray(spp))
      throw new ProfileError('profile.profiles.sessionsPerProfile: must be an object { weights, window }');
    const n = list('profiles.sessionsPerProfile.weights', spp.weights, 1, 1000).length;
    weights('profiles.sessionsPerProfile.weights', spp.weights, n);
    num('profiles.sessionsPerProfile.window', spp.window, 1, 1e9, true);
  }
  const a = p.arrival;
  if (a !== undefined) {
    if (a === null || typeof a !== 'object' || Array.isArray(a))
      throw new ProfileError('profile.arrival: must be an object { bucketMinutes, sessionsPerSecond, start }');
    num('arrival.bucketMinutes', a.bucketMinutes, 1, 1440, true);
    if (1440 % a.bucketMinutes !== 0)
      throw new ProfileError('profile.arrival.bucketMinutes: must divide a day (1440 minutes): 5, 10, 15, 30, 60, ...');
    const buckets = 1440 / a.bucketMinutes;
    if (!Array.isArray(a.sessionsPerSecond) || a.sessionsPerSecond.length !== buckets) {
      throw new ProfileError(
        `profile.arrival.sessionsPerSecond: must hold ${buckets} values (one per ${a.bucketMinutes} minutes of the day), or null where unknown`,
      );
    }
    let any = false;
    a.sessionsPerSecond.forEach((v, i) => {
      if (v === null) return;
      num(`arrival.sessionsPerSecond.${i}`, v, 0);
      if (v > 0) any = true;
    });
    if (!any) throw new ProfileError('profile.arrival.sessionsPerSecond: at least one rate must be > 0');
    num('arrival.start', a.start, 0, buckets - 1, true);
    if (a.sessionsPerSecond[a.start] === null)
      throw new ProfileError(`profile.arrival.start: bucket ${a.start} has no recorded rate`);
  }
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
