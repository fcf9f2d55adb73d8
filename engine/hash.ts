// Session-consistent choices (--sample, --shard) from a hash of the recorded session ID, so that
// every step of a session lands on the same side and n processes on n machines split one file
// without talking to each other. Pure and deterministic across machines and Node versions.
import { fnv1a, mix32 } from '../model/hash.ts';

/** murmur3's finaliser: spreads FNV's weak low bits, and with different salts gives the sample and
 * the shard independent bits (otherwise `--sample 0.5 --shard 1/2` would pick correlated halves). */
function mix(h: number, salt: number): number {
  return mix32((h ^ salt) >>> 0);
}

const SAMPLE_SALT = 0x9e3779b9;
const SHARD_SALT = 0x7f4a7c15;

/** True for about `fraction` of all session IDs, always the same ones. */
export function inSample(sessionId: string, fraction: number): boolean {
  if (fraction >= 1) return true;
  return mix(fnv1a(sessionId), SAMPLE_SALT) / 0x1_0000_0000 < fraction;
}

export interface Shard {
  /** 1-based, as users write it: `--shard 2/3`. */
  index: number;
  count: number;
}

/** The shard (1..count) a session ID belongs to. */
export function shardOf(sessionId: string, count: number): number {
  return (mix(fnv1a(sessionId), SHARD_SALT) % count) + 1;
}

/** Parses `i/n` (1 ≤ i ≤ n); returns an error message instead of throwing so the CLI can name the option. */
export function parseShard(text: string): Shard | string {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return `--shard must look like i/n (for example 2/3), got "${text}"`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return `--shard ${text}: i must be between 1 and n`;
  return { index, count };
}
