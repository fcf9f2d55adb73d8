// The CLI's entry point, in this process: standard input as a recording (`replay -`, gzip or
// not), the guard rail before real writes, an unexpected error as one line and a trace file, and
// the start-time promises (the compiled entry loads no heavy package; a changed source is noticed).
import assert from 'node:assert/strict';
import { readFile, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { confirmWrites, isLoopbackUrl } from '../cli/guard.ts';
import { contextOf, type CliIo } from '../cli/io.ts';
import { main } from '../cli/main.ts';
import { makeEvents } from './fixtures/replay-engine/events.ts';
import { writeRequestLog } from './fixtures/replay-engine/request-log.ts';
import { startRecorder, type RecorderServer } from './fixtures/replay-engine/server.ts';
import { runMain } from './helpers/cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'main-secret-key-0a9b8c7d';
let dir = '';
let server: RecorderServer;
let log = '';

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-main-'));
  server = await startRecorder();
  log = join(dir, 'log.csv');
  await writeRequestLog(log, makeEvents({ sessions: 3 }));
  await writeRequestLog(join(dir, 'header-only.csv'), []);
  // One of each, for generate: building the default pools would cost more than the rest of its test.
  await writeFile(
    join(dir, 'pools.json'),
    JSON.stringify({
      products: [{ sku: 'A-1', name: 'a', category: 'c', price: 1, weight: 1, height: 1, width: 1, length: 1 }],
      stores: ['s'],
      cities: ['c'],
      validCoupons: ['CLAAAA1234'],
      invalidCoupons: ['x'],
      validReferrals: ['R-AAAA-1234'],
      invalidReferrals: ['x'],
      loyaltyCards: ['L1'],
      profileIds: ['p1'],
      campaignIds: [1],
    }),
  );
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const env = (): Record<string, string> => ({ TALON_API_KEY: KEY, PATH: '/nonexistent', K6_BIN: '' });

describe('replay - reads the recording from standard input', () => {
  for (const [name, bytes] of [
    ['plain', async () => readFile(log)],
    ['gzip', async () => gzipSync(await readFile(log))],
  ] as const) {
    test(`${name}: every step of the piped file is sent`, async () => {
      const before = server.received.length;
      const results = join(dir, `stdin-${name}`);
      const r = await runMain(
        ['replay', '-', '--target', server.url, '--asap', '--results-dir', results, '--no-progress'],
        { env: env(), stdin: Readable.from([await bytes()]) },
      );
      assert.equal(r.code, 0, r.stderr);
      // The preflight GET, then 3 sessions × 3 steps.
      assert.equal(server.received.length - before, 10);
      const [run] = await readdir(results);
      const summary = JSON.parse(await readFile(join(results, run as string, 'summary.json'), 'utf8'));
      assert.equal(summary.requests.total, 9);
      assert.equal(summary.scenario, '-');
    });
  }

  test('generate --out - writes to standard output', async () => {
    const r = await runMain(['generate', '-n', '2', '--pools', join(dir, 'pools.json'), '--out', '-'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trimEnd().split('\n').length, 2);
    assert.match(r.stderr, /→ standard output/);
  });
});

describe('the guard rail before real writes to another host', () => {
  // A name under .invalid never resolves: whatever happens, nothing can reach a real host.
  const REMOTE = 'http://staging.cartload-guard.invalid';

  test('loopback addresses and localhost names are this machine; anything else is not', () => {
    for (const url of [
      'http://127.0.0.1:3000',
      'http://127.8.9.10',
      'http://localhost:1',
      'https://api.localhost',
      'http://[::1]:80',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      assert.equal(isLoopbackUrl(url), true, url);
    }
    for (const url of [
      'https://yourbaseurl.talon.one',
      'http://10.0.0.1',
      'http://128.0.0.1',
      'http://[::2]',
      'http://localhost.example.com',
      'not a url',
    ]) {
      assert.equal(isLoopbackUrl(url), false, url);
    }
  });

  test('without a terminal and without --yes, replay and run refuse in one line, before anything is read or sent', async () => {
    const before = server.received.length;
    for (const argv of [
      ['replay', log, '--target', REMOTE, '--results-dir', join(dir, 'refused')],
      ['run', '--target', REMOTE, '--duration', '1s', '--results-dir', join(dir, 'refused')],
    ]) {
      const r = await runMain(argv, { env: env() });
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^cartload (replay|run): staging\.cartload-guard\.invalid is not this machine and the run is not --dry: .*pass --yes \(or set CARTLOAD_YES=1\)\n$/,
      );
      assert.deepEqual(r.asked, []);
    }
    await assert.rejects(stat(join(dir, 'refused')), /ENOENT/);
    assert.equal(server.received.length, before);
  });

  test('on a terminal it says what will happen and asks; anything but yes refuses', async () => {
    const r = await runMain(['replay', log, '--target', REMOTE, '--rate', '5', '--results-dir', join(dir, 'asked')], {
      env: env(),
      interactive: true,
      answer: 'n',
    });
    assert.equal(r.code, 2);
    assert.equal(r.asked.length, 1);
    assert.match(
      r.stderr,
      /cartload replay is about to write to staging\.cartload-guard\.invalid, which is not this machine:/,
    );
    assert.match(r.stderr, /target +http:\/\/staging\.cartload-guard\.invalid/);
    assert.match(r.stderr, /file +.*log\.csv/);
    assert.match(r.stderr, /pace +5 sessions\/s, up to 64 requests in flight/);
    assert.match(r.stderr, /sessions +recorded IDs prefixed with cartload-<random>-/);
    assert.match(r.stderr, /dry +no: /);
    assert.match(r.stderr, /not confirmed \(answer "n"\): nothing was sent/);
    await assert.rejects(stat(join(dir, 'asked')), /ENOENT/);
  });

  // The guard comes before the recording is read: a header-only file then stops the replay with
  // exit 2, so passing the guard is visible without any request to the remote host.
  for (const [how, extra, o] of [
    ['--yes', ['--yes'], {}],
    ['CARTLOAD_YES=1', [], { env: { CARTLOAD_YES: '1' } }],
    ['yes on the terminal', [], { interactive: true, answer: 'yes' }],
  ] as const) {
    test(`${how} lets the run start`, async () => {
      const r = await runMain(['replay', join(dir, 'header-only.csv'), '--target', REMOTE, ...extra], {
        ...o,
        env: { ...env(), ...('env' in o ? o.env : {}) },
      });
      assert.match(r.stderr, /about to write to staging\.cartload-guard\.invalid/);
      assert.match(r.stderr, /header-only\.csv: no rows to replay/, 'the replay went on to read the file');
      assert.equal(r.code, 2);
    });
  }

  test('dry runs and loopback targets need no yes and print nothing', async () => {
    const lines: string[] = [];
    const io = { interactive: false, ask: async () => 'no' } as unknown as CliIo;
    const ctx = { ...contextOf(io), say: (l: string) => lines.push(l) };
    await confirmWrites({ command: 'cartload replay', target: REMOTE, dry: true, yes: false, details: [] }, ctx);
    await confirmWrites(
      { command: 'cartload run', target: 'http://127.0.0.1:3000', dry: false, yes: false, details: [] },
      ctx,
    );
    assert.deepEqual(lines, []);
    const before = server.received.length;
    const r = await runMain(
      ['replay', log, '--target', server.url, '--asap', '--results-dir', join(dir, 'loopback'), '--no-progress'],
      { env: env() },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /about to write/);
    assert.equal(server.received.length - before, 10);
  });
});

describe('an unexpected error', () => {
  test('is one line naming a trace file, which holds the stack and no secret', async () => {
    let stderr = '';
    const io: CliIo = {
      stdout: new Writable({
        write() {
          throw new TypeError('boom from a broken stdout');
        },
      }),
      stderr: new Writable({
        write(c: Buffer | string, _e, done) {
          stderr += c.toString();
          done();
        },
      }),
      stdin: Readable.from([]),
      env: { TALON_API_KEY: KEY },
      interactive: false,
      ask: async () => '',
    };
    const code = await main(['--version'], io);
    assert.equal(code, 1);
    const m =
      /^cartload: unexpected error \(TypeError: boom from a broken stdout\); the full trace is in (\S+)\n$/.exec(
        stderr,
      );
    assert.ok(m, stderr);
    const trace = await readFile(m[1] as string, 'utf8');
    assert.match(trace, /TypeError: boom from a broken stdout\n\s+at /);
    assert.ok(!trace.includes(KEY));
    await rm(m[1] as string);
  });
});

describe('start time', () => {
  // One build for both tests (a build costs about a second of CPU).
  let compiled: Promise<string> | undefined;
  const compileOnce = async (): Promise<string> => {
    const { compileCli } = await import('../bin/compile.mjs');
    compiled ??= compileCli();
    return compiled;
  };

  test('the compiled entry statically loads no heavy package: commands import theirs when they run', async () => {
    const entry = await compileOnce();
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = await readFile(file, 'utf8');
      // Static imports only (`import x from "y"`, `import "y"`, `export ... from "y"`); import() is lazy.
      for (const m of code.matchAll(/^(?:import|export)\b[^;'"]*?(?:from\s*)?["']([^"']+)["'];?$/gm)) {
        const spec = m[1] as string;
        if (spec.startsWith('./')) await visit(join(file, '..', spec));
        else if (!spec.startsWith('node:') && !/^[a-z_]+$/.test(spec)) packages.add(spec);
        else if (
          /^[a-z_]+$/.test(spec) &&
          !['assert', 'fs', 'path', 'util', 'url', 'os', 'module', 'tty', 'events', 'stream'].includes(spec)
        )
          packages.add(spec);
      }
    };
    await visit(entry);
    assert.deepEqual(
      [...packages],
      [],
      'the entry and its static chunks import only Node built-ins (yargs is bundled in)',
    );
    // Shared chunks of a few kB each: how esbuild splits them follows which commands share a module.
    assert.ok(seen.size > 1 && seen.size < 24, `${seen.size} files load at start`);
    // The check sees what it looks for: the emulator's chunk imports fastify, and is not among them.
    const out = join(entry, '..');
    const withFastify: string[] = [];
    for (const f of await readdir(out))
      if (f.endsWith('.js') && /^import \w+ from "fastify";$/m.test(await readFile(join(out, f), 'utf8')))
        withFastify.push(join(out, f));
    assert.ok(withFastify.length > 0);
    assert.ok(withFastify.every((f) => !seen.has(f)));
  });

  test('a source file changed after the build makes the bin compile again', async () => {
    const { freshEntry } = await import('../bin/compile.mjs');
    const entry = await compileOnce();
    assert.equal(freshEntry(), entry);
    const source = join(ROOT, 'cli', 'flags.ts');
    const { atime, mtime } = await stat(source);
    try {
      await utimes(source, atime, new Date(Date.now() + 60_000));
      assert.equal(freshEntry(), undefined, 'a newer source means a stale build');
    } finally {
      await utimes(source, atime, mtime);
    }
    assert.equal(freshEntry(), entry);
  });
});
