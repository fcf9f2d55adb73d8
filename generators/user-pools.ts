// A user's own pools from CSV files (real coupon codes, profile IDs, a product catalog, ... as
// exported from Talon.One or a shop), replacing the generated members. Node only. Streams each
// file through csv-parse; a bad row fails with the file and line.
import { createReadStream } from 'node:fs';
import { parse, type CsvError } from 'csv-parse';
import { LIMITS } from '../model/limits.ts';
import { PoolsError, checkProduct, type PoolArrays } from './pools.ts';
import { POOL_NAMES, type PoolName, type Product } from './types.ts';

export interface CsvPoolSpec {
  pool: PoolName;
  file: string;
}

/**
 * The column each pool reads, by header name (case-insensitive), first match wins; a file with a
 * single column is read whatever its header. Talon.One's exports name the coupon code `value`, the
 * referral code `code`, a profile `integrationid` and a loyalty card `identifier`.
 */
export const CSV_POOL_COLUMNS: Readonly<Record<Exclude<PoolName, 'products'>, readonly string[]>> = {
  stores: ['integrationid', 'storeintegrationid', 'store', 'id'],
  cities: ['city', 'shippingcity', 'name'],
  validCoupons: ['value', 'code', 'couponcode', 'coupon'],
  invalidCoupons: ['value', 'code', 'couponcode', 'coupon'],
  validReferrals: ['code', 'value', 'referralcode', 'referral'],
  invalidReferrals: ['code', 'value', 'referralcode', 'referral'],
  loyaltyCards: ['identifier', 'cardid', 'card', 'id'],
  profileIds: ['integrationid', 'profileintegrationid', 'profileid', 'id'],
  campaignIds: ['id', 'campaignid'],
};

/** Product columns; any other column becomes a catalog attribute. `sku` and `price` are required. */
export const CSV_PRODUCT_COLUMNS = ['sku', 'name', 'category', 'price', 'weight', 'height', 'width', 'length'] as const;

const MAX_LENGTH: Partial<Record<PoolName, number>> = {
  stores: LIMITS.maxStoreIdLength,
  validCoupons: LIMITS.maxCouponCodeLength,
  invalidCoupons: LIMITS.maxCouponCodeLength,
  validReferrals: LIMITS.maxReferralCodeLength,
  invalidReferrals: LIMITS.maxReferralCodeLength,
};

/** Parses `pool=file` (the CLI's --csv values). */
export function parseCsvPoolSpec(text: string): CsvPoolSpec {
  const eq = text.indexOf('=');
  const pool = eq === -1 ? '' : text.slice(0, eq);
  const file = eq === -1 ? '' : text.slice(eq + 1);
  if (!(POOL_NAMES as readonly string[]).includes(pool) || file === '') {
    throw new PoolsError(`--csv ${text}: expected <pool>=<file>, pool one of ${POOL_NAMES.join(', ')}`);
  }
  return { pool: pool as PoolName, file };
}

/** Reads every spec; the result holds only the pools that the specs name. */
export async function readCsvPools(specs: readonly CsvPoolSpec[]): Promise<Partial<PoolArrays>> {
  const out: Partial<PoolArrays> = {};
  for (const spec of specs) {
    if (out[spec.pool]) throw new PoolsError(`--csv: pool ${spec.pool} named twice`);
    (out as Record<PoolName, readonly unknown[]>)[spec.pool] = await readCsvPool(spec.pool, spec.file);
  }
  return out;
}

export async function readCsvPool<K extends PoolName>(pool: K, file: string): Promise<PoolArrays[K]> {
  const input = createReadStream(file);
  const parser = input.pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      info: true,
      skip_empty_lines: true,
      bom: true,
      trim: true,
    }),
  );
  // pipe() does not forward a read error (a missing file): hand it to the parser being iterated.
  input.on('error', (err) => parser.destroy(err));
  const values: unknown[] = [];
  const seen = new Set<string>();
  let column: string | undefined;
  try {
    for await (const row of parser as AsyncIterable<{ info: { lines: number }; record: Record<string, string> }>) {
      const line = row.info.lines;
      const where = `${file}:${line}`;
      if (pool === 'products') {
        const product = productFromRow(row.record, where);
        if (seen.has(product.sku)) throw new PoolsError(`${where}: products: sku "${product.sku}" appears twice`);
        seen.add(product.sku);
        values.push(product);
        continue;
      }
      column ??= pickColumn(pool as Exclude<PoolName, 'products'>, Object.keys(row.record), file);
      const raw = row.record[column] ?? '';
      if (raw === '') throw new PoolsError(`${where}: ${pool}: column "${column}" is empty`);
      if (pool === 'campaignIds') {
        const id = Number(raw);
        if (!Number.isSafeInteger(id) || id < 1)
          throw new PoolsError(`${where}: campaignIds: "${raw}" is not an integer ≥ 1`);
        if (!seen.has(raw)) values.push(id);
      } else {
        const max = MAX_LENGTH[pool] ?? 1000;
        if (raw.length > max)
          throw new PoolsError(`${where}: ${pool}: "${raw.slice(0, 20)}…" is longer than ${max} characters`);
        if (!seen.has(raw)) values.push(raw);
      }
      seen.add(raw);
    }
  } catch (err) {
    if (err instanceof PoolsError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('CSV_')) throw new PoolsError(`${file}: cannot read (${code || (err as Error).message})`);
    const lines = (err as CsvError).lines;
    throw new PoolsError(`${file}${lines ? `:${lines}` : ''}: ${(err as Error).message}`);
  }
  if (values.length === 0) throw new PoolsError(`${file}: ${pool}: no rows (a header line, then one row per entry)`);
  return values as PoolArrays[K];
}

function pickColumn(pool: Exclude<PoolName, 'products'>, header: string[], file: string): string {
  if (header.length === 1) return header[0] as string;
  const found = CSV_POOL_COLUMNS[pool].find((c) => header.includes(c));
  if (!found)
    throw new PoolsError(
      `${file}:1: ${pool}: no column named ${CSV_POOL_COLUMNS[pool].join(' or ')} (header: ${header.join(', ')})`,
    );
  return found;
}

function productFromRow(r: Record<string, string>, where: string): Product {
  const num = (k: string, fallback: number | undefined): number => {
    const raw = r[k];
    if (raw === undefined || raw === '') {
      if (fallback === undefined) throw new PoolsError(`${where}: products: column "${k}" is required`);
      return fallback;
    }
    const v = Number(raw);
    if (!Number.isFinite(v) || v < 0) throw new PoolsError(`${where}: products: ${k} "${raw}" is not a number ≥ 0`);
    return v;
  };
  const sku = r.sku ?? '';
  if (sku === '') throw new PoolsError(`${where}: products: column "sku" is required and must not be empty`);
  const attributes: Record<string, string> = {};
  let hasAttributes = false;
  for (const [k, v] of Object.entries(r)) {
    if ((CSV_PRODUCT_COLUMNS as readonly string[]).includes(k) || v === '') continue;
    attributes[k] = v;
    hasAttributes = true;
  }
  const product: Product = {
    sku,
    name: r.name ?? sku,
    category: r.category ?? '',
    price: num('price', undefined),
    weight: num('weight', 0),
    height: num('height', 0),
    width: num('width', 0),
    length: num('length', 0),
  };
  if (hasAttributes) product.attributes = attributes;
  checkProduct(product, (msg) => {
    throw new PoolsError(`${where}: products${msg}`);
  });
  return product;
}
