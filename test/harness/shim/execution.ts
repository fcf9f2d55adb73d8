// The `k6/execution` module: information about the VU, the scenario, the instance and the test,
// each read when asked (k6 throws where the information does not exist, e.g. VU data at init).
import { deepFreeze, host } from './runtime.ts';

type Kind = 'vu' | 'scenario' | 'instance' | 'test';

function read(kind: Kind): Record<string, unknown> {
  return JSON.parse(host.execInfo(kind)) as Record<string, unknown>;
}

// Made on first access, per VU: k6's module instance creates its info objects when a script asks
// for them, so a VU that never does holds none of them (the harness counts what a VU holds).

const FIELDS: Readonly<Record<Kind, readonly string[]>> = {
  vu: ['idInInstance', 'idInTest', 'iterationInInstance', 'iterationInScenario'],
  scenario: ['name', 'executor', 'startTime', 'progress', 'iterationInInstance', 'iterationInTest'],
  instance: ['iterationsInterrupted', 'iterationsCompleted', 'vusActive', 'vusInitialized', 'currentTestRunDuration'],
  test: [],
};

/** An object whose fields read the host's current information (one getter shared by all of them). */
function infoObject(kind: Kind, extra: PropertyDescriptorMap = {}): Record<string, unknown> {
  const o = {} as Record<string, unknown>;
  const get = function (this: { name: string }): unknown {
    return read(kind)[this.name];
  };
  for (const name of FIELDS[kind]) Object.defineProperty(o, name, { get: get.bind({ name }), enumerable: true });
  return Object.defineProperties(o, extra);
}

function liveTags(
  get: () => Record<string, string>,
  set: (k: string, v: string | null) => void,
): Record<string, string> {
  return new Proxy({} as Record<string, string>, {
    get: (_t, key) => (typeof key === 'string' ? get()[key] : undefined),
    set: (_t, key, value: unknown) => {
      if (typeof key !== 'string') return false;
      if (value !== null && typeof value === 'object')
        throw new Error(`only String, Boolean and Number types are accepted as a metric tag value (tag "${key}")`);
      set(key, String(value));
      return true;
    },
    deleteProperty: (_t, key) => {
      if (typeof key === 'string') set(key, null);
      return true;
    },
    has: (_t, key) => typeof key === 'string' && key in get(),
    ownKeys: () => Object.keys(get()),
    getOwnPropertyDescriptor: (_t, key) => {
      const v = typeof key === 'string' ? get()[key] : undefined;
      return v === undefined ? undefined : { value: v, writable: true, enumerable: true, configurable: true };
    },
  });
}

let vuTags: Record<string, string> | undefined;
let vuMetadata: Record<string, string> | undefined;
const tags = (): Record<string, string> =>
  (vuTags ??= liveTags(
    () => host.vuTags(),
    (k, v) => host.setVuTag(k, v),
  ));
const metadata = (): Record<string, string> =>
  (vuMetadata ??= liveTags(
    () => host.vuMetadata(),
    (k, v) => host.setVuMetadata(k, v),
  ));

let vuInfo: Record<string, unknown> | undefined;
let scenarioInfo: Record<string, unknown> | undefined;
let instanceInfo: Record<string, unknown> | undefined;
let testInfo: Record<string, unknown> | undefined;

function vuObject(): Record<string, unknown> {
  read('vu'); // the same error as k6 outside of a VU
  return (vuInfo ??= infoObject('vu', {
    tags: { get: tags, enumerable: true },
    metrics: {
      value: Object.defineProperties(
        {},
        { tags: { get: tags, enumerable: true }, metadata: { get: metadata, enumerable: true } },
      ),
      enumerable: true,
    },
  }));
}

function testObject(): Record<string, unknown> {
  return (testInfo ??= infoObject('test', {
    abort: {
      value(reason?: string): never {
        return host.abort(reason === undefined ? undefined : String(reason));
      },
    },
    fail: {
      value(reason?: string): never {
        return host.abort(reason === undefined ? 'test.fail()' : String(reason));
      },
    },
    options: { get: () => deepFreeze(read('test').options), enumerable: true },
  }));
}

const exec = Object.defineProperties(
  {} as {
    vu: Record<string, unknown>;
    scenario: Record<string, unknown>;
    instance: Record<string, unknown>;
    test: Record<string, unknown>;
  },
  {
    vu: { get: vuObject, enumerable: true },
    scenario: { get: () => (scenarioInfo ??= infoObject('scenario')), enumerable: true },
    instance: { get: () => (instanceInfo ??= infoObject('instance')), enumerable: true },
    test: { get: testObject, enumerable: true },
  },
);

export default exec;
