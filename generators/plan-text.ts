// Plans with their bodies as JSON text, for k6. A k6 VU holds its session's plan for the whole
// session (think times included), and in k6's engine every object and property of it is a Go
// allocation while a string is one compact value; building the text directly also spares the
// per-item objects a SharedArray read would parse. The text is byte for byte what
// JSON.stringify gives for the same plan built with objects (the tests compare them).
// Pure and k6-safe.
import type { SessionFields } from './assemble.ts';
import type { Product } from './types.ts';

/** Where an item's quantity goes in its template (a control character: never in JSON text). */
export const QUANTITY_MARK = '\u0001';

/**
 * A cart item as text: its JSON, and the template it was made from (its product's, with the
 * quantity to fill in), for another quantity.
 */
export interface TextItem {
  template: string;
  quantity: number;
  json: string;
}

/** Where an item's text comes from: one entry per product, in the catalog's order. */
export interface ItemTexts {
  /** The item's JSON in CartItem's key order with QUANTITY_MARK for its quantity, without attributes. */
  templates: ArrayLike<string>;
  /** `"attributes":{…}` for products that have attributes, else ''. */
  attributes: ArrayLike<string>;
}

/** A product's item template: CartItem's keys in CartItem's order, the quantity to fill in. */
export function itemTemplate(p: Product): string {
  const j = JSON.stringify;
  return `{"sku":${j(p.sku)},"name":${j(p.name)},"price":${j(p.price)},"category":${j(p.category)},"quantity":${QUANTITY_MARK},"weight":${j(p.weight)},"height":${j(p.height)},"width":${j(p.width)},"length":${j(p.length)}}`;
}

export function itemAttributes(p: Product): string {
  return p.attributes ? `"attributes":${JSON.stringify(p.attributes)}` : '';
}

/** An item of a template with this quantity. */
export function textItem(template: string, quantity: number): TextItem {
  return { template, quantity, json: template.replace(QUANTITY_MARK, String(quantity)) };
}

/** The texts of a catalog's items (what the k6 scenarios keep in SharedArrays, built once per test). */
export function itemTextsOf(products: ArrayLike<Product>): ItemTexts {
  const templates: string[] = [];
  const attributes: string[] = [];
  for (let i = 0; i < products.length; i++) {
    templates.push(itemTemplate(products[i] as Product));
    attributes.push(itemAttributes(products[i] as Product));
  }
  return { templates, attributes };
}

/**
 * A session's request bodies as text, the fields it keeps from step to step serialized once:
 * byte for byte JSON.stringify of lifecycle.ts's sessionBody() (same keys, same order).
 */
export function sessionBodyTexts(
  f: SessionFields,
  rc: readonly string[] | undefined,
): (items: TextItem[], state: string | undefined, codes: boolean, campaigns?: number[]) => string {
  const j = JSON.stringify;
  const head = `{"customerSession":{"profileId":${j(f.profileId)},"storeIntegrationId":${j(f.storeIntegrationId)}`;
  const codeText =
    (f.couponCodes ? `,"couponCodes":${j(f.couponCodes)}` : '') +
    (f.referralCode !== undefined ? `,"referralCode":${j(f.referralCode)}` : '');
  const loyalty = f.loyaltyCards ? `,"loyaltyCards":${j(f.loyaltyCards)}` : '';
  const tail = `${f.additionalCosts ? `,"additionalCosts":${j(f.additionalCosts)}` : ''}${f.identifiers ? `,"identifiers":${j(f.identifiers)}` : ''},"attributes":${j(f.attributes)}}${rc ? `,"responseContent":${j(rc)}}` : '}'}`;
  return (items, state, codes, campaigns) => {
    const cart: string[] = [];
    for (const item of items) cart.push(item.json);
    return `${head}${campaigns ? `,"evaluableCampaignIds":${j(campaigns)}` : ''}${codes ? codeText : ''}${loyalty}${state ? `,"state":${j(state)}` : ''},"cartItems":[${cart.join(',')}]${tail}`;
  };
}
