// Request logs as users replay them, for the replay benchmarks: 4-step sessions (open, two updates,
// close) whose PUT bodies are realistic customer sessions of about 1.75 KB (a profile, a store,
// identifiers, a loyalty card, a coupon on some, 7 to 9 cart items with attributes, shipping),
// each session's values its own. Rows are written in time order, as a log written while the
// traffic happened is, or session after session, as `cartload generate` writes them. Streamed:
// memory does not grow with the row count.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const LOG_HEADER = 'timestamp,session_id,method,path,query,body,status,step,kind,expect\n';

/** Each step's offset from its session's start (ms). */
const STEP_MS = [0, 2000, 5000, 9000];
const STEPS = ['open', 'update', 'update', 'close'] as const;
const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

const CATEGORIES = ['Home', 'Garden', 'Kitchen', 'Outdoor', 'Toys', 'Books', 'Sports', 'Beauty'];
const COLORS = ['black', 'white', 'red', 'navy', 'olive', 'sand'];
const SIZES = ['S', 'M', 'L', 'XL'];
const NAMES = [
  'Practical Steel Chair',
  'Ergonomic Cotton Towel',
  'Rustic Wooden Table',
  'Sleek Granite Lamp',
  'Handmade Rubber Mat',
  'Licensed Bronze Kettle',
  'Tasty Frozen Pizza',
  'Refined Plastic Bottle',
];

/** A cheap deterministic hash, so a row's values are its own and the file the same every run. */
function h(i: number, salt: number): number {
  let x = Math.imul(i ^ salt, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca6b);
  return (x ^ (x >>> 13)) >>> 0;
}

const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** The PUT body of step `k` of session `i`: about 1.75 KB of JSON. */
export function sessionBody(i: number, k: number): string {
  const n = 7 + (h(i, 1) % 3);
  const items: string[] = [];
  for (let j = 0; j < n; j++) {
    const p = h(i * 16 + j, 2);
    items.push(
      `{"sku":"SKU-${(p % 90_000) + 10_000}","name":"${NAMES[p % NAMES.length]}","price":${((p % 20_000) / 100 + 1).toFixed(2)},"quantity":${1 + ((p >>> 8) % 3) + (k >> 1)},"category":"${CATEGORIES[(p >>> 4) % CATEGORIES.length]}","weight":${200 + (p % 1800)},"attributes":{"color":"${COLORS[(p >>> 12) % COLORS.length]}","size":"${SIZES[(p >>> 16) % SIZES.length]}"}}`,
    );
  }
  const coupon = h(i, 3) % 4 === 0 ? `"couponCodes":["SPRING-${hex(h(i, 4)).slice(0, 6).toUpperCase()}"],` : '';
  const state = k === 3 ? '"state":"closed",' : '';
  return (
    `{"customerSession":{"profileId":"customer-${String(h(i, 5) % 1_000_000).padStart(7, '0')}","storeIntegrationId":"store-${['berlin', 'munich', 'hamburg', 'vienna'][h(i, 6) % 4]}-${String(h(i, 7) % 100).padStart(3, '0')}",${state}` +
    `${coupon}"identifiers":["${hex(h(i, 8))}${hex(h(i, 9))}${hex(h(i, 10))}${hex(h(i, 11))}"],"loyaltyCards":["LC${String(h(i, 12) % 10_000_000_000).padStart(10, '0')}"],` +
    `"cartItems":[${items.join(',')}],"attributes":{"channel":"web","device":"${h(i, 13) % 2 === 0 ? 'mobile' : 'desktop'}","campaignSource":"newsletter-2026-03-spring-sale","landingPage":"/collections/spring-essentials-2026","locale":"de-DE","currency":"EUR","abTest":"checkout-v2"},` +
    `"additionalCosts":{"shipping":{"price":${[0, 4.95, 9.95][h(i, 14) % 3]}}}},"responseContent":["customerSession","effects","loyalty"]}`
  );
}

const csvQuote = (s: string): string => `"${s.replaceAll('"', '""')}"`;

function row(i: number, k: number, gapMs: number): string {
  const id = `bench-${i}`;
  const time = new Date(T0 + i * gapMs + (STEP_MS[k] as number)).toISOString();
  return `${time},${id},PUT,/v2/customer_sessions/${id},,${csvQuote(sessionBody(i, k))},,${STEPS[k]},recorded,\n`;
}

/**
 * Writes a request log of `rows` rows (whole sessions of 4), a session starting every `gapMs`
 * (which must divide 1000: 5 ms is 200 sessions/s, 800 rows/s). `order` 'time': rows in time
 * order; 'session': each session's four rows together, sessions in start order.
 */
export async function writeRequestLog(
  file: string,
  rows: number,
  order: 'time' | 'session' = 'time',
  gapMs = 5,
): Promise<{ rows: number; bytes: number }> {
  if (!(gapMs > 0 && 1000 % gapMs === 0)) throw new RangeError('gapMs must divide 1000');
  const ticks = STEP_MS.map((ms) => ms / gapMs);
  const sessions = Math.ceil(rows / 4);
  const out = createWriteStream(file);
  let buf = LOG_HEADER;
  let bytes = 0;
  const put = async (text: string): Promise<void> => {
    buf += text;
    if (buf.length >= 1 << 20) {
      bytes += Buffer.byteLength(buf);
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  };
  if (order === 'session') {
    for (let i = 0; i < sessions; i++) for (let k = 0; k < 4; k++) await put(row(i, k, gapMs));
  } else {
    // Tick j holds step k of session j − ticks[k]; later steps first, as they were sent
    // earlier in their sessions' lives (any order of equal times would do).
    const last = sessions - 1 + (ticks[3] as number);
    for (let j = 0; j <= last; j++) {
      for (let k = 3; k >= 0; k--) {
        const i = j - (ticks[k] as number);
        if (i >= 0 && i < sessions) await put(row(i, k, gapMs));
      }
    }
  }
  bytes += Buffer.byteLength(buf);
  out.end(buf);
  await once(out, 'finish');
  return { rows: sessions * 4, bytes };
}
