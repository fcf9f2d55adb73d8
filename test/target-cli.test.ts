// `cartload target` end to end: spawned as a user would run it, its first stdout line parsed as
// the URL, served, stopped with a signal (the spawns are the signal and key cases; what ends with
// an exit code before serving runs main() in this process); plus the code files it reads.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCodesFile } from '../emulator/server/codes-file.ts';
import { serveTarget, targetOptionsFrom, TargetOptionsError } from '../emulator/server/serve.ts';
import type { RunningTarget } from '../emulator/server/index.ts';
import { runMain } from './helpers/cli.ts';

const BIN = fileURLToPath(new URL('../bin/cartload.mjs', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/emulator/${name}`, import.meta.url));

function spawnCli(args: string[], env: Record<string, string | undefined> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, TALON_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const firstLine = new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout });
    rl.once('line', resolve);
    child.once('exit', () => reject(new Error(`exited before printing a line; stderr: ${stderr}`)));
  });
  firstLine.catch(() => {
    // Tests that expect an early exit never read the line: keep its rejection from going unhandled.
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, firstLine, exited, stderr: () => stderr };
}

describe('cartload target (spawned)', { timeout: 60_000 }, () => {
  // Each signal once; the key from --api-key with SIGINT, from TALON_API_KEY with SIGTERM.
  for (const [signal, keyFrom] of [
    ['SIGINT', 'flag'],
    ['SIGTERM', 'env'],
  ] as const) {
    test(`prints its URL first, serves with the key from ${keyFrom === 'flag' ? '--api-key' : 'TALON_API_KEY'}, stops cleanly on ${signal}`, async () => {
      const key = `cli-key-${keyFrom}-123`;
      const cli =
        keyFrom === 'flag'
          ? spawnCli(['target', '--port', '0', '--host', '127.0.0.1', '--api-key', key])
          : spawnCli(['target', '--port', '0', '--host', '127.0.0.1'], { TALON_API_KEY: key });
      try {
        const url = await cli.firstLine;
        assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const res = await fetch(`${url}/v2/customer_sessions/c1`, {
          method: 'PUT',
          headers: { authorization: `ApiKey-v1 ${key}` },
          body: JSON.stringify({ customerSession: { cartItems: [{ sku: 'A', quantity: 1 }] } }),
        });
        assert.equal(res.status, 200);
        cli.child.kill(signal);
        const [code] = await cli.exited;
        assert.equal(code, 0, cli.stderr());
        assert.match(cli.stderr(), new RegExp(`stopped \\(${signal}\\) after 1 requests`));
        assert.ok(!cli.stderr().includes(key), 'a given key is never printed');
      } finally {
        cli.child.kill('SIGKILL');
      }
    });
  }

  test('without a key, generates one and prints it on stderr', async () => {
    const generated = spawnCli(['target', '--port', '0']);
    try {
      const url = await generated.firstLine;
      // The key line comes before the URL line, but on another stream: wait for it, bounded.
      for (let i = 0; i < 500 && !/generated one: \S+\n/.test(generated.stderr()); i++)
        await new Promise((r) => setTimeout(r, 10));
      const key = /generated one: (\S+)/.exec(generated.stderr())?.[1];
      assert.ok(key, generated.stderr());
      const ok = await fetch(`${url}/v2/customer_sessions/e`, {
        method: 'PUT',
        headers: { authorization: `ApiKey-v1 ${key}` },
        body: '{"customerSession":{}}',
      });
      assert.equal(ok.status, 200);
    } finally {
      generated.child.kill('SIGTERM');
      await generated.exited;
    }
  });

  test('bad options exit 2 with the option named, in one line, before listening', async () => {
    for (const [args, pattern] of [
      [['--latency', 'later'], /--latency: cannot read "later"/],
      [['--workers', '2'], /--workers and --service-time go together/],
      [['--coupons', fixture('bad-limit.csv')], /bad-limit\.csv: line 3: usageLimit/],
      [['--max-sessions', '0'], /--max-sessions 0: must be a whole number at least 1/],
      [['--port', '70000'], /--port 70000: must be a whole number from 0 to 65535/],
    ] as const) {
      const r = await runMain([
        'target',
        ...((args as readonly string[]).includes('--port') ? [] : ['--port', '0']),
        ...args,
      ]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^cartload target: [^\n]+\n$/);
      assert.match(r.stderr, pattern);
      assert.equal(r.stdout, '', 'no URL: nothing listened');
    }
  });
});

describe('cartload target on a taken port', { timeout: 30_000 }, () => {
  test('exits 2 naming the address', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as AddressInfo).port;
      const r = await runMain(['target', '--port', String(port)]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    } finally {
      busy.close();
    }
  });
});

describe('serveTarget (the library function behind the command)', () => {
  test('prints the URL first, serves, and stops when told', async () => {
    const out: string[] = [];
    const err: string[] = [];
    let stop!: (reason: string) => void;
    let running!: RunningTarget;
    let served!: Promise<void>;
    await new Promise<void>((resolve) => {
      served = serveTarget(
        { port: 0, host: '127.0.0.1', apiKey: 'k', coupons: fixture('coupons.csv') },
        {
          out: (l) => out.push(l),
          err: (l) => err.push(l),
          until: new Promise((r) => (stop = r)),
          onListening: (t) => {
            running = t;
            resolve();
          },
        },
      );
    });
    assert.equal(out[0], running.url);
    assert.deepEqual(
      running.core.config.coupons?.map((c) => c.code),
      ['WELCOME10', 'SPRING25', 'STAFF'],
    );
    stop('test');
    await served;
    assert.match(err.join('\n'), /stopped \(test\)/);
  });

  test('options map to the target options', () => {
    const o = targetOptionsFrom({
      port: 0,
      host: '::1',
      latency: 'exp:5',
      errorRate: 0.1,
      errorStatus: 500,
      workers: 4,
      serviceTime: '2..4',
      queueLimit: 10,
      seed: 7,
      maxSessions: 50,
      bodyLimit: 1000,
      referrals: fixture('referrals.json'),
    });
    assert.deepEqual(o.knobs, {
      latency: 'exp:5',
      errorRate: 0.1,
      errorStatus: 500,
      seed: 7,
      capacity: { workers: 4, serviceTime: '2..4', queueLimit: 10 },
    });
    assert.equal(o.config?.maxSessions, 50);
    assert.deepEqual(o.config?.referrals, [{ code: 'FRIEND-A' }, { code: 'FRIEND-B', usageLimit: 2 }]);
    assert.equal(o.bodyLimit, 1000);
    assert.throws(() => targetOptionsFrom({ port: 0, host: 'x', queueLimit: 3 }), TargetOptionsError);
  });
});

describe('code files', () => {
  test('CSV with code and usageLimit columns; an empty limit is unlimited', () => {
    assert.deepEqual(readCodesFile(fixture('coupons.csv')), [
      { code: 'WELCOME10', usageLimit: 1 },
      { code: 'SPRING25', usageLimit: 3 },
      { code: 'STAFF' },
    ]);
  });
  test('JSON array of codes or objects', () => {
    assert.deepEqual(readCodesFile(fixture('referrals.json')), [
      { code: 'FRIEND-A' },
      { code: 'FRIEND-B', usageLimit: 2 },
    ]);
  });
  test('errors name the file and the line or entry', () => {
    assert.throws(
      () => readCodesFile(fixture('bad-limit.csv')),
      /bad-limit\.csv: line 3: usageLimit must be an integer ≥ 0/,
    );
    assert.throws(
      () => readCodesFile(fixture('no-code-column.csv')),
      /no-code-column\.csv: line 1: the header needs a "code" column/,
    );
    assert.throws(() => readCodesFile(fixture('missing.json')), /missing\.json: cannot read/);
  });
});
