// Assembly of one session's contents from the pools: customer, store, codes, identifiers, costs,
// attributes and the cart. Pure and k6-safe (no Node APIs, no faker). Everything that depends only
// on the profile and the pools' sizes is in the compiled PlanModel (in k6, read from the pools
// data); per session it draws integers and copies pool elements, reading each pool element once (a
// SharedArray access deserialises the element every time).
import type { AdditionalCost, CartItem } from '../model/api.ts';
import type { PlanModel } from './plan-model.ts';
import type { LearnedParts } from './learned-parts.ts';
import { learnedParts } from './learned-parts.lazy.ts';
import { textItem, type ItemTexts, type TextItem } from './plan-text.ts';
import { coprimeStride, mulMod, QuantileTable, Table, ZipfSampler, type Rng, type ThinkTimes } from './random.ts';
import { GUEST, ONCE } from './repeat-visits.ts';
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

/** Tries at drawing an unused product by popularity before walking to the next unused one. */
const MAX_REDRAWS = 8;
/** Carts up to this size check for repeats by scanning; larger ones use the stamp array. */
const SMALL_CART = 24;

export class Assembler {
  declare readonly model: PlanModel & { tables: Float64Array };
  /** The most distinct items one cart can hold: the item limit, or fewer when the catalog is smaller. */
  declare readonly maxDistinct: number;
  declare readonly kinds: Table;
  /** The think times between steps: one table, or (learned) one per pair of steps. */
  declare readonly think: ThinkTimes;
  declare private readonly pools: Pools;
  declare private readonly seedHash: number;
  declare private readonly prefix: string;
  declare private readonly seedText: string;
  declare private readonly itemsTable: Table;
  declare private readonly quantityTable: Table;
  declare private readonly popularity: ZipfSampler;
  /**
   * stamp[rank] === generation marks a product already in the cart being drawn (no per-cart Set).
   * One byte a product, allocated on the first cart too big for a linear scan.
   */
  declare private stamp: Uint8Array | undefined;
  declare private generation: number;
  /** Items as text (k6 plans), or undefined for CartItem objects. */
  declare readonly texts: ItemTexts | undefined;
  /** Known profiles are visited in a seeded rotation: session i and i+k share one only if k is a multiple of the pool size. */
  declare private readonly profileStride: number;
  declare private readonly profileOffset: number;
  /** A learned profile's parts; undefined for every preset, whose draws they leave untouched. */
  declare readonly learned: LearnedParts | undefined;

  constructor(
    pools: Pools,
    model: PlanModel & { tables: Float64Array },
    seed: string | number,
    prefix: string,
    texts?: ItemTexts,
  ) {
    if (pools.products.length === 0) throw new Error('pools.products: must not be empty');
    if (pools.stores.length === 0) throw new Error('pools.stores: must not be empty');
    this.pools = pools;
    this.model = model;
    this.stamp = undefined;
    this.generation = 0;
    this.texts = texts;
    this.maxDistinct = model.maxDistinct;
    this.seedText = String(seed);
    this.seedHash = hashString(this.seedText);
    this.prefix = prefix;
    const data = model.tables;
    this.kinds = new Table(data, model.kinds);
    this.itemsTable = new Table(data, model.items);
    this.quantityTable = new Table(data, model.quantity);
    this.popularity = new ZipfSampler(data, model.popularity);
    const think = new QuantileTable(data, model.think);
    const n = pools.profileIds.length;
    this.profileOffset = n === 0 ? 0 : mix32(this.seedHash ^ 0x5bd1e995) % n;
    this.profileStride = n === 0 ? 1 : coprimeStride(n, mix32(this.seedHash ^ 0x27d4eb2f));
    // A learned model's parts load only for a learned profile: a preset's planner holds none of their code.
    const m = model;
    const isLearned =
      m.couponCounts !== undefined ||
      m.updateCounts !== undefined ||
      m.checkCounts !== undefined ||
      m.returnCounts !== undefined ||
      m.thinkBy !== undefined ||
      m.prices !== undefined ||
      m.categories !== undefined ||
      m.repeat !== undefined;
    this.learned = isLearned ? learnedParts(model, this.seedHash, think) : undefined;
    this.think = this.learned?.think ?? think;
  }

  /** The number of distinct items the session's cart holds at checkout. */
  cartSize(rng: Rng): number {
    return this.model.itemsMin + this.itemsTable.draw(rng);
  }

