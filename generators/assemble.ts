// Assembly of one session's contents from the pools: customer, store, codes, identifiers, costs,
// attributes and the cart. Pure and k6-safe (no Node APIs, no faker). Everything that depends only
// on the profile and the pools is precomputed once per Assembler (one per k6 VU); per session it
// draws integers and copies pool elements, reading each pool element once (a SharedArray access
// deserialises the element every time).
import { LIMITS } from '../model/limits.ts';
import type { AdditionalCost, CartItem } from '../model/api.ts';
import type { TrafficProfile } from './profiles.ts';
import { Table, ZipfSampler, chance, geometricTable, logNormalIntTable, type Rng } from './random.ts';
import type { Pools, Product } from './types.ts';
import { hashString, mix32 } from '../model/hash.ts';

/** A session's fields other than the cart: shared by every request of the session. */
export interface SessionFields {
  profileId: string;
  guest: boolean;
  storeIntegrationId: string;
  couponCodes?: string[];
  referralCode?: string;
  loyaltyCards?: string[];
  identifiers?: string[];
  additionalCosts?: Record<string, AdditionalCost>;
  attributes: Record<string, unknown>;
}

/** RepeatingProfiles.slot() for a guest session, and for a customer who has one session only. */
const GUEST = -1;
const ONCE = -2;

/** Tries at drawing an unused product by popularity before walking to the next unused one. */
const MAX_REDRAWS = 8;
/** Carts up to this size check for repeats by scanning; larger ones use the stamp array. */
const SMALL_CART = 24;

export class Assembler {
  declare readonly profile: TrafficProfile;
  /** The most distinct items one cart can hold: the item limit, or fewer when the catalog is smaller. */
  declare readonly maxDistinct: number;
  private declare readonly pools: Pools;
  private declare readonly seedHash: number;
  private declare readonly prefix: string;
  private declare readonly seedText: string;
  private declare readonly itemsTable: Table;
  private declare readonly itemsMin: number;
  private declare readonly quantityTable: Table;
  private declare readonly popularity: ZipfSampler;
  /**
   * stamp[rank] === generation marks a product already in the cart being drawn (no per-cart Set).
   * One byte a product, allocated on the first cart too big for a linear scan.
   */
  private declare stamp: Uint8Array | undefined;
  private declare generation: number;
  private declare readonly guestT: number;
  private declare readonly couponT: number;
  private declare readonly invalidCouponT: number;
  private declare readonly referralT: number;
  private declare readonly invalidReferralT: number;
  private declare readonly loyaltyT: number;
  private declare readonly identifiersT: number;
  private declare readonly shippingT: number;
  /** Known profiles are visited in a seeded rotation: session i and i+k share one only if k is a multiple of the pool size. */
  private declare readonly profileStride: number;
  private declare readonly profileOffset: number;
  private declare readonly shippingCosts: Record<string, AdditionalCost>[];
  /** Learned (version-2) profile parts; undefined for every preset, whose draws they leave untouched. */
  private declare readonly couponCountT: Table | undefined;
  private declare readonly catalog: LearnedCatalog | undefined;
  private declare readonly repeat: RepeatingProfiles | undefined;

