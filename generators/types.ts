// The data pools that the assembly draws from. Pure types and constants (k6-safe): Node builds the
// pools with faker ahead of time (generators/pools.ts) and writes them as one pools.json; k6 loads
// each member through its own SharedArray, so every member is an ArrayLike of small elements.

/** One catalog product: one pool element, so that a SharedArray access deserialises one product. */
export interface Product {
  sku: string;
  name: string;
  category: string;
  /** Unit price with two decimals. */
  price: number;
  /** Grams. */
  weight: number;
  /** Millimetres. */
  height: number;
  width: number;
  length: number;
  /** Catalog attributes (color, material, ...); sent only when the profile asks (cart.itemAttributes). */
  attributes?: Record<string, string>;
}

export interface Pools {
  /** The catalog, most popular first: the assembly draws ranks with a Zipf-like law. */
  products: ArrayLike<Product>;
  /** Store integration IDs. */
  stores: ArrayLike<string>;
  /** Shipping cities (the ShippingCity attribute). */
  cities: ArrayLike<string>;
  /** Coupon codes that exist on the target (by default they match DEFAULT_VALID_COUPON_PATTERN). */
  validCoupons: ArrayLike<string>;
  /** Coupon codes that do not exist: a share of sessions sends them, as real shoppers do. */
  invalidCoupons: ArrayLike<string>;
  validReferrals: ArrayLike<string>;
  invalidReferrals: ArrayLike<string>;
  loyaltyCards: ArrayLike<string>;
  /** Integration IDs of known customer profiles (guests get generated IDs). */
  profileIds: ArrayLike<string>;
  /** Campaign IDs that dry runs ask to evaluate (evaluableCampaignIds). */
  campaignIds: ArrayLike<number>;
}

export type PoolName = keyof Pools;

/** Every pool member, in the order pools.json writes them. */
export const POOL_NAMES = [
  'products',
  'stores',
  'cities',
  'validCoupons',
  'invalidCoupons',
  'validReferrals',
  'invalidReferrals',
  'loyaltyCards',
  'profileIds',
  'campaignIds',
] as const satisfies readonly PoolName[];
