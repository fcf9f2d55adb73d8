// Run IDs (model/run-id.ts) with the random part drawn from the OS's generator, which also names
// a run's sessions (cartload-<random>-...).
import { randomBytes } from 'node:crypto';
import { checkRunId as runIdProblem, makeRunId as makeRunIdFrom } from '../model/run-id.ts';

/** Why `id` cannot name a run folder, naming the flag (--run-id), or undefined when it can. */
export function checkRunId(id: string): string | undefined {
  const why = runIdProblem(id);
  return why === undefined ? undefined : `--run-id ${why}`;
}

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
