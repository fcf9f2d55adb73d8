// The `k6/execution` module: information about the VU, the scenario, the instance and the test,
// each read when asked (k6 throws where the information does not exist, e.g. VU data at init).
import { deepFreeze, host } from './runtime.ts';

type Kind = 'vu' | 'scenario' | 'instance' | 'test';

function read(kind: Kind): Record<string, unknown> {
  return JSON.parse(host.execInfo(kind)) as Record<string, unknown>;
}

function field(kind: Kind, name: string): PropertyDescriptor {
  return { get: () => read(kind)[name], enumerable: true };
}

function liveTags(get: () => Record<string, string>, set: (k: string, v: string | null) => void): Record<string, string> {
  return new Proxy({} as Record<string, string>, {
    get: (_t, key) => (typeof key === 'string' ? get()[key] : undefined),
    set: (_t, key, value: unknown) => {
      if (typeof key !== 'string') return false;
      if (value !== null && typeof value === 'object') throw new Error(`only String, Boolean and Number types are accepted as a metric tag value (tag "${key}")`);
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

const vuTags = liveTags(
  () => host.vuTags(),
  (k, v) => host.setVuTag(k, v),
);
const vuMetadata = liveTags(
  () => host.vuMetadata(),
  (k, v) => host.setVuMetadata(k, v),
);

export const vu = Object.defineProperties(
  {},
  {
    idInInstance: field('vu', 'idInInstance'),
    idInTest: field('vu', 'idInTest'),
    iterationInInstance: field('vu', 'iterationInInstance'),
    iterationInScenario: field('vu', 'iterationInScenario'),
    tags: {
      get: () => {
        read('vu'); // the same error as k6 outside of a VU
        return vuTags;
      },
      enumerable: true,
    },
    metrics: {
      get: () => {
        read('vu');
        return { tags: vuTags, metadata: vuMetadata };
      },
      enumerable: true,
    },
  },
);

export const scenario = Object.defineProperties(
  {},
  {
    name: field('scenario', 'name'),
    executor: field('scenario', 'executor'),
    startTime: field('scenario', 'startTime'),
    progress: field('scenario', 'progress'),
    iterationInInstance: field('scenario', 'iterationInInstance'),
    iterationInTest: field('scenario', 'iterationInTest'),
  },
);

export const instance = Object.defineProperties(
  {},
  {
    iterationsInterrupted: field('instance', 'iterationsInterrupted'),
    iterationsCompleted: field('instance', 'iterationsCompleted'),
    vusActive: field('instance', 'vusActive'),
    vusInitialized: field('instance', 'vusInitialized'),
    currentTestRunDuration: field('instance', 'currentTestRunDuration'),
  },
);

export const test = Object.defineProperties(
  {
    abort(reason?: string): never {
      return host.abort(reason === undefined ? undefined : String(reason));
    },
    fail(reason?: string): never {
      return host.abort(reason === undefined ? 'test.fail()' : String(reason));
    },
  },
  {
    options: { get: () => deepFreeze(read('test').options), enumerable: true },
  },
);

export default { vu, scenario, instance, test };