  constructor(pools: Pools, profile: TrafficProfile, seed: string | number, prefix: string) {
    if (pools.products.length === 0) throw new Error('pools.products: must not be empty');
    if (pools.stores.length === 0) throw new Error('pools.stores: must not be empty');
    this.pools = pools;
    this.profile = profile;
    this.stamp = undefined;
    this.generation = 0;
    this.maxDistinct = Math.min(pools.products.length, LIMITS.maxCartItems);
    this.seedText = String(seed);
    this.seedHash = hashString(this.seedText);
    this.prefix = prefix;
    const c = profile.cart;
    const maxItems = Math.min(c.items.max, pools.products.length, LIMITS.maxCartItems);
    const minItems = Math.min(c.items.min, maxItems);
    this.itemsTable = c.items.weights ? truncatedTable(c.items.weights, c.items.min, minItems, maxItems) : logNormalIntTable(c.items.median, c.items.sigma, minItems, maxItems);
    this.itemsMin = minItems;
    this.quantityTable = c.quantity.weights ? new Table(c.quantity.weights) : geometricTable(c.quantity.mean, c.quantity.max);
    this.popularity = new ZipfSampler(pools.products.length, c.popularity);
    this.guestT = pools.profileIds.length === 0 ? chance(1) : chance(profile.profiles.guestShare);
    this.couponT = pools.validCoupons.length + pools.invalidCoupons.length === 0 ? 0 : chance(profile.coupons.sessionShare);
    this.invalidCouponT = pools.validCoupons.length === 0 ? chance(1) : pools.invalidCoupons.length === 0 ? 0 : chance(profile.coupons.invalidShare);
    this.referralT = pools.validReferrals.length + pools.invalidReferrals.length === 0 ? 0 : chance(profile.referral.sessionShare);
    this.invalidReferralT = pools.validReferrals.length === 0 ? chance(1) : pools.invalidReferrals.length === 0 ? 0 : chance(profile.referral.invalidShare);
    // Guests have no loyalty card: known customers carry one often enough that the share over all sessions is as asked.
    const knownShare = pools.profileIds.length === 0 ? 0 : 1 - profile.profiles.guestShare;
    this.loyaltyT = pools.loyaltyCards.length === 0 || knownShare === 0 ? 0 : chance(Math.min(1, profile.loyalty.sessionShare / knownShare));
    this.identifiersT = chance(profile.identifiers.sessionShare);
    this.shippingT = profile.shipping.prices.length === 0 ? 0 : chance(profile.shipping.sessionShare);
    this.shippingCosts = profile.shipping.prices.map((price) => ({ shipping: { price } }));
    const n = pools.profileIds.length;
    this.profileOffset = n === 0 ? 0 : mix32(this.seedHash ^ 0x5bd1e995) % n;
    this.profileStride = n === 0 ? 1 : coprimeStride(n, mix32(this.seedHash ^ 0x27d4eb2f));
    this.couponCountT = profile.coupons.weights ? new Table(profile.coupons.weights) : undefined;
    this.catalog = c.prices || c.categories ? new LearnedCatalog(this.popularity, this.itemsTable, this.itemsMin, c.prices, c.categories) : undefined;
    const spp = profile.profiles.sessionsPerProfile;
    this.repeat = spp && n > 0 ? new RepeatingProfiles(spp.weights, spp.window, profile.profiles.guestShare, this.seedHash) : undefined;
  }

  /** The number of distinct items the session's cart holds at checkout. */
  cartSize(rng: Rng): number {
    return this.itemsMin + this.itemsTable.draw(rng);
  }

  /**
   * `n` cart items of distinct products (popular ones more often), quantities geometric and their
   * sum at most `maxTotal` (each item keeps at least 1).
   */
  cart(rng: Rng, n: number, maxTotal: number): CartItem[] {
    const products = this.pools.products;
    const count = products.length;
    if (n > count) n = count;
    const ranks = n <= SMALL_CART ? this.smallCartRanks(rng, n) : this.largeCartRanks(rng, n);
    // Filled by push: a preallocated `new Array(n)` is holey, and JSON.stringify of a holey array is several times slower.
    const items: CartItem[] = [];
    const withAttributes = this.profile.cart.itemAttributes;
    const cum = this.quantityTable.cum;
    const guide = this.quantityTable.guide;
    const guided = guide.length > 0;
    let budget = maxTotal - n;
    // rng.u32() and quantityTable.pick() inlined (once per item; calls are dear in an interpreter).
    let a = rng.a;
    let b = rng.b;
    let c = rng.c;
    let d = rng.d;
    for (let i = 0; i < n; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      const u = t >>> 0;
      let extra = guided ? (guide[u >>> 24] as number) : 0;
      while (u >= (cum[extra] as number)) extra++;
      if (extra > budget) extra = budget;
      budget -= extra;
      const p = products[ranks[i] as number] as Product;
      // Built inline (a call per item is dear in an interpreter), in a fixed key order so output is byte-identical everywhere.
      const item: CartItem = { sku: p.sku, name: p.name, price: p.price, category: p.category, quantity: extra + 1, weight: p.weight, height: p.height, width: p.width, length: p.length };
      if (withAttributes && p.attributes) item.attributes = p.attributes;
      items.push(item);
    }
    rng.a = a;
    rng.b = b;
    rng.c = c;
    rng.d = d;
    if (this.catalog) this.catalog.relabel(items, ranks);
    return items;
  }

