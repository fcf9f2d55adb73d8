// Flag values, checked before anything starts. yargs alone lets too much through: `--rate abc`
// becomes NaN, `--rate` with no value is dropped (the default runs), `--rate ''` becomes 0,
// `--dry=maybe` becomes false, a flag given twice becomes an array, `CARTLOAD_YES=1` reads as
// false, and a lone `-` (standard input) becomes "". So the raw command line is read here once,
// before yargs validates, and each problem is one line naming the flag (or the environment
// variable) as the user wrote it. The ranges each command accepts are checked by the helpers at
// the bottom, which name the flag too.
import type { Arguments, Argv } from 'yargs';
import { parseK6Duration } from '../model/duration.ts';
import { UsageError } from './command.ts';
import type { Env } from './io.ts';

/** Stands for a lone `-` (standard input or output) while yargs parses; no real argument contains a NUL. */
export const DASH = '\u0000-';

export const protectDash = (argv: readonly string[]): string[] => argv.map((a) => (a === '-' ? DASH : a));

/** The environment variable that may give `flag`'s value (`--max-error-rate` → CARTLOAD_MAX_ERROR_RATE). */
export const envName = (flag: string): string => `CARTLOAD_${flag.toUpperCase().replace(/-/g, '_')}`;

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

type Kind = 'number' | 'boolean' | 'string';

interface OptionTable {
  kind: Map<string, Kind>;
  array: Set<string>;
  /** Every name and alias → its canonical (first declared) name. */
  canonical: Map<string, string>;
}

function optionTable(y: Argv): OptionTable {
  // getOptions() is yargs' public API, missing from @types/yargs.
  const o = (y as unknown as { getOptions(): unknown }).getOptions() as {
    number: string[];
    boolean: string[];
    string: string[];
    array: string[];
    key: Record<string, unknown>;
    alias: Record<string, string[]>;
  };
  const kind = new Map<string, Kind>();
  for (const k of o.string) kind.set(k, 'string');
  for (const k of o.number) kind.set(k, 'number');
  for (const k of o.boolean) kind.set(k, 'boolean');
  const canonical = new Map<string, string>();
  for (const k of Object.keys(o.key)) canonical.set(k, k);
  for (const [k, aliases] of Object.entries(o.alias)) for (const a of aliases) canonical.set(a, k);
  return { kind, array: new Set(o.array), canonical };
}

const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function set(argv: Arguments, key: string, value: unknown): void {
  argv[key] = value;
  argv[camel(key)] = value;
}

/** The flag as the user typed it, for messages. */
const shown = (name: string): string => (name.length === 1 ? `-${name}` : `--${name}`);

/**
 * Checks the flags given on the command line (`tokens`, the argv yargs parses) and the CARTLOAD_*
 * variables for flags not given, against the running command's options; applies the variables.
 * Throws UsageError naming the flag or variable. Runs as yargs middleware before validation.
 */
export function lintFlags(tokens: readonly string[], argv: Arguments, y: Argv, env: Env): void {
  const t = optionTable(y);
  const given = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (token === '--') break;
    if (!token.startsWith('-') || token === DASH || NUMBER.test(token)) continue;
    const eq = token.indexOf('=');
    const raw = token.replace(/^--?/, '');
    let name = eq === -1 ? raw : raw.slice(0, raw.indexOf('='));
    const inline = eq === -1 ? undefined : token.slice(eq + 1);
    let negated = false;
    if (
      !t.canonical.has(name) &&
      name.startsWith('no-') &&
      t.kind.get(t.canonical.get(name.slice(3)) ?? '') === 'boolean'
    ) {
      name = name.slice(3);
      negated = true;
    }
    const key = t.canonical.get(name);
    if (key === undefined) continue; // unknown: yargs' strict mode names it
    const kind = t.kind.get(key) ?? 'string';
    const flag = shown(name);
    if (given.has(key) && !t.array.has(key)) throw new UsageError(`${flag} is given more than once: give it once`);
    given.add(key);
    if (kind === 'boolean') {
      if (inline !== undefined) {
        const v = inline.toLowerCase();
        if (negated || !(TRUE.has(v) || FALSE.has(v)))
          throw new UsageError(`${token}: ${shown(name)} takes no value (or =true / =false)`);
        set(argv, key, TRUE.has(v));
      }
      continue;
    }
    // The value: after '=', or the next token unless that is another flag.
    let value = inline;
    if (value === undefined) {
      const next = tokens[i + 1];
      if (next !== undefined && (!next.startsWith('-') || next === DASH || NUMBER.test(next))) {
        value = next;
        i++;
      }
    }
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    if (value.trim() === '') throw new UsageError(`${flag} '': the value is empty`);
    if (kind === 'number' && !NUMBER.test(value.trim())) throw new UsageError(`${flag} ${value}: not a number`);
    if (t.array.has(key)) {
      // An array option takes every following token up to the next flag.
      while (tokens[i + 1] !== undefined && !(tokens[i + 1] as string).startsWith('-')) i++;
    }
  }
  // CARTLOAD_<FLAG> for flags not given: read here (not by yargs) so that 1/0/yes/no work for
  // switches and a bad value names the variable.
  for (const [name, key] of t.canonical) {
    if (name !== key || given.has(key) || key === 'help' || key === 'version') continue;
    const variable = envName(key);
    const value = env[variable];
    if (value === undefined) continue;
    const kind = t.kind.get(key) ?? 'string';
    if (value.trim() === '') throw new UsageError(`${variable} is set but empty: unset it or give a value`);
    if (kind === 'boolean') {
      const v = value.trim().toLowerCase();
      if (!(TRUE.has(v) || FALSE.has(v))) throw new UsageError(`${variable}=${value}: use 1/true/yes or 0/false/no`);
      set(argv, key, TRUE.has(v));
    } else if (kind === 'number') {
      if (!NUMBER.test(value.trim())) throw new UsageError(`${variable}=${value}: not a number`);
      set(argv, key, Number(value));
    } else {
      set(argv, key, t.array.has(key) ? value.split(',') : value);
    }
  }
  for (const [k, v] of Object.entries(argv)) {
    if (v === DASH) argv[k] = '-';
    else if (Array.isArray(v)) argv[k] = v.map((x) => (x === DASH ? '-' : x));
  }
}

