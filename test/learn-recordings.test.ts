// cartload learn on the recordings a user has: the example session export (every learned value
// checked against the file), a request log with recorded answers (rejections read from them), bad
// rows, gzip and standard input, idle sessions and the open-session cap, the CLI; and the privacy
// promise: no string from the recording's ID, profile, coupon or attribute columns is in the profile.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { buildPools } from '../generators/pools.ts';
import { resolveProfile, type TrafficProfile } from '../generators/profiles.ts';
import { learnProfile } from '../learn/index.ts';
import { DEFAULT_VALID_COUPON_PATTERN } from '../model/conventions.ts';
import { runCartload, runMain } from './helpers/cli.ts';
import { learnFromCsv, makeRecording } from './helpers/recording.ts';

const EXPORT = new URL('../examples/session-export.csv', import.meta.url).pathname;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-learn-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the example session export: every learned value is what the five rows say', async () => {
  const r = await learnProfile({ file: EXPORT });
  const p = resolveProfile(r.profile);
  assert.equal(r.sessions, 5);
  assert.equal(r.stats.format, 'export');
  assert.deepEqual(r.stepMix, { cancel: 1, close: 4, open: 5, reopen: 1, return: 1 });
  // closed → checkout; open → browse; cancelled after closing → checkout_cancel; partially returned → return; open again after closing → reopen.
  assert.deepEqual(p.lifecycles, {
    browse: 1,
    checkout: 1,
    checkout_cancel: 1,
    cancel_before_checkout: 0,
    return: 1,
    reopen: 1,
    dry: 0,
  });
  assert.deepEqual([p.cart.items.min, p.cart.items.max, p.cart.items.weights], [1, 2, [3, 2]]);
  assert.deepEqual([p.cart.quantity.max, p.cart.quantity.weights], [3, [4, 2, 1]]);
  assert.equal(p.cart.prices?.[0], 9.99);
  assert.equal(p.cart.prices?.[100], 24);
  assert.equal(
    p.cart.categories,
    undefined,
    'Kitchen and Apparel are in one session each: below the five-session floor',
  );
  assert.deepEqual(
    p.updates,
    { min: 0, max: 0, weights: [4] },
    'an export holds no updates (counted over the four sessions that are not browse)',
  );
  assert.equal(p.getShare, 0);
  assert.equal(p.coupons.sessionShare, 0.2);
  assert.equal(
    p.coupons.invalidShare,
    resolveProfile('default').coupons.invalidShare,
    'an export does not say which codes were rejected',
  );
  assert.equal(p.referral.sessionShare, 0.2);
  assert.equal(p.identifiers.sessionShare, 0.2);
  assert.deepEqual([p.shipping.sessionShare, p.shipping.prices], [0.2, [4.9]]);
  assert.equal(p.profiles.guestShare, 0.2, 'one row has no profile');
  assert.deepEqual(p.profiles.sessionsPerProfile, { weights: [4], window: 5 });
  assert.deepEqual(p.returns.requests, { min: 1, max: 1, weights: [1] });
  // Gaps: 398 s, 110 s and 2 h 11 min (close → cancel), 420 s and a day (close → return, 31 h, capped), 150 s and 330 s.
  assert.equal(p.thinkTimeMs.min, 110_000);
  assert.equal(p.thinkTimeMs.max, 86_400_000);
  const a = p.arrival!;
  assert.equal(a.start, 37, 'the first session at 09:15 UTC: the 38th quarter-hour');
  assert.equal(a.sessionsPerSecond.filter((v) => v !== null).length, 1);
  const kept = r.notes.filter((n) => n.kept).map((n) => n.field);
  for (const f of [
    'coupons.invalidShare',
    'referral.invalidShare',
    'loyalty.sessionShare',
    'responseContent',
    'changes',
    'cart.openShare',
  ])
    assert.ok(kept.includes(f), `${f} is kept and said so`);
  // With a pattern for valid codes, the rejected share is learned: CLWEEKEND2026 is valid.
  const judged = resolveProfile(
    (await learnProfile({ file: EXPORT, validCoupons: DEFAULT_VALID_COUPON_PATTERN })).profile,
  );
  assert.equal(judged.coupons.invalidShare, 0);
});

/** Every cell of the columns that carry identities: IDs, profiles, codes, cards, identifiers, attributes, stores. */
async function personalStrings(csv: string, columns: RegExp): Promise<string[]> {
  const rows = parse(csv, { columns: true }) as Record<string, string>[];
  const out = new Set<string>();
  const collect = (v: unknown): void => {
    if (typeof v === 'string' && v.length >= 4) out.add(v);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (v && typeof v === 'object') Object.values(v).forEach(collect);
  };
  for (const row of rows) {
    for (const [column, cell] of Object.entries(row)) {
      if (!columns.test(column) || cell === '') continue;
      let v: unknown = cell;
      try {
        v = JSON.parse(cell);
      } catch {
        // a plain cell
      }
      collect(v);
      if (typeof v === 'number' && String(v).length >= 4) out.add(String(v));
    }
  }
  return [...out];
}

