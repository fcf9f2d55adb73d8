// Run IDs, the one format every engine names its run folder with: a UTC timestamp that sorts in
// time, plus a short random part so that two runs started in the same second (n shards on n
// machines) never collide. Pure: the k6 scenarios' handleSummary makes the same IDs.

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters of [a-z0-9] drawn from `random` (a source of numbers in [0, 1)). */
export function randomTail(random: () => number, length = 6): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[Math.floor(random() * ALPHABET.length) % ALPHABET.length];
  return out;
}

/** e.g. 20261125-192412-k3x9qa */
export function makeRunId(at: Date = new Date(), tail: string = randomTail(Math.random)): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${tail}`;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A run ID names a folder: letters, digits, '.', '_' and '-', not starting with '.' (no '..'), at most 100. Undefined when fine, else why not. */
export function checkRunId(id: string): string | undefined {
  return RUN_ID.test(id)
    ? undefined
    : `"${id}": use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 100)`;
}