  /** Distinct ranks by popularity: redraw a taken one a few times, then walk to the next free one. */
  private smallCartRanks(rng: Rng, n: number): number[] {
    const popularity = this.popularity;
    const count = popularity.n;
    const ranks: number[] = [];
    for (let i = 0; i < n; i++) {
      let rank = popularity.draw(rng);
      for (let tries = 1; ranks.includes(rank) && tries < MAX_REDRAWS; tries++) rank = popularity.draw(rng);
      while (ranks.includes(rank)) rank = rank + 1 === count ? 0 : rank + 1;
      ranks.push(rank);
    }
    return ranks;
  }

  private largeCartRanks(rng: Rng, n: number): Uint32Array {
    const popularity = this.popularity;
    const count = popularity.n;
    const stamp = (this.stamp ??= new Uint8Array(count));
    let gen = ++this.generation;
    if (gen === 256) {
      stamp.fill(0);
      gen = this.generation = 1;
    }
    const ranks = new Uint32Array(n);
    popularity.drawDistinct(rng, ranks, stamp, gen, MAX_REDRAWS);
    return ranks;
  }

  /** Everything but the cart. `index` decides the customer; `rng` the rest. */
  fields(rng: Rng, index: number): SessionFields {
    const pools = this.pools;
    const repeat = this.repeat;
    const drawnGuest = rng.hit(this.guestT);
    // Learned repeat visits decide guests and customers by the session's place in the cycle.
    const slot = repeat ? repeat.slot(index) : index;
    const guest = repeat ? slot === GUEST : drawnGuest;
    let profileId: string;
    let customerHash: number;
    if (guest) {
      profileId = `${this.prefix}-guest-${this.seedText}-${index}`;
      customerHash = rng.u32();
    } else if (slot === ONCE) {
      // A customer seen once: a profile of its own (Talon.One creates it), so the pool serves only the returning ones.
      profileId = `${this.prefix}-customer-${this.seedText}-${index}`;
      customerHash = rng.u32();
    } else {
      const at = this.knownProfileIndex(slot);
      profileId = pools.profileIds[at] as string;
      // By pool position, not by hashing the ID: the same customer whatever the seed, at no per-session cost.
      customerHash = mix32(at ^ 0x2545f491);
    }
    const f: SessionFields = {
      profileId,
      guest,
      storeIntegrationId: pools.stores[rng.below(pools.stores.length)] as string,
      attributes: {},
    };
    if (rng.hit(this.couponT)) {
      const k = this.couponCountT ? 1 + this.couponCountT.draw(rng) : rng.int(1, this.profile.coupons.max);
      const codes: string[] = [];
      for (let i = 0; i < k; i++) {
        const invalid = rng.hit(this.invalidCouponT);
        const pool = invalid ? pools.invalidCoupons : pools.validCoupons;
        const code = pool[rng.below(pool.length)] as string;
        if (!codes.includes(code)) codes.push(code);
      }
      f.couponCodes = codes;
    }
    if (rng.hit(this.referralT)) {
      const pool = rng.hit(this.invalidReferralT) ? pools.invalidReferrals : pools.validReferrals;
      f.referralCode = pool[rng.below(pool.length)] as string;
    }
    // A customer keeps one loyalty card, one set of devices and one home city across sessions.
    if (!guest && rng.hit(this.loyaltyT)) f.loyaltyCards = [pools.loyaltyCards[mix32(customerHash ^ 0x1b873593) % pools.loyaltyCards.length] as string];
    if (rng.hit(this.identifiersT)) {
      const k = rng.int(1, this.profile.identifiers.max);
      const ids: string[] = [];
      for (let i = 0; i < k; i++) ids.push(hex64(mix32(customerHash + Math.imul(i + 1, 0x9e3779b9))));
      f.identifiers = ids;
    }
    if (rng.hit(this.shippingT)) f.additionalCosts = this.shippingCosts[rng.below(this.shippingCosts.length)] as Record<string, AdditionalCost>;
    if (pools.cities.length > 0) {
      const city = guest ? rng.below(pools.cities.length) : mix32(customerHash ^ 0xcc9e2d51) % pools.cities.length;
      f.attributes = { ShippingCity: pools.cities[city] };
    }
    return f;
  }

