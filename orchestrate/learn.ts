// `cartload learn` as a library function: learn a profile from a recording and write it as a
// profile file (a regular file replaced atomically, see io/output.ts), or to standard output.
import type { Writable } from 'node:stream';
import { writeOutputText } from '../io/output.ts';
import { learnProfile, type LearnOptions, type LearnResult } from '../learn/index.ts';

export interface RunLearnOptions extends LearnOptions {
  /** The profile file to write; undefined or '-' for `stdout`. */
  out?: string;
  stdout: Writable;
}

export interface RunLearnResult extends LearnResult {
  out: string;
}

/**
 * JSON with two-space indentation, but arrays of numbers on one line: a learned profile's
 * quantiles and weights stay readable (one line per distribution) and diffable.
 */
export function formatProfile(value: unknown, indent = ''): string {
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'))
    return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + formatProfile(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatProfile(v, inner)}`).join(',\n')}\n${indent}}`;
}

export async function runLearn(o: RunLearnOptions): Promise<RunLearnResult> {
  const { out, stdout, ...options } = o;
  const result = await learnProfile(options);
  const text = `${formatProfile(result.profile)}\n`;
  if (out === undefined || out === '-') {
    stdout.write(text);
    return { ...result, out: '-' };
  }
  await writeOutputText(out, text, '--out');
  return { ...result, out };
}
