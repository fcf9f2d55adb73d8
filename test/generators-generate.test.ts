import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { SessionPlan } from '../model/plan.ts';
import { generate } from '../generators/generate.ts';
import { createPlanner } from '../generators/planner.ts';
import { buildPools, poolsText, readPools } from '../generators/pools.ts';
import { PRESETS } from '../generators/profiles.ts';
import { OutputError, runGenerate } from '../generators/run.ts';
import { readRecording } from '../recordings/index.ts';
import { planToRequestLogRecords, REQUEST_LOG_COLUMNS, requestLogCsv } from '../recordings/request-log.ts';
import { runMain } from './helpers/cli.ts';

const root = join(import.meta.dirname, '..');
let dir = '';
/** A small pools file: building the default pools from a seed costs a quarter of a second a run. */
let small = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-generate-'));
  small = join(dir, 'small-pools.json');
  await writeFile(small, poolsText(buildPools({ seed: 21, sizes: { products: 50, profileIds: 50 } })));
});
/** The big-carts tests' catalog, built once. */
let bigCatalog: ReturnType<typeof buildPools> | undefined;
const bigPools = (): ReturnType<typeof buildPools> =>
  (bigCatalog ??= buildPools({ seed: 1, sizes: { products: 1200 } }));
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = { seed: 21, format: 'ndjson' as const, stdout: process.stdout };

test('ndjson: one plan a line, byte-identical for the same seed, equal to planner.plan(i)', async () => {
  const a = join(dir, 'a.ndjson');
  const b = join(dir, 'b.ndjson');
  const r = await runGenerate({ ...base, sessions: 120, out: a });
  await runGenerate({ ...base, sessions: 120, out: b });
  const text = await readFile(a, 'utf8');
  assert.equal(text, await readFile(b, 'utf8'));
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 120);
  assert.equal(r.sessions, 120);
  assert.equal(r.bytes, Buffer.byteLength(text));
  const planner = createPlanner({ pools: buildPools({ seed: 21 }), profile: 'default', seed: 21 });
  assert.equal(lines[77], JSON.stringify(planner.plan(77)));
  assert.equal(
    r.steps,
    lines.reduce((n, l) => n + (JSON.parse(l) as SessionPlan).steps.length, 0),
  );
});

test('--first-index splits one seed over files whose concatenation is the whole', async () => {
  const whole = join(dir, 'whole.ndjson');
  const p1 = join(dir, 'p1.ndjson');
  const p2 = join(dir, 'p2.ndjson');
  const o = { ...base, pools: small, profile: 'returns-heavy' };
  await runGenerate({ ...o, sessions: 60, out: whole });
  await runGenerate({ ...o, sessions: 25, out: p1 });
  await runGenerate({ ...o, sessions: 35, firstIndex: 25, out: p2 });
  assert.equal((await readFile(p1, 'utf8')) + (await readFile(p2, 'utf8')), await readFile(whole, 'utf8'));
});

test('csv: the request-log header, one row a step, sessions paced by --rate, readable by cartload replay', async () => {
  const file = join(dir, 'log.csv');
  const start = Date.UTC(2026, 5, 1, 12);
  const r = await runGenerate({ ...base, pools: small, sessions: 40, format: 'csv', out: file, rate: 4, start });
  const rows = parse(await readFile(file), { columns: true }) as Record<string, string>[];
  assert.deepEqual(Object.keys(rows[0]!), [...REQUEST_LOG_COLUMNS]);
  assert.equal(rows.length, r.steps);
  const planner = createPlanner({ pools: await readPools(small), seed: 21 });
  const plan = planner.plan(10);
  const mine = rows.filter((x) => x['session_id'] === plan.sessionId);
  assert.equal(mine.length, plan.steps.length);
  assert.equal(mine[0]!['timestamp'], new Date(start + 2500).toISOString(), 'session 10 at 4/s starts 2.5 s in');
  mine.forEach((row, i) => {
    const s = plan.steps[i]!;
    assert.equal(Date.parse(row['timestamp']!), start + 2500 + s.at!);
    assert.equal(row['path'], s.path);
    assert.equal(row['step'], s.step);
    assert.deepEqual(row['body'] === '' ? undefined : JSON.parse(row['body']!), s.body);
  });
  let events = 0;
  for await (const e of readRecording({ file, onError: 'abort' })) {
    assert.ok(e.sessionId.startsWith('cartload-21-'));
    events++;
  }
  assert.equal(events, r.steps);
});

test('an --out that cannot be written is named in the error, and nothing is left behind', async () => {
  const blocker = join(dir, 'a-file');
  await writeFile(blocker, 'x');
  await assert.rejects(
    runGenerate({ ...base, pools: small, sessions: 3, out: join(blocker, 'plans.ndjson') }),
    (err: Error) =>
      err instanceof OutputError && err.message.startsWith(`--out ${join(blocker, 'plans.ndjson')}: cannot write: `),
  );
  assert.equal(await readFile(blocker, 'utf8'), 'x');
});

test('a .gz output is gzip of the same bytes', async () => {
  const plain = join(dir, 'x.ndjson');
  const gz = join(dir, 'x.ndjson.gz');
  await runGenerate({ ...base, pools: small, sessions: 30, out: plain });
  await runGenerate({ ...base, pools: small, sessions: 30, out: gz });
  assert.equal(gunzipSync(await readFile(gz)).toString(), await readFile(plain, 'utf8'));
});