  /** Campaign IDs for a dry run's evaluableCampaignIds (distinct, possibly none). */
  campaigns(rng: Rng): number[] | undefined {
    const pool = this.pools.campaignIds;
    if (pool.length === 0) return undefined;
    const d = this.profile.dry.campaigns;
    const k = Math.min(rng.int(d.min, d.max), pool.length);
    if (k === 0) return undefined;
    const ids: number[] = [];
    let at = rng.below(pool.length);
    // Consecutive pool entries from a random start: distinct without a set.
    for (let i = 0; i < k; i++) {
      ids.push(pool[at] as number);
      at = at + 1 === pool.length ? 0 : at + 1;
    }
    return ids;
  }

  private knownProfileIndex(index: number): number {
    const n = this.pools.profileIds.length;
    return (mulMod(index % n, this.profileStride, n) + this.profileOffset) % n;
  }
}

/**
 * A learned catalog: every product gets a unit price from the learned price quantiles and a
 * category from the learned mix, fixed per product (the same SKU has the same price and category
 * in every cart and VU). Items in carts follow the learned shares when products are weighted by
 * popularity, so products are dealt out most popular first, each to the price band (a percentile,
 * or a run of equal percentiles: a price many items share) or category furthest below its share so
 * far: the most popular products take the most frequent prices and categories, as in the
 * recording. Within a band a product's price is placed by a hash of its rank. Computed once per
 * planner: one price and one category a product.
 */
class LearnedCatalog {
  private declare readonly cents: Int32Array | undefined;
  private declare readonly category: Uint16Array | undefined;
  private declare readonly names: string[];

  constructor(popularity: ZipfSampler, sizes: Table, minSize: number, prices: number[] | undefined, categories: Record<string, number> | undefined) {
    const masses = inCartShares(popularity.masses(), sizes, minSize);
    const n = masses.length;
    this.names = categories ? Object.keys(categories) : [];
    if (prices) {
      // Bands: each step between percentiles, a run of equal percentiles merged into one.
      const lo: number[] = [];
      const hi: number[] = [];
      const share: number[] = [];
      const steps = prices.length - 1;
      for (let i = 0; i < steps; ) {
        let j = i + 1;
        while (j < steps && prices[j + 1] === prices[i]) j++;
        lo.push(prices[i] as number);
        hi.push(prices[j] as number);
        share.push((j - i) / steps);
        i = j;
      }
      const band = dealOut(masses, share);
      const cents = new Int32Array(n);
      for (let r = 0; r < n; r++) {
        const b = band[r] as number;
        const within = mix32(r ^ 0x3c6ef372) / 4294967296;
        cents[r] = Math.round(((lo[b] as number) + ((hi[b] as number) - (lo[b] as number)) * within) * 100);
      }
      this.cents = cents;
    } else this.cents = undefined;
    if (categories) {
      const weights = this.names.map((name) => categories[name] as number);
      const total = weights.reduce((a, b) => a + b, 0);
      this.category = dealOut(masses, weights.map((w) => w / total));
    } else this.category = undefined;
  }

  relabel(items: CartItem[], ranks: ArrayLike<number>): void {
    const cents = this.cents;
    const category = this.category;
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as CartItem;
      const rank = ranks[i] as number;
      if (cents) item.price = (cents[rank] as number) / 100;
      if (category) item.category = this.names[category[rank] as number] as string;
    }
  }
}

/**
 * Each product's share of the items in carts. A cart holds distinct products, so a popular one is
 * in a cart of n items with probability 1 - (1 - p)^n, less than n × p: its share of items is
 * smaller than its share of draws. Worked out over the cart sizes for the products drawn more than
 * once in a thousand; below that the difference is negligible and the share is proportional.
 */
