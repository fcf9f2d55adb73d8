// What-if edits on a traffic profile: `couponShare=0.8`, `cartScale=2`, `checkoutShare=0.5`, or any
// field by its path (`coupons.max=3`). Pure and k6-safe: `cartload run --set` and the scenarios'
// PROFILE_SET variable apply the same edits on either engine. An edit of a parameter that a
// learned shape stands in for (cart.items.median, updates.max, ...) drops that shape, so the
// parameter takes effect.
import { LIMITS } from '../model/limits.ts';
import { LIFECYCLE_KINDS, type GeneratedKind } from '../model/plan.ts';
import { ProfileError, resolveProfile, type ProfileInput, type TrafficProfile } from './profiles.ts';

type Json = Record<string, unknown>;

interface Shorthand {
  describe: string;
  apply: (p: Json, value: number) => void;
}

const DAY_MS = 86_400_000;

function at(p: Json, path: string): Json {
  let o = p;
  if (path !== '') for (const k of path.split('.')) o = o[k] as Json;
  return o;
}

function shareOf(path: string, describe: string): Shorthand {
  const parts = path.split('.');
  const last = parts.pop() as string;
  return {
    describe,
    apply: (p, v) => {
      at(p, parts.join('.'))[last] = v;
    },
  };
}

function camel(kind: string): string {
  return kind.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Sets one lifecycle kind's share of sessions; the other kinds keep their proportions in the rest. */
function kindShare(kind: GeneratedKind): Shorthand {
  return {
    describe: `share of ${kind} sessions (0..1); the other kinds keep their proportions`,
    apply: (p, v) => {
      if (!(v >= 0 && v <= 1)) throw new ProfileError(`must be a share between 0 and 1`);
      const l = p.lifecycles as Record<GeneratedKind, number>;
      let others = 0;
      for (const k of LIFECYCLE_KINDS) if (k !== kind) others += l[k];
      if (others === 0 && v < 1)
        throw new ProfileError(`every other lifecycle kind has weight 0: nothing to share the rest with`);
      for (const k of LIFECYCLE_KINDS) l[k] = k === kind ? v : others === 0 ? 0 : (l[k] * (1 - v)) / others;
    },
  };
}

function positive(v: number): void {
  if (!(v > 0) || !Number.isFinite(v)) throw new ProfileError('must be a number > 0');
}

function scaleQuantiles(q: unknown, s: number, max: number): number[] | undefined {
  return Array.isArray(q) ? (q as number[]).map((v) => Math.min(max, Math.round(v * s))) : undefined;
}

/** The named what-if keys, with what each does (documented in docs/learn.md). */
export const SHORTHANDS: Readonly<Record<string, Shorthand>> = {
  couponShare: shareOf('coupons.sessionShare', 'share of sessions that send coupon codes'),
  invalidCouponShare: shareOf('coupons.invalidShare', 'share of coupon codes that are invalid (rejected)'),
  referralShare: shareOf('referral.sessionShare', 'share of sessions that send a referral code'),
  invalidReferralShare: shareOf('referral.invalidShare', 'share of referral codes that are invalid'),
  loyaltyShare: shareOf('loyalty.sessionShare', 'share of sessions that send a loyalty card'),
  guestShare: shareOf('profiles.guestShare', 'share of sessions without a customer profile'),
  shippingShare: shareOf('shipping.sessionShare', 'share of sessions with a shipping cost'),
  identifierShare: shareOf('identifiers.sessionShare', 'share of sessions that send identifiers'),
  getShare: shareOf('getShare', 'share of sessions that end by reading themselves back'),
  ...Object.fromEntries(LIFECYCLE_KINDS.map((k) => [`${camel(k)}Share`, kindShare(k)])),
  cartScale: {
    describe: 'multiplies the number of items per cart (at most 1000)',
    apply: (p, s) => {
      positive(s);
      const items = at(p, 'cart.items') as unknown as TrafficProfile['cart']['items'];
      const scaled = (k: number): number => Math.min(LIMITS.maxCartItems, Math.max(1, Math.round(k * s)));
      if (items.weights) {
        const min = scaled(items.min);
        const max = scaled(items.max);
        const w = new Array<number>(max - min + 1).fill(0);
        items.weights.forEach(
          (x, i) => (w[scaled(items.min + i) - min] = (w[scaled(items.min + i) - min] as number) + x),
        );
        items.weights = w;
        items.min = min;
        items.max = max;
      } else {
        items.min = scaled(items.min);
        items.max = scaled(items.max);
      }
      items.median = Math.min(LIMITS.maxCartItems, items.median * s);
    },
  },
  priceScale: {
    describe: 'multiplies learned item prices (cart.prices)',
    apply: (p, s) => {
      positive(s);
      const cart = at(p, 'cart');
      if (!Array.isArray(cart.prices))
        throw new ProfileError('the profile has no learned prices (cart.prices) to scale');
      cart.prices = (cart.prices as number[]).map((v) => Math.round(v * s * 100) / 100);
    },
  },
  thinkTimeScale: {
    describe: 'multiplies every think time (the learned ones too), at most a day',
    apply: (p, s) => {
      positive(s);
      const t = at(p, 'thinkTimeMs') as unknown as TrafficProfile['thinkTimeMs'];
      t.median = Math.min(DAY_MS, t.median * s);
      t.min = Math.min(DAY_MS, Math.round(t.min * s));
      t.max = Math.max(t.min, Math.min(DAY_MS, Math.round(t.max * s)));
      const q = scaleQuantiles(t.quantiles, s, t.max);
      if (q) t.quantiles = q;
      if (t.transitions)
        for (const k of Object.keys(t.transitions))
          t.transitions[k] = scaleQuantiles(t.transitions[k], s, t.max) as number[];
    },
  },
};

/** A parameter path → the learned shape that an edit of it drops. */
const SHAPES: Readonly<Record<string, string[]>> = {
  'cart.items': ['weights'],
  'cart.quantity': ['weights'],
  updates: ['weights'],
  'returns.requests': ['weights'],
  'dry.checks': ['weights'],
  coupons: ['weights'],
  thinkTimeMs: ['quantiles', 'transitions'],
};

/** One `key=value` edit applied to `p` (a mutable copy of a profile). */
function applyOne(p: Json, text: string): void {
  const eq = text.indexOf('=');
  const key = eq === -1 ? '' : text.slice(0, eq).trim();
  const raw = eq === -1 ? '' : text.slice(eq + 1).trim();
  if (key === '' || raw === '')
    throw new ProfileError(`--set ${text}: expected key=value, e.g. couponShare=0.8 or coupons.max=3`);
  const fail = (why: string): never => {
    throw new ProfileError(`--set ${text}: ${why}`);
  };
  const short = SHORTHANDS[key];
  if (short) {
    const v = Number(raw);
    if (!Number.isFinite(v)) fail('must be a number');
    try {
      short.apply(p, v);
    } catch (err) {
      if (err instanceof ProfileError) fail(err.message);
      throw err;
    }
    return;
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const parts = key.split('.');
  const last = parts.pop() as string;
  let o: Json = p;
  for (const k of parts) {
    const next = o[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      fail(
        `unknown key (named keys: ${Object.keys(SHORTHANDS).join(', ')}; or a profile field path such as coupons.max)`,
      );
    }
    o = next as Json;
  }
  o[last] = value;
  const parent = parts.join('.');
  const shape = SHAPES[parent];
  if (shape && !shape.includes(last)) for (const s of shape) delete o[s];
}

/**
 * The profile with the edits applied in order, validated: errors name the edit and the field
 * (`--set couponShare=1.5: profile.coupons.sessionShare: must be ≤ 1`).
 */
export function editProfile(profile: TrafficProfile, edits: readonly string[]): TrafficProfile {
  if (edits.length === 0) return profile;
  const p = JSON.parse(JSON.stringify(profile)) as Json;
  for (const text of edits) {
    applyOne(p, text);
    try {
      resolveProfile({ ...(p as ProfileInput), name: profile.name });
    } catch (err) {
      if (err instanceof ProfileError) throw new ProfileError(`--set ${text}: ${err.message}`);
      throw err;
    }
  }
  return resolveProfile({ ...(p as ProfileInput), name: `${profile.name} (${edits.join(', ')})` });
}
