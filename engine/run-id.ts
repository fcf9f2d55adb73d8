// Run IDs (model/run-id.ts) with the random part drawn from the OS's generator, which also names
// a run's sessions (cartload-<random>-...).
import { randomBytes } from 'node:crypto';
import { makeRunId as makeRunIdFrom } from '../model/run-id.ts';

export { checkRunId } from '../model/run-id.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function shortRandom(length = 6): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** e.g. 20261125-192412-k3x9qa */
export function makeRunId(at: Date = new Date(), random: string = shortRandom()): string {
  return makeRunIdFrom(at, random);
}
