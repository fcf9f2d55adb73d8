// Run IDs: a UTC timestamp that sorts in time, plus a short random part so that two runs started
// in the same second (n shards on n machines) never collide.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function shortRandom(length = 6): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** e.g. 20261125-192412-k3x9qa */
export function makeRunId(at: Date = new Date(), random: string = shortRandom()): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${random}`;
}

/** A run ID is a folder name: keep it to safe characters. */
export function checkRunId(id: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id) ? undefined : `--run-id "${id}": use letters, digits, '.', '_' and '-' (at most 128)`;
}