// --- ranges ----------------------------------------------------------------------------------

/** A whole number in [min, max]. */
export function wholeFlag(flag: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!(Number.isSafeInteger(v) && v >= min && v <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new UsageError(`--${flag} ${v}: must be a whole number ${range}`);
  }
  return v;
}

/** A finite number above `above` (or at least `min`), and at most `max`. */
export function numberFlag(flag: string, v: number, o: { above?: number; min?: number; max?: number }): number {
  const ok =
    Number.isFinite(v) &&
    (o.above === undefined || v > o.above) &&
    (o.min === undefined || v >= o.min) &&
    (o.max === undefined || v <= o.max);
  if (!ok) {
    const parts = [
      o.above !== undefined ? `above ${o.above}` : '',
      o.min !== undefined ? `at least ${o.min}` : '',
      o.max !== undefined ? `at most ${o.max}` : '',
    ].filter(Boolean);
    throw new UsageError(`--${flag} ${v}: must be a number ${parts.join(' and ')}`);
  }
  return v;
}

/** A duration such as 30s, 500ms, 2m, 1h30m; above 0 unless zero is allowed. Returns milliseconds. */
export function durationFlag(flag: string, v: string, o: { zero?: boolean } = {}): number {
  const d = parseK6Duration(v);
  const ok = !('error' in d) && Number.isFinite(d.ms) && (o.zero ? d.ms >= 0 : d.ms > 0) && /[a-zµμ]$/i.test(v.trim());
  if (!ok || 'error' in d)
    throw new UsageError(`--${flag} ${v}: use a duration${o.zero ? '' : ' above 0'} such as 30s, 500ms, 2m or 1h30m`);
  return d.ms;
}

/** An http(s) URL, from a flag or (`variable`) from the environment variable that stands for it. */
export function urlFlag(flag: string, v: string, variable?: string): string {
  const named = variable === undefined ? `--${flag} ${v}` : `${variable}=${v}`;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError(`${named}: not a URL (for example https://yourbaseurl.talon.one)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new UsageError(`${named}: use an http:// or https:// URL`);
  return v.replace(/\/+$/, '');
}

/** One of the given words. */
export function choiceFlag<T extends string>(flag: string, v: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(v))
    throw new UsageError(`--${flag} ${v}: use one of ${choices.join(', ')}`);
  return v as T;
}

/** An instant: ISO 8601 or epoch milliseconds. */
export function instantFlag(flag: string, v: string): number {
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (Number.isNaN(t))
    throw new UsageError(`--${flag} ${v}: use an ISO 8601 time (2026-01-31T18:00:00Z) or epoch milliseconds`);
  return t;
}

/** Session-ID prefixes and seeds go into URLs: keep them to the characters a session ID may hold. */
export function idPartFlag(flag: string, v: string, max = 100): string {
  if (!/^[A-Za-z0-9._~-]+$/.test(v) || v.length > max)
    throw new UsageError(`--${flag} ${v}: use 1 to ${max} of A-Z a-z 0-9 . _ ~ -`);
  return v;
}
