// The `k6/data` module: SharedArray. As in k6, the callback runs once per name for the whole test
// (in the first VU that asks), the items are stored as JSON, and every VU reads them through a
// read-only array whose items are parsed (and frozen) on each access.
import { deepFreeze, host } from './runtime.ts';

function readOnly(): never {
  throw new TypeError('SharedArray is read-only');
}

// One handler for every SharedArray of the VU (a closure set per array would cost memory per VU);
// each view's items live in this map, keyed by the view's target.
const itemsOf = new WeakMap<object, string[]>();

function indexIn(texts: string[], key: string | symbol): number {
  if (typeof key !== 'string' || !/^(0|[1-9]\d*)$/.test(key)) return -1;
  const n = Number(key);
  return n < texts.length ? n : -1;
}

const handler: ProxyHandler<unknown[]> = {
  get(t, key, receiver) {
    const texts = itemsOf.get(t)!;
    if (key === 'length') return texts.length;
    const i = indexIn(texts, key);
    if (i !== -1) return deepFreeze(JSON.parse(texts[i]!));
    return Reflect.get(t, key, receiver);
  },
  has(t, key) {
    return indexIn(itemsOf.get(t)!, key) !== -1 || Reflect.has(t, key);
  },
  ownKeys(t) {
    const texts = itemsOf.get(t)!;
    const keys: string[] = [];
    for (let i = 0; i < texts.length; i++) keys.push(String(i));
    keys.push('length');
    return keys;
  },
  getOwnPropertyDescriptor(t, key) {
    if (key === 'length') return Reflect.getOwnPropertyDescriptor(t, key);
    const texts = itemsOf.get(t)!;
    const i = indexIn(texts, key);
    if (i === -1) return undefined;
    return { value: deepFreeze(JSON.parse(texts[i]!)), writable: false, enumerable: true, configurable: true };
  },
  set: readOnly,
  defineProperty: readOnly,
  deleteProperty: readOnly,
};

function view(texts: string[]): unknown[] {
  const target: unknown[] = [];
  itemsOf.set(target, texts);
  return new Proxy(target, handler);
}

export class SharedArray {
  constructor(name: string, make: () => unknown[]) {
    if (typeof make !== 'function') throw new Error('a function is expected');
    const texts = host.sharedArray(String(name), () => {
      const items = make();
      if (!Array.isArray(items)) throw new Error('only arrays can be made into SharedArray');
      return items.map((x) => JSON.stringify(x) ?? 'null');
    });
    // A constructor may return another object: `new SharedArray(...)` gives the read-only view.
    return view(texts) as unknown as SharedArray;
  }
}

export default { SharedArray };
