// The body scan (recordings/json-body.ts) accepts exactly the JSON objects JSON.parse accepts and
// gives the fields the limits check reads exactly as JSON.parse gives them: checked against
// JSON.parse on thousands of random bodies, valid and broken, with escapes, odd numbers, odd
// spacing and duplicate keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scanJsonBody } from '../recordings/json-body.ts';

const SESSION_FIELDS = [
  'profileId',
  'state',
  'couponCodes',
  'referralCode',
  'identifiers',
  'loyaltyCards',
  'storeIntegrationId',
];
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What the scan must give: JSON.parse's value reduced to the fields it reads; undefined when it must decline. */
function reference(text: string): unknown {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(v)) return undefined;
  const out: Record<string, unknown> = {};
  if (Object.hasOwn(v, 'customerSession')) {
    const cs = v.customerSession;
    if (!isObject(cs)) out.customerSession = cs;
    else {
      const o: Record<string, unknown> = {};
      for (const k of SESSION_FIELDS) if (Object.hasOwn(cs, k)) o[k] = cs[k];
      if (Object.hasOwn(cs, 'cartItems')) {
        const ci = cs.cartItems;
        o.cartItems = Array.isArray(ci)
          ? ci.map((it: unknown) => {
              if (!isObject(it)) return it;
              const r: Record<string, unknown> = {};
              if (Object.hasOwn(it, 'sku')) r.sku = it.sku;
              if (Object.hasOwn(it, 'quantity')) r.quantity = it.quantity;
              return r;
            })
          : ci;
      }
      out.customerSession = o;
    }
  }
  return out;
}

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Random JSON text, written by hand so spacing, escapes, number spellings and duplicate keys vary. */
function randomJson(r: () => number, depth = 0): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const sp = (): string => pick(['', '', ' ', '\n  ', '\t', '\r\n']);
  const str = (): string =>
    pick([
      '"a"',
      '""',
      '"SKU-1"',
      '"caf\\u00e9"',
      '"tab\\there"',
      '"q\\"uote"',
      '"sl\\/ash"',
      '"\\ud83d\\ude00"',
      '"é€😀"',
      '"closed"',
      '"back\\\\"',
    ]);
  const num = (): string =>
    pick(['0', '-0', '1', '2', '12', '-3', '1.5', '1e2', '1E-2', '2.0', '1e400', '0.1e+1', '10000']);
  const key = (): string =>
    pick([
      '"customerSession"',
      '"cartItems"',
      '"sku"',
      '"quantity"',
      '"profileId"',
      '"state"',
      '"couponCodes"',
      '"identifiers"',
      '"loyaltyCards"',
      '"referralCode"',
      '"storeIntegrationId"',
      '"name"',
      '"attributes"',
      '"customer\\u0053ession"',
      '"c\\u0061rtItems"',
    ]);
  const val = (): string => {
    const k = depth > 4 ? r() * 4 : r() * 8;
    if (k < 1.5) return str();
    if (k < 3) return num();
    if (k < 4) return pick(['true', 'false', 'null']);
    if (k < 6) {
      const n = Math.floor(r() * 4);
      return `{${sp()}${Array.from({ length: n }, () => `${key()}${sp()}:${sp()}${randomJson(r, depth + 1)}`).join(`${sp()},${sp()}`)}${sp()}}`;
    }
    const n = Math.floor(r() * 4);
    return `[${sp()}${Array.from({ length: n }, () => randomJson(r, depth + 1)).join(`,${sp()}`)}${sp()}]`;
  };
  return val();
}

function randomBody(r: () => number): string {
  const j = (): string => randomJson(r, 1);
  const item = (): string =>
    `{"sku":${r() < 0.8 ? '"S1"' : j()},"quantity":${r() < 0.8 ? '2' : j()},"name":${j()}${r() < 0.2 ? ',"sku":"dup"' : ''}}`;
  const items =
    r() < 0.8 ? `[${Array.from({ length: Math.floor(r() * 4) }, () => (r() < 0.9 ? item() : j())).join(',')}]` : j();
  const cs =
    r() < 0.9
      ? `{"profileId":${r() < 0.7 ? '"p1"' : j()},"cartItems":${items},"couponCodes":${r() < 0.7 ? '["C1","C2"]' : j()},"extra":${j()}${r() < 0.2 ? ',"state":"closed"' : ''}}`
      : j();
  return `${r() < 0.2 ? ' ' : ''}{"customerSession":${cs},"responseContent":${j()}${r() < 0.1 ? `,"customerSession":${j()}` : ''}}${r() < 0.2 ? '\n' : ''}`;
}

function mutate(text: string, r: () => number): string {
  const at = Math.floor(r() * (text.length + 1));
  const chars = [
    '"',
    ',',
    '}',
    ']',
    '{',
    '[',
    ':',
    '\\',
    'x',
    '\u0001',
    '\u001f',
    '\t',
    ' ',
    '0',
    '-',
    '.',
    'e',
    'n',
    '\n',
    'u',
  ];
  const c = chars[Math.floor(r() * chars.length)] as string;
  switch (Math.floor(r() * 3)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + c + text.slice(at);
    default:
      return text.slice(0, at) + c + text.slice(at + 1);
  }
}

test('the body scan agrees with JSON.parse on random bodies, valid and broken', () => {
  let valid = 0;
  let invalid = 0;
  for (let seed = 1; seed <= 4000; seed++) {
    const r = prng(seed);
    const good = r() < 0.5 ? randomBody(r) : randomJson(r);
    for (const text of [good, mutate(good, r), mutate(mutate(good, r), r)]) {
      const want = reference(text);
      const got = scanJsonBody(text);
      assert.deepEqual(got, want, `seed ${seed}: ${JSON.stringify(text)}`);
      if (want === undefined) invalid++;
      else valid++;
    }
  }
  assert.ok(valid > 3000 && invalid > 3000, `both kinds covered: ${valid} valid, ${invalid} declined`);
});

test('the body scan declines what JSON.parse refuses, and deep nesting', () => {
  for (const bad of [
    '',
    ' ',
    '{',
    '{"a":1,}',
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":+1}',
    '{"a":"\t"}',
    '{"a":"\\x"}',
    '{"a":"\\u12"}',
    "{'a':1}",
    '{"a":1}{',
    '{"a":tru}',
    '{"a":NaN}',
    '[1]',
    '"s"',
    '{"a" 1}',
  ]) {
    assert.equal(scanJsonBody(bad), undefined, JSON.stringify(bad));
  }
  const deep = `{"customerSession":{"attributes":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
  assert.equal(scanJsonBody(deep), undefined, 'too deep for the scan: JSON.parse decides');
  assert.deepEqual(
    scanJsonBody(
      '{"customerSession":{"cartItems":[{"sku":"A","quantity":1,"attributes":{"x":[1,{"y":null}]}}],"state":"closed"}}',
    ),
    {
      customerSession: { cartItems: [{ sku: 'A', quantity: 1 }], state: 'closed' },
    },
  );
});
