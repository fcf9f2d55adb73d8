// The harness side of a VU, as the shims see it. Runs inside the VU's node:vm context (no Node
// APIs here: only what the context's own globals offer and what the host passes in).
import type { HostApi, Tags } from '../host-api.ts';

export const host: HostApi = (globalThis as unknown as { __cartloadHost: HostApi }).__cartloadHost;

/** A plain Tags copy of a script's tags object (values as k6 stores them: strings). */
export function toTags(value: unknown): Tags | undefined {
  if (value === null || value === undefined || typeof value !== 'object') return undefined;
  const out: Tags = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v !== undefined && v !== null) out[k] = String(v);
  }
  return out;
}

/** Bytes as an ArrayBuffer of this realm. */
export function toArrayBuffer(bytes: number[]): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/** Text or binary input as the host takes it. */
export function toHostData(value: unknown): string | number[] {
  if (typeof value === 'string') return value;
  if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
  if (ArrayBuffer.isView(value)) return Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  return String(value);
}

/** Deep-freezes parsed JSON (SharedArray items are read-only in k6). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

/** UTF-8 bytes of a string, in this realm (vm contexts have no TextEncoder). */
export function utf8Bytes(text: string): number[] {
  const out: number[] = [];
  for (const ch of encodeURIComponent(text).split(/(%[0-9A-F]{2})/)) {
    if (ch.startsWith('%') && ch.length === 3) out.push(parseInt(ch.slice(1), 16));
    else for (let i = 0; i < ch.length; i++) out.push(ch.charCodeAt(i));
  }
  return out;
}