function inCartShares(p: Float64Array, sizes: Table, minSize: number): Float64Array {
  const out = new Float64Array(p.length);
  let mean = 0;
  for (let i = 0; i < sizes.size; i++) mean += sizes.probability(i) * (minSize + i);
  let total = 0;
  for (let r = 0; r < p.length; r++) {
    const pr = p[r] as number;
    let w = pr * mean;
    if (pr > 0.001) {
      w = 0;
      for (let i = 0; i < sizes.size; i++) w += sizes.probability(i) * (1 - powInt(1 - pr, minSize + i));
    }
    out[r] = w;
    total += w;
  }
  for (let r = 0; r < p.length; r++) out[r] = (out[r] as number) / total;
  return out;
}

/**
 * x^n for a whole n by squaring: multiplications only, which every engine rounds alike (Math.pow
 * need not agree in the last bit between V8 and k6's, and the plans must).
 */
function powInt(x: number, n: number): number {
  let result = 1;
  let base = x;
  for (let e = n; e > 0; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return result;
}

/**
 * Deals ranks (most probable first) to shares: each rank to the share furthest below its target so
 * far. A max-heap over the shortfalls keeps it to n log(shares) steps.
 */
function dealOut(masses: Float64Array, shares: readonly number[]): Uint16Array {
  const k = shares.length;
  const gap = Float64Array.from(shares);
  const heap: number[] = [];
  // Ties (equal shortfalls: every percentile band at first) go by a hash of the share's index, not its order, so the most popular products do not all land on the cheapest bands.
  const tie = shares.map((_, i) => mix32(i ^ 0x5f356495));
  const above = (a: number, b: number): boolean => (gap[a] as number) > (gap[b] as number) || ((gap[a] as number) === (gap[b] as number) && (tie[a] as number) < (tie[b] as number));
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < k && above(heap[l] as number, heap[top] as number)) top = l;
      if (r < k && above(heap[r] as number, heap[top] as number)) top = r;
      if (top === i) return;
      [heap[i], heap[top]] = [heap[top] as number, heap[i] as number];
      i = top;
    }
  };
  for (let i = 0; i < k; i++) heap.push(i);
  for (let i = (k >> 1) - 1; i >= 0; i--) down(i);
  const out = new Uint16Array(masses.length);
  for (let r = 0; r < masses.length; r++) {
    const b = heap[0] as number;
    out[r] = b;
    gap[b] = (gap[b] as number) - (masses[r] as number);
    down(0);
  }
  return out;
}

/**
 * Learned repeat visits: over a cycle of about `window` sessions (a recording's worth), a share of
 * the positions are guests and the rest belong to customers who come back k times, k drawn so that
 * the cycle holds the learned share of customers with k sessions. Positions are spread through the
 * cycle by an affine permutation, so one customer's sessions are far apart; each cycle takes fresh
 * customers from the pool's rotation. Customers of one session get a profile ID of their own, so
 * the pool serves only returning customers (a pool smaller than a cycle's returning customers
 * repeats them). Arithmetic only: no per-session or per-profile memory.
 */
class RepeatingProfiles {
  private declare readonly length: number;
  private declare readonly guests: number;
  /** Per class (k = 1, 2, ...): where its positions start after the guests, and its first slot. */
  private declare readonly starts: number[];
  private declare readonly slotBase: number[];
  private declare readonly ks: number[];
  private declare readonly slots: number;
  private declare readonly stride: number;
  private declare readonly offset: number;

  constructor(weights: number[], window: number, guestShare: number, seedHash: number) {
    const guests = Math.round(window * guestShare);
    const known = window - guests;
    let sessionsWeight = 0;
    weights.forEach((w, i) => (sessionsWeight += w * (i + 1)));
    const starts: number[] = [];
    const slotBase: number[] = [];
    const ks: number[] = [];
    let position = 0;
    let slots = 0;
    let best = 0;
    weights.forEach((w, i) => {
      const k = i + 1;
      if (w * k > (weights[best] as number) * (best + 1)) best = i;
      const profiles = Math.round((known * w) / sessionsWeight);
      if (profiles === 0) return;
      starts.push(position);
      slotBase.push(slots);
      ks.push(k);
      position += profiles * k;
      if (k > 1) slots += profiles;
    });
    if (position === 0) {
      // A window too short for any class: one customer of the most frequent kind.
      starts.push(0);
      slotBase.push(0);
      ks.push(best + 1);
      position = best + 1;
      slots = 1;
    }
    this.guests = guests;
    this.length = guests + position;
    this.starts = starts;
    this.slotBase = slotBase;
    this.ks = ks;
    this.slots = Math.max(1, slots);
    this.stride = coprimeStride(this.length, mix32(seedHash ^ 0x165667b1));
    this.offset = mix32(seedHash ^ 0x61c88647) % this.length;
  }

