// Plans with their bodies as JSON text, for k6. A k6 VU holds its session's plan for the whole
// session (think times included), and in k6's engine every object and property of it is a Go
// allocation while a string is one compact value; building the text directly also spares the
// per-item objects a SharedArray read would parse. The text is byte for byte what
// JSON.stringify gives for the same plan built with objects (the tests compare them).
// Pure and k6-safe.
import type { CartItem } from '../model/api.ts';
import type { Product } from './types.ts';

/**
 * A cart item as text around its quantity: `head` is `{"sku":…,"category":…` and `tail` the rest
 * after the quantity, `"weight":…,"length":…` (and the attributes) up to the closing brace.
 */
export interface TextItem {
  head: string;
  tail: string;
  quantity: number;
}

/** Where an item's text comes from: one entry per product, in the catalog's order. */
export interface ItemTexts {
  heads: ArrayLike<string>;
  tails: ArrayLike<string>;
  /** `"attributes":{…}` for products that have attributes, else ''. */
  attributes: ArrayLike<string>;
}

/** A product's text before its quantity, in CartItem's key order. */
export function itemHead(p: Product): string {
  return `{"sku":${JSON.stringify(p.sku)},"name":${JSON.stringify(p.name)},"price":${JSON.stringify(p.price)},"category":${JSON.stringify(p.category)}`;
}

/** A product's text after its quantity, without attributes and the closing brace. */
export function itemTail(p: Product): string {
  return `"weight":${JSON.stringify(p.weight)},"height":${JSON.stringify(p.height)},"width":${JSON.stringify(p.width)},"length":${JSON.stringify(p.length)}`;
}

export function itemAttributes(p: Product): string {
  return p.attributes ? `"attributes":${JSON.stringify(p.attributes)}` : '';
}

function isTextItem(item: CartItem | TextItem): item is TextItem {
  return (item as TextItem).head !== undefined;
}

function itemJson(item: CartItem | TextItem): string {
  return isTextItem(item) ? `${item.head},"quantity":${item.quantity},${item.tail}` : JSON.stringify(item);
}

/**
 * JSON.stringify(body) for a plan's request body whose `customerSession.cartItems` may hold
 * TextItems: object members in their order, undefined ones left out, as JSON.stringify does.
 */
export function bodyJson(body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return JSON.stringify(body);
  let out = '{';
  for (const key in body as Record<string, unknown>) {
    const value = (body as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(key)}:${key === 'customerSession' ? sessionJson(value as Record<string, unknown>) : JSON.stringify(value)}`;
  }
  return `${out}}`;
}

function sessionJson(cs: Record<string, unknown>): string {
  let out = '{';
  for (const key in cs) {
    const value = cs[key];
    if (value === undefined) continue;
    if (out.length > 1) out += ',';
    if (key === 'cartItems' && Array.isArray(value)) {
      const items: string[] = [];
      for (const item of value as (CartItem | TextItem)[]) items.push(itemJson(item));
      out += `"cartItems":[${items.join(',')}]`;
    } else out += `${JSON.stringify(key)}:${JSON.stringify(value)}`;
  }
  return `${out}}`;
}

/** The texts of a catalog's items (what the k6 scenarios keep in SharedArrays, built once per test). */
export function itemTextsOf(products: ArrayLike<Product>): ItemTexts {
  const heads: string[] = [];
  const tails: string[] = [];
  const attributes: string[] = [];
  for (let i = 0; i < products.length; i++) {
    const p = products[i] as Product;
    heads.push(itemHead(p));
    tails.push(itemTail(p));
    attributes.push(itemAttributes(p));
  }
  return { heads, tails, attributes };
}