test('streams with backpressure: a slow destination never holds more than a chunk and a plan', async () => {
  const pools = bigPools();
  let maxHeld = 0;
  let maxLine = 0;
  let total = 0;
  const slow = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, done) {
      maxHeld = Math.max(maxHeld, this.writableLength);
      total += chunk.length;
      // Chunks hold whole lines (plans).
      for (const line of chunk.toString().split('\n')) maxLine = Math.max(maxLine, Buffer.byteLength(line) + 1);
      setImmediate(done);
    },
  });
  const r = await generate({
    sessions: 60,
    seed: 1,
    profile: PRESETS['big-carts']!,
    pools,
    format: 'ndjson',
    out: slow,
  });
  assert.equal(total, r.bytes);
  assert.ok(maxHeld <= 64 * 1024 + maxLine, `the destination held ${maxHeld} bytes at once (largest plan ${maxLine})`);
  assert.ok(total > 8 * maxHeld, `only ${total} bytes in all, ${maxHeld} held at once`);
});

test('an abort signal stops after a whole session', async () => {
  const controller = new AbortController();
  let lines = 0;
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines += chunk.toString().split('\n').length - 1;
      if (lines > 0) controller.abort();
      done();
    },
  });
  const pools = bigPools();
  const r = await generate({
    sessions: 1_000_000,
    seed: 1,
    profile: PRESETS['big-carts']!,
    pools,
    format: 'ndjson',
    out,
    signal: controller.signal,
  });
  assert.ok(r.interrupted);
  assert.ok(r.sessions < 1_000_000 && r.sessions === lines, `${r.sessions} sessions, ${lines} lines`);
});

test('a destination that fails mid-run ends generate instead of hanging it', async () => {
  let writes = 0;
  const failing = new Writable({
    highWaterMark: 1024,
    write(_chunk, _enc, done) {
      writes++;
      done(writes > 1 ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : undefined);
    },
  });
  failing.on('error', () => {
    // The write error is what generate must report; the stream's own event is expected.
  });
  const pools = bigPools();
  const r = await generate({
    sessions: 100_000,
    seed: 1,
    profile: PRESETS['big-carts']!,
    pools,
    format: 'ndjson',
    out: failing,
  });
  assert.ok(r.interrupted && r.sessions < 100_000, `${r.sessions} sessions`);
});

test('cartload generate and cartload pools from the command line: output, summary, and exit 2 naming the bad field', async () => {
  // In this process (main(argv, io)); the CLI is spawned only for the closed pipe below.
  const cli = async (...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> => {
    const r = await runMain(args);
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
  };
  const ok = await cli('generate', '--sessions', '3', '--seed', '5', '--profile', 'coupon-heavy');
  assert.equal(ok.status, 0, String(ok.stderr));
  assert.equal(String(ok.stdout).trimEnd().split('\n').length, 3);
  assert.match(String(ok.stderr), /generated 3 sessions, \d+ steps \(.*\) with profile coupon-heavy → standard output/);

  // A reader that stops early (`| head`): the run ends quietly, with success.
  // Small pools: what is checked is the end of the run, not the pools it builds first.
  const piped = spawn(
    process.execPath,
    [join(root, 'bin', 'cartload.mjs'), 'generate', '-n', '1000000', '--pools', small],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const killer = setTimeout(() => piped.kill('SIGKILL'), 60_000);
  let stderr = '';
  piped.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  piped.stdout.once('data', () => piped.stdout.destroy());
  const [code] = (await once(piped, 'close')) as [number | null];
  clearTimeout(killer);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /generated \d+ sessions/);

  const profile = join(dir, 'bad-profile.json');
  await writeFile(profile, JSON.stringify({ lifecycles: { checkout: -1 } }));
  const bad = await cli('generate', '-n', '3', '--profile', profile);
  assert.equal(bad.status, 2);
  assert.match(String(bad.stderr), /bad-profile\.json: profile\.lifecycles\.checkout: must be ≥ 0/);
  assert.equal(bad.stdout, '');

  const out = join(dir, 'cli-pools.json');
  const pools = await cli(
    'pools',
    '--seed',
    '9',
    '--out',
    out,
    '--csv',
    `profileIds=${join(root, 'test', 'fixtures', 'generators', 'profiles.csv')}`,
  );
  assert.equal(pools.status, 0, String(pools.stderr));
  assert.deepEqual((await readPools(out)).profileIds, ['customer-1', 'customer-2', 'customer-3']);
  const badCsv = await cli(
    'pools',
    '--out',
    out,
    '--csv',
    `products=${join(root, 'test', 'fixtures', 'generators', 'products-bad-price.csv')}`,
  );
  assert.equal(badCsv.status, 2);
  assert.match(String(badCsv.stderr), /products-bad-price\.csv:4: products: price "abc"/);
});

test('csv: the request-log writer quotes exactly as csv-stringify does', async () => {
  const awkward = [
    '',
    'plain',
    'a,b',
    'say "hi"',
    'line\nbreak',
    'cr\rhere',
    'crlf\r\nhere',
    '"',
    '""',
    ' lead',
    'trail ',
    '=1+1',
    '-x',
    'tab\there',
    'é€',
    '{"a":[1,"b"]}',
  ];
  const records = awkward.map((v, i) => [v, awkward[(i * 7) % awkward.length] as string, String(i)]);
  assert.equal(requestLogCsv(records), stringify(records));
  const plan = createPlanner({ pools: await readPools(small), profile: 'coupon-heavy', seed: 3 }).plan(5);
  const rows = planToRequestLogRecords(plan, Date.UTC(2026, 0, 1));
  assert.equal(requestLogCsv(rows), stringify(rows));
});