  /**
   * `n` cart items of distinct products (popular ones more often), quantities geometric and their
   * sum at most `maxTotal` (each item keeps at least 1). With item texts they are TextItems (typed
   * as CartItem: only `quantity` is read, and bodyJson turns them into the same JSON).
   */
  cart(rng: Rng, n: number, maxTotal: number): CartItem[] {
    const products = this.pools.products;
    const texts = this.texts;
    const count = products.length;
    if (n > count) n = count;
    const ranks = n <= SMALL_CART ? this.smallCartRanks(rng, n) : this.largeCartRanks(rng, n);
    // Filled by push: a preallocated `new Array(n)` is holey, and JSON.stringify of a holey array is several times slower.
    const items: CartItem[] = [];
    const withAttributes = this.model.itemAttributes;
    // A learned catalog's price and category of each product, fixed per product.
    const learned = this.learned?.labelled ? this.learned : undefined;
    const data = this.quantityTable.data;
    const cum = this.quantityTable.base;
    const guide = this.quantityTable.guide;
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
      let extra = guide < 0 ? 0 : (data[guide + (u >>> 24)] as number);
      while (u >= (data[cum + extra] as number)) extra++;
      if (extra > budget) extra = budget;
      budget -= extra;
      const rank = ranks[i] as number;
      if (texts) {
        // One string from the SharedArray instead of a product object and its 10 properties.
        const attributes = withAttributes ? (texts.attributes[rank] as string) : '';
        let template = texts.templates[rank] as string;
        if (learned) template = learned.labelTemplate(template, rank);
        items.push(
          textItem(
            attributes === '' ? template : `${template.slice(0, -1)},${attributes}}`,
            extra + 1,
          ) as unknown as CartItem,
        );
        continue;
      }
      const p = products[rank] as Product;
      // Built inline (a call per item is dear in an interpreter), in a fixed key order so output is byte-identical everywhere.
      const item: CartItem = {
        sku: p.sku,
        name: p.name,
        price: p.price,
        category: p.category,
        quantity: extra + 1,
        weight: p.weight,
        height: p.height,
        width: p.width,
        length: p.length,
      };
      if (learned) learned.labelItem(item, rank);
      if (withAttributes && p.attributes) item.attributes = p.attributes;
      items.push(item);
    }
    rng.a = a;
    rng.b = b;
    rng.c = c;
    rng.d = d;
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
    const m = this.model;
    const learned = this.learned;
    const repeat = learned?.repeat;
    const drawnGuest = rng.hit(m.guestT);
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
    if (rng.hit(m.couponT)) {
      const counts = learned?.couponCounts;
      const k = counts ? 1 + counts.draw(rng) : rng.int(1, m.couponsMax);
      const codes: string[] = [];
      for (let i = 0; i < k; i++) {
        const invalid = rng.hit(m.invalidCouponT);
        const pool = invalid ? pools.invalidCoupons : pools.validCoupons;
        const code = pool[rng.below(pool.length)] as string;
        if (!codes.includes(code)) codes.push(code);
      }
      f.couponCodes = codes;
    }
    if (rng.hit(m.referralT)) {
      const pool = rng.hit(m.invalidReferralT) ? pools.invalidReferrals : pools.validReferrals;
      f.referralCode = pool[rng.below(pool.length)] as string;
    }
    // A customer keeps one loyalty card, one set of devices and one home city across sessions.
    if (!guest && rng.hit(m.loyaltyT))
      f.loyaltyCards = [pools.loyaltyCards[mix32(customerHash ^ 0x1b873593) % pools.loyaltyCards.length] as string];
    if (rng.hit(m.identifiersT)) {
      const k = rng.int(1, m.identifiersMax);
      const ids: string[] = [];
      for (let i = 0; i < k; i++) ids.push(hex64(mix32(customerHash + Math.imul(i + 1, 0x9e3779b9))));
      f.identifiers = ids;
    }
    // Made per session: an object per price kept by every VU would cost more than it saves.
    if (rng.hit(m.shippingT))
      f.additionalCosts = { shipping: { price: m.shippingPrices[rng.below(m.shippingPrices.length)] as number } };
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
    const k = Math.min(rng.int(this.model.campaignsMin, this.model.campaignsMax), pool.length);
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

/** The same item with another quantity. */
export function withQuantity(item: CartItem, quantity: number): CartItem {
  const template = (item as unknown as Partial<TextItem>).template;
  return template === undefined ? { ...item, quantity } : (textItem(template, quantity) as unknown as CartItem);
}

/** hex64's 64 character codes, filled in place on each call (one array per VU, not one per identifier). */
const HEX_CODES: number[] = new Array<number>(64).fill(0);

/**
 * 64 hex digits (a SHA-256-looking identifier) from one word: eight mulberry32 outputs, inlined
 * (calls are dear in an interpreter), written as character codes and made into one flat string
 * at once (a chain of `+=` would leave V8 a rope that every JSON.stringify walks). The digits are
 * worked out here rather than by Number#toString(16) and padStart: in V8 those took 4-5 µs an
 * identifier, about 6 times as long, and a fifth of the planner's time in sessions that carry
 * identifiers; interpreted (node --jitless) this is no slower.
 */
function hex64(h: number): string {
  for (let i = 0; i < 64; i += 8) {
    h = (h + 0x6d2b79f5) | 0;
    let t = Math.imul(h ^ (h >>> 15), h | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t ^= t >>> 14;
    for (let j = 7; j >= 0; j--) {
      const d = t & 15;
      HEX_CODES[i + j] = d < 10 ? 48 + d : 87 + d;
      t >>>= 4;
    }
  }
  return String.fromCharCode(...HEX_CODES);
}
