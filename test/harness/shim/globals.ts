// The globals k6 gives every VU: __ENV, __VU, __ITER, open(), console, and crypto's
// getRandomValues/randomUUID. Imported first by every VU script, before the script's own code.
import { host, toArrayBuffer } from './runtime.ts';

const g = globalThis as unknown as Record<string, unknown>;

g.__ENV = JSON.parse(host.envJson()) as Record<string, string>;
Object.defineProperty(g, '__VU', { get: () => host.vuId, enumerable: true });
Object.defineProperty(g, '__ITER', { get: () => host.iteration(), enumerable: true });

g.open = function open(path: string, mode?: string): string | ArrayBuffer {
  const r = host.open(String(path), mode === 'b');
  return typeof r === 'string' ? r : toArrayBuffer(r);
};

function format(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'string') return a;
      if (a instanceof Error) return a.stack ?? String(a);
      try {
        return JSON.stringify(a) ?? String(a);
      } catch {
        return String(a);
      }
    })
    .join(' ');
}

g.console = {
  log: (...a: unknown[]) => host.log('log', format(a)),
  info: (...a: unknown[]) => host.log('info', format(a)),
  warn: (...a: unknown[]) => host.log('warn', format(a)),
  error: (...a: unknown[]) => host.log('error', format(a)),
  debug: (...a: unknown[]) => host.log('debug', format(a)),
};

g.crypto = {
  getRandomValues<T extends ArrayBufferView>(array: T): T {
    const bytes = host.randomBytes(array.byteLength);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
    return array;
  },
  randomUUID(): string {
    const b = host.randomBytes(16);
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const h = b.map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  },
};