test("no personal data: no string from the export's ID, profile, coupon, referral, identifier, attribute or store columns is in the profile", async () => {
  const csv = await readFile(EXPORT, 'utf8');
  const strings = await personalStrings(
    csv,
    /^(id|integrationid|profileid|profileintegrationid|coupons|referral|identifiers|attributes|store_integration_id)$/,
  );
  assert.ok(
    strings.includes('cust-8841') &&
      strings.includes('CLWEEKEND2026') &&
      strings.includes('Berlin') &&
      strings.includes('ORD-2026-1001'),
    'the check sees the identities',
  );
  const text = JSON.stringify(
    (await learnProfile({ file: EXPORT, validCoupons: DEFAULT_VALID_COUPON_PATTERN })).profile,
  );
  for (const s of strings) assert.ok(!text.includes(s), `"${s}" from the recording is in the profile`);
});

test('no personal data in a profile learned from a request log: session and profile IDs, codes, cards, identifiers, cities, stores', async () => {
  const pools = buildPools({
    seed: 2,
    sizes: { products: 300, profileIds: 200, loyaltyCards: 300, validCoupons: 100, invalidCoupons: 30 },
  });
  const rec = makeRecording({
    pools,
    // Small carts: the identities are in the session's fields, and the learner's time goes on bytes.
    profile: resolveProfile({
      extends: 'coupon-heavy',
      loyalty: { sessionShare: 0.5 },
      cart: { items: { median: 1, sigma: 0.5, min: 1, max: 3 } },
    }),
    seed: 3,
    sessions: 1500,
    start: (i) => Date.UTC(2026, 0, 5) + i * 500,
  });
  // Read from the plans the log was written from: its session_id column and its bodies, parsed.
  const strings = new Set<string>();
  for (const plan of rec.plans) {
    strings.add(plan.sessionId);
    for (const step of plan.steps) {
      const cs = (step.body as { customerSession?: Record<string, unknown> } | undefined)?.customerSession;
      if (!cs) continue;
      for (const k of ['profileId', 'storeIntegrationId', 'referralCode'])
        if (typeof cs[k] === 'string') strings.add(cs[k] as string);
      for (const k of ['couponCodes', 'loyaltyCards', 'identifiers'])
        for (const v of (cs[k] as string[] | undefined) ?? []) strings.add(v);
      for (const v of Object.values((cs.attributes as Record<string, string> | undefined) ?? {})) strings.add(v);
    }
  }
  assert.ok(strings.size > 3000, `${strings.size} identities in the recording`);
  const text = JSON.stringify((await learnFromCsv(rec.csv, { validCoupons: DEFAULT_VALID_COUPON_PATTERN })).profile);
  for (const s of strings)
    if (s.length >= 4) assert.ok(!text.includes(s), `"${s}" from the recording is in the profile`);
});

const LOG_HEADER = 'timestamp,session_id,method,path,body,response';
const cell = (text: string): string => `"${text.replace(/"/g, '""')}"`;
const put = (t: string, id: string, body: unknown, response = ''): string =>
  `${t},${id},PUT,/v2/customer_sessions/${id},${cell(JSON.stringify(body))},${response === '' ? '' : cell(response)}`;

test('a request log with recorded answers: rejections are read from rejectCoupon / acceptCoupon effects, steps inferred without a step column', async () => {
  const cart = [{ sku: 'A', quantity: 1, price: 5 }];
  const answer = (effects: { effectType: string; value: string }[]): string =>
    JSON.stringify({
      effects: effects.map((e) => ({ campaignId: 1, effectType: e.effectType, props: { value: e.value } })),
    });
  const lines = [
    LOG_HEADER,
    put(
      '2026-01-01T10:00:00Z',
      's1',
      { customerSession: { profileId: 'p1', cartItems: cart, couponCodes: ['GOOD1', 'BAD1'] } },
      answer([
        { effectType: 'acceptCoupon', value: 'GOOD1' },
        { effectType: 'rejectCoupon', value: 'BAD1' },
      ]),
    ),
    put(
      '2026-01-01T10:00:05Z',
      's1',
      { customerSession: { profileId: 'p1', cartItems: cart, couponCodes: ['GOOD1', 'BAD1'], state: 'closed' } },
      answer([{ effectType: 'rejectCoupon', value: 'BAD1' }]),
    ),
    put(
      '2026-01-01T10:00:01Z',
      's2',
      { customerSession: { profileId: 'p2', cartItems: cart, couponCodes: ['GOOD2'], referralCode: 'REF9' } },
      answer([
        { effectType: 'acceptCoupon', value: 'GOOD2' },
        { effectType: 'rejectReferral', value: 'REF9' },
      ]),
    ),
  ];
  const file = join(dir, 'answers.csv');
  await writeFile(file, `${lines.join('\n')}\n`);
  const r = await learnProfile({ file });
  const p = resolveProfile(r.profile);
  assert.equal(r.stats.answers, true);
  assert.deepEqual(r.stepMix, { close: 1, open: 2 }, "each session's first write is its opening");
  assert.deepEqual([p.lifecycles.checkout, p.lifecycles.browse], [1, 1]);
  assert.equal(
    p.coupons.invalidShare,
    round(1 / 3),
    'BAD1 rejected, GOOD1 and GOOD2 accepted (each code counted once per session)',
  );
  assert.equal(p.referral.invalidShare, 1);
  assert.deepEqual(p.thinkTimeMs.min, 5000);
});

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}

