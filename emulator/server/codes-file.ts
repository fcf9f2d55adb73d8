// Reads a file of coupon or referral codes with their usage limits, for a target that should
// accept exactly a deployment's codes instead of the default pattern. Node only (reads files).
//   JSON: an array of codes or of { "code": "...", "usageLimit": 1 } (0 or absent = unlimited)
//   CSV:  a header with a `code` column and optionally `usageLimit`, one code per line
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { CodeSpec } from '../core/config.ts';
import { CartloadError } from '../../model/errors.ts';

export class CodesFileError extends CartloadError {
  override name = 'CodesFileError';
}

function limitOf(raw: unknown, where: string): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new CodesFileError(`${where}: usageLimit must be an integer ≥ 0 (0 = unlimited), got ${JSON.stringify(raw)}`);
  return n;
}

function fromJson(text: string, file: string): CodeSpec[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CodesFileError(`${file}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(data))
    throw new CodesFileError(`${file}: expected a JSON array of codes or of { "code", "usageLimit" } objects`);
  return data.map((entry: unknown, i) => {
    const where = `${file}: entry ${i}`;
    if (typeof entry === 'string' && entry !== '') return { code: entry };
    if (
      entry !== null &&
      typeof entry === 'object' &&
      typeof (entry as { code?: unknown }).code === 'string' &&
      (entry as { code: string }).code !== ''
    ) {
      const spec: CodeSpec = { code: (entry as { code: string }).code };
      const limit = limitOf((entry as { usageLimit?: unknown }).usageLimit, where);
      if (limit !== undefined) spec.usageLimit = limit;
      return spec;
    }
    throw new CodesFileError(`${where}: expected a non-empty code string or an object with a non-empty "code"`);
  });
}

function fromCsv(text: string, file: string): CodeSpec[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
  } catch (err) {
    throw new CodesFileError(`${file}: ${(err as Error).message}`, { cause: err });
  }
  if (rows.length > 0 && !('code' in rows[0]!))
    throw new CodesFileError(`${file}: line 1: the header needs a "code" column (and optionally "usageLimit")`);
  return rows.map((row, i) => {
    const where = `${file}: line ${i + 2}`;
    const code = row['code'];
    if (!code) throw new CodesFileError(`${where}: the code is empty`);
    const spec: CodeSpec = { code };
    const limit = limitOf(row['usageLimit'], where);
    if (limit !== undefined) spec.usageLimit = limit;
    return spec;
  });
}

export function readCodesFile(file: string): CodeSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CodesFileError(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  }
  const codes = text.trimStart().startsWith('[') ? fromJson(text, file) : fromCsv(text, file);
  const seen = new Set<string>();
  for (const c of codes) {
    if (seen.has(c.code)) throw new CodesFileError(`${file}: the code ${JSON.stringify(c.code)} is listed twice`);
    seen.add(c.code);
  }
  return codes;
}
