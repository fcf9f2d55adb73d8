// findK6 and runK6 against small executables standing in for k6 (the real one cannot be installed
// here; test/harness-k6-real.test.ts runs the real one wherever it exists).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, test } from 'node:test';
import { findK6, locateK6, runK6 } from '../orchestrate/k6-binary.ts';

const root = mkdtempSync(join(tmpdir(), 'cartload-k6bin-'));
after(() => rmSync(root, { recursive: true, force: true }));

function script(dir: string, name: string, body: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

const skipOnWindows = process.platform === 'win32' ? 'shell scripts stand in for k6' : false;

test('findK6 takes the first executable k6 on PATH and skips non-executable ones', { skip: skipOnWindows }, () => {
  const a = join(root, 'a');
  const b = join(root, 'b');
  script(a, 'k6', 'exit 0', 0o644);
  const good = script(b, 'k6', 'exit 0');
  mkdirSync(join(root, 'c', 'k6'), { recursive: true }); // a directory named k6 is not a program
  const PATH = [join(root, 'missing'), join(root, 'c'), a, b].join(delimiter);
  assert.equal(findK6({ PATH }), good);
  assert.equal(findK6({ PATH: a }), undefined);
  const where = locateK6({ PATH: a });
  assert.ok(where.bin === undefined && /no k6 executable on PATH \(1 directories searched\)/.test(where.reason));
});

test('K6_BIN wins over PATH, and a wrong K6_BIN is reported instead of falling back', { skip: skipOnWindows }, () => {
  const onPath = script(join(root, 'p'), 'k6', 'exit 0');
  const chosen = script(join(root, 'chosen'), 'my-k6', 'exit 0');
  assert.equal(findK6({ PATH: join(root, 'p'), K6_BIN: chosen }), chosen);
  assert.equal(findK6({ PATH: join(root, 'p') }), onPath);
  const wrong = locateK6({ PATH: join(root, 'p'), K6_BIN: join(root, 'nope') });
  assert.equal(wrong.bin, undefined);
  assert.match('reason' in wrong ? wrong.reason : '', /K6_BIN=.*nope is not an executable file/);
});

test('runK6 passes arguments, env and cwd, and returns exit code and output', { skip: skipOnWindows }, async () => {
  const bin = script(join(root, 'r'), 'k6', 'echo "args:$*"; echo "env:$CARTLOAD_X"; pwd; echo oops >&2; exit 99');
  const chunks: string[] = [];
  const r = await runK6(bin, ['run', 'dist/smoke.js'], {
    env: { CARTLOAD_X: 'y', PATH: process.env.PATH },
    cwd: root,
    onStdout: (c) => chunks.push(c),
  });
  assert.equal(r.code, 99);
  assert.equal(r.timedOut, false);
  assert.match(r.stdout, /^args:run dist\/smoke\.js\nenv:y\n/);
  assert.ok(r.stdout.includes(root));
  assert.equal(r.stderr, 'oops\n');
  assert.equal(chunks.join(''), r.stdout);
});

test('runK6 kills a k6 that outlives its timeout', { skip: skipOnWindows }, async () => {
  const bin = script(join(root, 't'), 'k6', 'echo started; exec sleep 30');
  const r = await runK6(bin, [], { timeoutMs: 300, killGraceMs: 200 });
  assert.equal(r.timedOut, true);
  assert.equal(r.code, null);
  assert.equal(r.signal, 'SIGTERM');
  assert.equal(r.stdout, 'started\n');
});

test('runK6 stops k6 when its signal aborts, and rejects when the binary cannot start', {
  skip: skipOnWindows,
}, async () => {
  const bin = script(join(root, 's'), 'k6', 'exec sleep 30');
  const ac = new AbortController();
  const pending = runK6(bin, [], { signal: ac.signal, timeoutMs: 60_000 });
  setTimeout(() => ac.abort(), 100);
  const r = await pending;
  assert.equal(r.aborted, true);
  assert.equal(r.timedOut, false);
  await assert.rejects(runK6(join(root, 'does-not-exist'), []), /cannot run k6/);
});

test('runK6 keeps only the tail of very long output', { skip: skipOnWindows }, async () => {
  const bin = script(join(root, 'l'), 'k6', 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done');
  const r = await runK6(bin, [], { maxCaptureBytes: 1000 });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^\[earlier output dropped\]\n/);
  assert.ok(r.stdout.endsWith('line 1999\n'));
  assert.ok(r.stdout.length < 1100);
});