  /** The customer slot of session `index` (an index into the profile rotation), GUEST, or ONCE for a customer of one session. */
  slot(index: number): number {
    const n = this.length;
    const cycle = Math.floor(index / n);
    const q = (mulMod(index % n, this.stride, n) + this.offset) % n;
    if (q < this.guests) return GUEST;
    const p = q - this.guests;
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= p) lo = mid;
      else hi = mid - 1;
    }
    if (this.ks[lo] === 1) return ONCE;
    const inClass = Math.floor((p - (starts[lo] as number)) / (this.ks[lo] as number));
    return cycle * this.slots + (this.slotBase[lo] as number) + inClass;
  }
}

/** Learned weights of from..to re-cut to [min, max] (a catalog smaller than the carts), renormalised by the Table. */
function truncatedTable(weights: number[], from: number, min: number, max: number): Table {
  const w = new Float64Array(max - min + 1);
  let total = 0;
  for (let k = min; k <= max; k++) total += w[k - min] = weights[k - from] ?? 0;
  if (!(total > 0)) w[w.length - 1] = 1;
  return new Table(w);
}

/** The same item with another quantity. */
export function withQuantity(item: CartItem, quantity: number): CartItem {
  return { ...item, quantity };
}

/** (a * b) mod n for a, b < n ≤ 2^31, exact in doubles. */
function mulMod(a: number, b: number, n: number): number {
  const hi = ((a * (b >>> 16)) % n) * 65536;
  return (hi + a * (b & 0xffff)) % n;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** A stride in [1, n) coprime with n, so that i → i·stride mod n visits every profile once per n sessions. */
function coprimeStride(n: number, h: number): number {
  if (n <= 2) return 1;
  let s = 1 + (h % (n - 1));
  while (gcd(s, n) !== 1) s = s + 1 === n ? 1 : s + 1;
  return s;
}

/**
 * The 256 byte values in hex. Split from one literal: V8 caches the split of a literal string per
 * process, so every VU context shares the 256 strings and holds only the array (computing them
 * per context cost 8 KB each; padStart per byte instead is twice as slow under --jitless).
 */
const HEX_BYTE: readonly string[] = '00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50 51 52 53 54 55 56 57 58 59 5a 5b 5c 5d 5e 5f 60 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75 76 77 78 79 7a 7b 7c 7d 7e 7f 80 81 82 83 84 85 86 87 88 89 8a 8b 8c 8d 8e 8f 90 91 92 93 94 95 96 97 98 99 9a 9b 9c 9d 9e 9f a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 aa ab ac ad ae af b0 b1 b2 b3 b4 b5 b6 b7 b8 b9 ba bb bc bd be bf c0 c1 c2 c3 c4 c5 c6 c7 c8 c9 ca cb cc cd ce cf d0 d1 d2 d3 d4 d5 d6 d7 d8 d9 da db dc dd de df e0 e1 e2 e3 e4 e5 e6 e7 e8 e9 ea eb ec ed ee ef f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff'.split(' ');

/**
 * 64 hex digits (a SHA-256-looking identifier) from one word: eight mulberry32 outputs, inlined
 * (calls are dear in an interpreter), joined once so the result is one flat string (a chain of
 * `+=` would leave V8 a rope that every JSON.stringify walks).
 */
function hex64(h: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), h | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t ^= t >>> 14;
    parts.push(HEX_BYTE[(t >>> 24) & 255] as string, HEX_BYTE[(t >>> 16) & 255] as string, HEX_BYTE[(t >>> 8) & 255] as string, HEX_BYTE[t & 255] as string);
  }
  return parts.join('');
}
