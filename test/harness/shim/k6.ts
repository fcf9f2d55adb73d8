// The `k6` module: check, group, sleep, fail, randomSeed.
import { host, toTags } from './runtime.ts';

const SEPARATOR = '::';

function assertName(name: unknown): string {
  const s = String(name);
  if (s.includes(SEPARATOR)) throw new Error("group and check names may not contain '::'");
  return s;
}

/** Runs each check on the value, records a pass or fail per check name, and returns true when all passed. */
export function check<T>(value: T, sets: Record<string, unknown>, tags?: Record<string, unknown>): boolean {
  const extra = toTags(tags);
  let all = true;
  for (const name of Object.keys(sets)) {
    assertName(name);
    const c = sets[name];
    // A check callback that throws aborts the iteration, as in k6 (no sample is recorded).
    const ok = typeof c === 'function' ? Boolean((c as (v: T) => unknown)(value)) : Boolean(c);
    host.check(name, ok, extra);
    if (!ok) all = false;
  }
  return all;
}

export function group<T>(name: string, fn: () => T): T {
  assertName(name);
  if (typeof fn !== 'function') throw new Error('group() requires a callback as a second argument');
  host.groupEnter(name);
  try {
    return fn();
  } finally {
    host.groupLeave();
  }
}

/** Recorded, not slept: the harness runs iterations as fast as the target answers. */
export function sleep(seconds: number): void {
  host.sleep(Number(seconds));
}

export function fail(message?: string): never {
  throw new Error(message === undefined ? '' : String(message));
}

/** Seeds this VU's Math.random, as k6's randomSeed does. */
export function randomSeed(seed: number): void {
  let a = Number(seed) >>> 0;
  Math.random = () => {
    // mulberry32: small and good enough for a script's own randomness.
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export default { check, group, sleep, fail, randomSeed };