test('bad rows abort by default naming file and line, or are skipped and counted; gzip and standard input read the same', async () => {
  const good = put('2026-01-01T10:00:00Z', 's1', { customerSession: { cartItems: [{ sku: 'A', quantity: 1 }] } });
  const file = join(dir, 'bad.csv');
  await writeFile(file, [LOG_HEADER, good, '2026-01-01T10:00:01Z,s2,PUT,/v2/customer_sessions/s2,{broken,'].join('\n'));
  await assert.rejects(
    learnProfile({ file }),
    (err: Error) => err.message.startsWith(`${file}:3:`) && /not valid JSON/.test(err.message),
  );
  const skipped: string[] = [];
  const r = await learnProfile({ file, onError: 'skip', onIssue: (i) => skipped.push(i.message) });
  assert.equal(r.stats.skippedRows, 1);
  assert.equal(r.sessions, 1);
  assert.match(skipped[0] ?? '', /bad\.csv:3/);
  const gz = join(dir, 'export.csv.gz');
  await writeFile(gz, gzipSync(await readFile(EXPORT)));
  const fromGz = await learnProfile({ file: gz });
  const stdin = new PassThrough();
  stdin.end(gzipSync(await readFile(EXPORT)));
  const fromStdin = await learnProfile({ file: '-', stdin });
  const plain = await learnProfile({ file: EXPORT });
  assert.deepEqual(fromGz.profile, plain.profile);
  assert.deepEqual(fromStdin.profile, plain.profile);
  await assert.rejects(learnProfile({ file: join(dir, 'missing.csv') }), /no such file/);
  await assert.rejects(
    learnProfile({ file: EXPORT, validCoupons: '(' }),
    /--valid-coupons \(: not a regular expression/,
  );
  await assert.rejects(
    learnProfile({ file: EXPORT, bucketMinutes: 7 }),
    /--bucket 7: must be whole minutes that divide a day/,
  );
});

test("a request log's sessions are finished when idle: the open table stays small, and a cap finishes the longest-open early", async () => {
  const pools = buildPools({ seed: 4, sizes: { products: 200, profileIds: 100, loyaltyCards: 100 } });
  // Small carts: what is measured is sessions open at once, and the learner's time goes on bytes.
  const profile: TrafficProfile = resolveProfile({
    thinkTimeMs: { median: 2000, sigma: 0.5, min: 100, max: 10_000 },
    cart: { items: { median: 1, sigma: 0.5, min: 1, max: 3 } },
  });
  // 2,000 sessions, one a second: a session lasts under a minute, so with a 2-minute idle limit about 120 are open at once.
  const rec = makeRecording({
    pools,
    profile,
    seed: 1,
    sessions: 2000,
    start: (i) => Date.UTC(2026, 0, 1) + i * 1000,
    keepPlans: false,
  });
  const learn = (o: { sessionIdleMs: number; maxOpenSessions?: number }): ReturnType<typeof learnProfile> =>
    learnFromCsv(rec.csv, o);
  const idle = await learn({ sessionIdleMs: 120_000 });
  assert.equal(idle.sessions, 2000);
  // Idle sessions are swept every 1,024 rows (about 250 sessions here).
  assert.ok(idle.stats.openPeak < 600, `open at once: ${idle.stats.openPeak}`);
  assert.equal(idle.stats.forced, 0);
  const capped = await learn({ sessionIdleMs: 3_600_000, maxOpenSessions: 100 });
  assert.ok(capped.stats.forced > 0, 'sessions finished early at the cap');
  assert.ok(capped.stats.openPeak <= 101);
  assert.deepEqual(
    capped.profile.lifecycles,
    idle.profile.lifecycles,
    'sessions open well under the cap are finished whole',
  );
});

test('cartload learn: writes the profile and reports what it learned and kept; bad input exits 2 naming the problem', async () => {
  const out = join(dir, 'learned.json');
  // In this process (the CLI's main, as the bin runs it); one spawn below proves the bin.
  const ok = await runMain(['learn', EXPORT, '--out', out, '--set', 'couponShare=0.8']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /learned from 5 sessions, 12 requests \(export, 5 rows\)/);
  assert.match(ok.stderr, /kept {4}loyalty\.sessionShare: an export has no loyalty card column/);
  assert.match(ok.stderr, /profile → .*learned\.json/);
  const written = JSON.parse(await readFile(out, 'utf8'));
  assert.equal(written.version, 2);
  assert.equal(resolveProfile(written).coupons.sessionShare, 0.8, 'the what-if edit is baked in');
  const bad = await runCartload(['learn', join(dir, 'nope.csv')], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /nope\.csv: no such file/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  const edit = await runMain(['learn', EXPORT, '--set', 'couponShare=2']);
  assert.equal(edit.code, 2);
  assert.match(edit.stderr, /--set couponShare=2: profile\.coupons\.sessionShare: must be ≤ 1/);
});
