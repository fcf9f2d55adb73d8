// A recorded request body is sent as the text it was read as; the reader only has to know that it
// is valid JSON and what the API's limits look at (the cart's SKUs and quantities, codes,
// identifiers, cards, the store, the profile and the state it asks for). JSON.parse would build
// the whole object, names, prices and attributes of every item included, for the garbage collector
// to take back at once. This scan checks the whole text's syntax as JSON.parse does and builds only
// those fields, as JSON.parse would have given them (the last of duplicate keys wins).
//
// It answers undefined for anything it does not vouch for (invalid JSON, a body that is not an
// object, nesting too deep for it): the caller then parses with JSON.parse, which names the error.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

class Invalid extends Error {}
const INVALID = new Invalid();

// The scan's state lives here rather than in closures made per body: one body is scanned at a
// time, and a dozen closures a body would cost as much as the scan saves.
let text = '';
let i = 0;
let n = 0;

function ws(): void {
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return;
  }
}

/** Skips the string token at i (a quote); returns whether it holds an escape. */
function skipString(): boolean {
  i++;
  let escaped = false;
  for (;;) {
    if (i >= n) throw INVALID;
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i++;
      return escaped;
    }
    if (c < 0x20) throw INVALID;
    if (c === BACKSLASH) {
      escaped = true;
      const e = text.charCodeAt(i + 1);
      if (e === 0x75) {
        // \uXXXX
        for (let k = 2; k < 6; k++) {
          const h = text.charCodeAt(i + k);
          if (!((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) throw INVALID;
        }
        i += 6;
        continue;
      }
      // \" \\ \/ \b \f \n \r \t
      if (
        e !== QUOTE &&
        e !== BACKSLASH &&
        e !== 0x2f &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      )
        throw INVALID;
      i += 2;
      continue;
    }
    i++;
  }
}

function digits(): void {
  const from = i;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) i++;
    else break;
  }
  if (i === from) throw INVALID;
}

function skipNumber(): void {
  if (text.charCodeAt(i) === 0x2d) i++;
  const c = text.charCodeAt(i);
  if (c === 0x30) i++;
  else if (c >= 0x31 && c <= 0x39) digits();
  else throw INVALID;
  if (text.charCodeAt(i) === 0x2e) {
    i++;
    digits();
  }
  const e = text.charCodeAt(i);
  if (e === 0x65 || e === 0x45) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 0x2b || sign === 0x2d) i++;
    digits();
  }
}

function literal(word: string): void {
  if (!text.startsWith(word, i)) throw INVALID;
  i += word.length;
}

/** At a member's key (after '{' or ','): the key, with i past its ':' and at the value. */
function key(): string {
  if (text.charCodeAt(i) !== QUOTE) throw INVALID;
  const start = i;
  const escaped = skipString();
  const k = escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  ws();
  if (text.charCodeAt(i) !== 0x3a) throw INVALID;
  i++;
  ws();
  return k;
}

/** After '{' or '[' (whitespace skipped): true if the container closes at once (and steps past it). */
function closesAt(close: number): boolean {
  ws();
  if (text.charCodeAt(i) !== close) return false;
  i++;
  return true;
}

/** After a member or element: true when the container closed, false after a comma. */
function next(close: number): boolean {
  ws();
  const c = text.charCodeAt(i);
  i++;
  if (c === close) return true;
  if (c !== COMMA) throw INVALID;
  ws();
  return false;
}

function skipValue(): void {
  const c = text.charCodeAt(i);
  if (c === QUOTE) skipString();
  else if (c === OPEN_OBJECT) {
    i++;
    if (closesAt(CLOSE_OBJECT)) return;
    do {
      key();
      skipValue();
    } while (!next(CLOSE_OBJECT));
  } else if (c === OPEN_ARRAY) {
    i++;
    if (closesAt(CLOSE_ARRAY)) return;
    do skipValue();
    while (!next(CLOSE_ARRAY));
  } else if (c === 0x74) literal('true');
  else if (c === 0x66) literal('false');
  else if (c === 0x6e) literal('null');
  else skipNumber();
}

/** The value at i as JSON.parse gives it (plain strings and numbers without a second parse). */
function valueAt(): unknown {
  const start = i;
  const c = text.charCodeAt(i);
  if (c === QUOTE) {
    const escaped = skipString();
    return escaped ? JSON.parse(text.slice(start, i)) : text.slice(start + 1, i - 1);
  }
  skipValue();
  if ((c >= 0x30 && c <= 0x39) || c === 0x2d) return Number(text.slice(start, i));
  return JSON.parse(text.slice(start, i));
}

function cartItem(): unknown {
  if (text.charCodeAt(i) !== OPEN_OBJECT) return valueAt();
  const out: { sku?: unknown; quantity?: unknown } = {};
  i++;
  if (closesAt(CLOSE_OBJECT)) return out;
  do {
    const k = key();
    if (k === 'sku') out.sku = valueAt();
    else if (k === 'quantity') out.quantity = valueAt();
    else skipValue();
  } while (!next(CLOSE_OBJECT));
  return out;
}

function cartItems(): unknown {
  if (text.charCodeAt(i) !== OPEN_ARRAY) return valueAt();
  const items: unknown[] = [];
  i++;
  if (closesAt(CLOSE_ARRAY)) return items;
  do items.push(cartItem());
  while (!next(CLOSE_ARRAY));
  return items;
}

function customerSession(): unknown {
  if (text.charCodeAt(i) !== OPEN_OBJECT) return valueAt();
  const out: Record<string, unknown> = {};
  i++;
  if (closesAt(CLOSE_OBJECT)) return out;
  do {
    const k = key();
    switch (k) {
      case 'cartItems':
        out.cartItems = cartItems();
        break;
      // Read whole: small strings and lists of strings.
      case 'profileId':
      case 'state':
      case 'couponCodes':
      case 'referralCode':
      case 'identifiers':
      case 'loyaltyCards':
      case 'storeIntegrationId':
        out[k] = valueAt();
        break;
      default:
        skipValue();
    }
  } while (!next(CLOSE_OBJECT));
  return out;
}

/**
 * The body's JSON reduced to what the limits check reads: `{ customerSession?: { cartItems?:
 * [{ sku?, quantity? }...], profileId?, state?, couponCodes?, ... } }`, each field as JSON.parse
 * gives it; undefined when the text is not a JSON object this scan vouches for.
 */
export function scanJsonBody(body: string): Record<string, unknown> | undefined {
  text = body;
  i = 0;
  n = body.length;
  try {
    ws();
    if (text.charCodeAt(i) !== OPEN_OBJECT) return undefined;
    const out: Record<string, unknown> = {};
    i++;
    if (!closesAt(CLOSE_OBJECT)) {
      do {
        if (key() === 'customerSession') out.customerSession = customerSession();
        else skipValue();
      } while (!next(CLOSE_OBJECT));
    }
    ws();
    return i === n ? out : undefined;
  } catch {
    // Invalid JSON, or nesting deeper than the stack: JSON.parse decides and names the error.
    return undefined;
  } finally {
    text = '';
  }
}
