// What one VU allocates and keeps, counted the way k6's JavaScript engine pays for it. In Sobek
// (k6's engine, in Go) every object, closure, property and array element is a Go allocation of
// its own, while strings and typed arrays are compact; V8 stores objects very differently, so V8
// bytes per VU say little about k6's memory. Counting what a VU holds does: this takes V8 heap
// snapshots of a harness test before and after K more VUs are initialised, after each ran its
// first iteration, and after each ran more, and counts the JavaScript objects, closures,
// properties and array elements that the K VUs added (divided by K). Needs `node --expose-gc`.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import { SCRIPT_SUFFIX } from './compile.ts';
import { K6Test, type RunK6BundleOptions } from './index.ts';

const HARNESS_SCRIPT = SCRIPT_SUFFIX;

/** What the VUs hold, per VU. */
export interface Allocations {
  /** JavaScript objects (arrays and typed-array views included), closures excluded. */
  objects: number;
  /** Function objects: every function declaration, method and arrow a VU creates. */
  closures: number;
  /** Named properties of those objects and closures (the prototype link excluded). */
  properties: number;
  /** Indexed elements of arrays and array-like objects (typed arrays keep theirs in one buffer: none). */
  elements: number;
  /** Strings (compact in Sobek: counted, not weighed). */
  strings: number;
  /** V8's own size of those objects and closures, in bytes (not comparable with k6's). */
  v8Bytes: number;
  /** Typed-array and ArrayBuffer backing stores, in bytes (compact in both engines). */
  bufferBytes: number;
}

export interface VuAllocations {
  /** After the init code only (k6's idle VU). */
  init: Allocations;
  /** After its first iteration: what a VU keeps once it has run a session. */
  first: Allocations;
  /** After `warmIterations` more iterations each (every kind of step seen). */
  warm: Allocations;
  /**
   * What a VU holds in the middle of a session (its plan, the last answer) beyond what it keeps
   * between sessions: the mean, over `sessions` sessions, of a snapshot taken in a think time less
   * one taken when that session ended. A k6 VU holds it for as long as its session lasts.
   */
  inSession?: Allocations;
  /**
   * What is behind `warm`, most first: objects by constructor, `function f` for the script's
   * closures, `built-in f` for V8's own (created lazily per context), `.p` for properties named p.
   */
  top?: { name: string; count: number }[];
}

export interface MeasureOptions {
  /** VUs added between snapshots. Default 8. */
  vus?: number;
  /** Iterations per VU for the `warm` figure. Default 20. */
  warmIterations?: number;
  /** How many names to list in `top`. Default 0 (none). */
  top?: number;
  /** Called before each snapshot (e.g. to forget what a canned target remembered). */
  beforeSnapshot?: () => void;
  /**
   * Sessions to sample for `inSession` (run with THINK_SCALE=1, so that they think; a script
   * that never sleeps gets none). Default 0.
   */
  sessions?: number;
}

interface Counts {
  objects: number;
  closures: number;
  properties: number;
  elements: number;
  strings: number;
  v8Bytes: number;
  bufferBytes: number;
  names: Map<string, number>;
}

const emptyCounts = (): Counts => ({
  objects: 0,
  closures: 0,
  properties: 0,
  elements: 0,
  strings: 0,
  v8Bytes: 0,
  bufferBytes: 0,
  names: new Map(),
});

const STRING_TYPES = new Set(['string', 'concatenated string', 'sliced string']);

