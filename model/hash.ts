// The string and word hashes that cartload's deterministic choices rest on: generated sessions
// (generators/), session-consistent sampling and sharding (replay/), stable code IDs (target/).
// One copy, so a shard split or a seed means the same thing everywhere. Pure: bundled into k6.

/** FNV-1a (32 bit) over a string's UTF-16 code units. Its low bits are weak: finalise with mix32 before using them alone. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: a full-avalanche mix of one word. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A string (a seed, a name, a session ID) to one well-mixed word. */
export function hashString(text: string): number {
  return mix32(fnv1a(text));
}