/** Counts a heap snapshot file (tens of MB for a harness test: read whole, counted, dropped). */
function countSnapshot(file: string, withNames: boolean): Counts {
  const h = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: {
      meta: { node_fields: string[]; edge_fields: string[]; node_types: [string[]]; edge_types: [string[]] };
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const meta = h.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const nodeTypes = meta.node_types[0];
  const edgeTypes = meta.edge_types[0];
  const c = emptyCounts();
  const { nodes, edges, strings } = h;
  const firstEdge = new Uint32Array(nodes.length / nf);
  for (let i = 0, e = 0; i < nodes.length; i += nf) {
    firstEdge[i / nf] = e;
    e += nodes[i + 4]! * ef;
  }
  /** The script a closure's code comes from ('' for V8's built-in functions). */
  const scriptOf = (node: number): string => {
    const edgeTo = (from: number, name: string): number | undefined => {
      for (let j = 0, e = firstEdge[from / nf]!; j < nodes[from + 4]!; j++, e += ef)
        if (strings[edges[e + 1]!] === name) return edges[e + 2]!;
      return undefined;
    };
    const shared = edgeTo(node, 'shared');
    const script = shared === undefined ? undefined : edgeTo(shared, 'script_or_debug_info');
    return script === undefined ? '' : strings[nodes[script + 1]!]!;
  };
  let e = 0;
  for (let i = 0; i < nodes.length; i += nf) {
    const type = nodeTypes[nodes[i]!]!;
    const name = strings[nodes[i + 1]!]!;
    const edgeCount = nodes[i + 4]!;
    const js = type === 'object' || type === 'closure';
    // V8's own structures (contexts, maps, code) are "hidden" or named "system / …".
    const counted = js && !name.startsWith('system /');
    if (counted) {
      if (type === 'closure') c.closures++;
      else c.objects++;
      c.v8Bytes += nodes[i + 3]!;
      if (withNames) {
        const key =
          type === 'closure'
            ? `${scriptOf(i).endsWith(HARNESS_SCRIPT) ? 'function' : 'built-in'} ${name || '(anonymous)'}`
            : name;
        c.names.set(key, (c.names.get(key) ?? 0) + 1);
      }
    } else if (STRING_TYPES.has(type)) c.strings++;
    else if (type === 'native' && name.includes('ArrayBuffer')) c.bufferBytes += nodes[i + 3]!;
    for (let j = 0; j < edgeCount; j++, e += ef) {
      if (!counted) continue;
      const et = edgeTypes[edges[e]!];
      if (et === 'property') {
        const prop = strings[edges[e + 1]!]!;
        if (prop !== '__proto__') {
          c.properties++;
          if (withNames) c.names.set(`.${prop}`, (c.names.get(`.${prop}`) ?? 0) + 1);
        }
      } else if (et === 'element') c.elements++;
    }
  }
  return c;
}

/**
 * Snapshots a VU in its session's first think time, and again when the session ended: sleep() is
 * the host's, so the first is taken while the session's code is on the stack, holding its plan.
 */
async function inSession(
  options: RunK6BundleOptions,
  sessions: number,
  snapshot: () => void,
  last: () => string,
): Promise<Allocations | undefined> {
  const test = new K6Test({
    callTimeoutMs: 0,
    ...options,
    env: { ...options.env, THINK_SCALE: '1' },
    record: { requests: false, samples: false, metrics: false },
  });
  await test.prepare();
  await test.setup();
  const vu = test.addVu();
  await test.iterate(3, 600_000);
  const sleep = vu.sleep.bind(vu);
  let pending = false;
  const mids: Counts[] = [];
  const ends: Counts[] = [];
  vu.sleep = (seconds: number): void => {
    if (pending) {
      pending = false;
      test.state.sleeps.length = 0;
      snapshot();
      mids.push(countSnapshot(last(), false));
    }
    sleep(seconds);
  };
  for (let tries = 0; mids.length < sessions && tries < sessions * 10; tries++) {
    pending = true;
    await test.iterate(1, 600_000);
    // A session of one step has no think time: nothing was taken in it.
    if (mids.length > ends.length) {
      test.state.sleeps.length = 0;
      snapshot();
      ends.push(countSnapshot(last(), false));
    }
  }
  // A script that never sleeps between requests holds nothing across a think time.
  if (mids.length === 0) return undefined;
  const total = (list: Counts[]): Counts => {
    const t = emptyCounts();
    for (const c of list)
      for (const k of ['objects', 'closures', 'properties', 'elements', 'strings', 'v8Bytes', 'bufferBytes'] as const)
        t[k] += c[k];
    return t;
  };
  return perVu(total(ends), total(mids), mids.length);
}

function perVu(before: Counts, after: Counts, k: number): Allocations {
  const d = (key: keyof Omit<Counts, 'names'>): number => Math.round(((after[key] - before[key]) / k) * 10) / 10;
  return {
    objects: d('objects'),
    closures: d('closures'),
    properties: d('properties'),
    elements: d('elements'),
    strings: d('strings'),
    v8Bytes: Math.round((after.v8Bytes - before.v8Bytes) / k),
    bufferBytes: Math.round((after.bufferBytes - before.bufferBytes) / k),
  };
}

/**
 * Per-VU allocations of a bundle. The harness keeps no requests, samples or metric values
 * meanwhile, so the difference between snapshots is what the VUs hold. One VU is initialised and
 * run first, so that what all VUs share (compiled code, shared arrays) is in every snapshot.
 */
export async function measureVuAllocations(
  options: RunK6BundleOptions,
  o: MeasureOptions = {},
): Promise<VuAllocations> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('measureVuAllocations needs node --expose-gc');
  const k = o.vus ?? 8;
  const warm = o.warmIterations ?? 20;
  const dir = mkdtempSync(join(tmpdir(), 'cartload-allocations-'));
  const files: string[] = [];
  const snapshot = (): void => {
    o.beforeSnapshot?.();
    gc();
    gc();
    files.push(v8.writeHeapSnapshot(join(dir, `${files.length}.heapsnapshot`)));
  };
  try {
    const test = new K6Test({
      callTimeoutMs: 0,
      ...options,
      record: { requests: false, samples: false, metrics: false },
    });
    await test.prepare();
    await test.setup();
    test.addVu();
    await test.iterate(1, 600_000);
    snapshot();
    for (let i = 0; i < k; i++) test.addVu();
    snapshot();
    // Round-robin: each of the k + 1 VUs runs one iteration.
    await test.iterate(k + 1, 600_000);
    snapshot();
    await test.iterate(warm * (k + 1), 600_000);
    snapshot();
    if (test.state.errors.length > 0) throw new Error(`an iteration failed: ${test.state.errors[0]!.message}`);
    const withNames = (o.top ?? 0) > 0;
    const [a, b, c, d] = files.map((f, i) => countSnapshot(f, withNames && (i === 0 || i === 3))) as [
      Counts,
      Counts,
      Counts,
      Counts,
    ];
    const result: VuAllocations = { init: perVu(a, b, k), first: perVu(a, c, k), warm: perVu(a, d, k) };
    if ((o.sessions ?? 0) > 0) {
      const held = await inSession(options, o.sessions ?? 0, snapshot, () => files.at(-1)!);
      if (held) result.inSession = held;
    }
    if (withNames) {
      result.top = [...d.names]
        .map(([name, n]) => ({ name, count: Math.round(((n - (a.names.get(name) ?? 0)) / k) * 10) / 10 }))
        .filter((x) => x.count >= 0.5)
        .sort((x, y) => y.count - x.count)
        .slice(0, o.top);
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
