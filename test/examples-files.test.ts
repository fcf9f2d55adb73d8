// The files in examples/ work as the README says: the profile resolves, the pools load, the export
// replays against the local target without a failure, and the workflow calls real commands and options.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadProfile } from '../generators/profile-file.ts';
import { resolveProfile } from '../generators/profiles.ts';
import { readCsvPool } from '../generators/user-pools.ts';
import type { RunSummary } from '../model/summary.ts';
import { startTarget } from '../emulator/server/index.ts';
import { runMain } from './helpers/cli.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');
const EX = join(ROOT, 'examples');
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-examples-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// The CLI's main() in this process: what is under test is the examples, not the bin.
const cartload = (args: string[], env: Record<string, string> = {}) =>
  runMain(args, { env: { TALON_BASE_URL: '', TALON_API_KEY: '', ...env } });

test('examples/traffic-profile.json resolves over its preset', async () => {
  const p = await loadProfile(join(EX, 'traffic-profile.json'));
  assert.equal(p.name, 'weekend-promo');
  assert.equal(p.coupons.sessionShare, 0.6);
  assert.equal(p.lifecycles.checkout, 45);
  // Fields the file leaves out come from the preset it extends.
  const base = resolveProfile('default');
  assert.deepEqual(p.loyalty, base.loyalty);
  assert.deepEqual(p.returns, base.returns);
});

test('examples/pools/*.csv load as the coupon and profile pools', async () => {
  assert.deepEqual(await readCsvPool('validCoupons', join(EX, 'pools/coupons.csv')), [
    'CLWEEKEND2026',
    'CLWKND7K2P9Q',
    'CLWKND4M8R2T',
    'CLWKND9X3V6B',
    'CLWKND2H5N8J',
  ]);
  assert.deepEqual(await readCsvPool('profileIds', join(EX, 'pools/profiles.csv')), [
    'cust-8841',
    'cust-8842',
    'cust-9120',
    'cust-9377',
  ]);
});

test('examples/session-export.csv replays against the local target with no failure', async () => {
  const target = await startTarget({ apiKey: 'examples-test-key' });
  try {
    const r = await cartload(
      [
        'replay',
        join(EX, 'session-export.csv'),
        '--target',
        target.url,
        '--asap',
        '--results-dir',
        join(dir, 'r'),
        '--run-id',
        'export',
        '--no-progress',
      ],
      { TALON_API_KEY: 'examples-test-key' },
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
  } finally {
    await target.close();
  }
  const s = JSON.parse(await readFile(join(dir, 'r/export/summary.json'), 'utf8')) as RunSummary;
  assert.equal(s.requests.failed, 0);
  // Each row becomes the requests its final state implies: every session opens; the closed, the
  // returned, the cancelled-after-checkout and the reopened one close first.
  const counts = Object.fromEntries(Object.entries(s.requests.byStep).map(([k, v]) => [k, v.count]));
  assert.deepEqual(counts, { open: 5, close: 4, reopen: 1, return: 1, cancel: 1 });
  assert.equal(s.sessions.started, 5);
  assert.equal(s.sessions.failed, 0);
});

test('examples/github-actions.yml calls existing commands with options they accept', async () => {
  const yml = await readFile(join(EX, 'github-actions.yml'), 'utf8');
  assert.doesNotMatch(yml, /\t/, 'YAML forbids tabs in indentation');
  const calls = [...yml.matchAll(/npx cartload (\w[\w-]*)([^\n&|]*)/g)].map((m) => ({
    cmd: m[1]!,
    options: [...m[2]!.matchAll(/--([\w-]+)/g)].map((o) => o[1]!),
  }));
  assert.deepEqual([...new Set(calls.map((c) => c.cmd))].sort(), ['compare', 'convert', 'run', 'target']);
  for (const { cmd, options } of calls) {
    const help = await cartload([cmd, '--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const o of options) assert.match(help.stdout, new RegExp(`--${o}\\b`), `cartload ${cmd} has no --${o}`);
  }
  // The baseline the compare step downloads is the artifact main uploads.
  assert.match(yml, /gh run download "\$id" --name cartload-baseline --dir baseline/);
  assert.match(yml, /with: \{ name: cartload-baseline, path: results\/current\/ \}/);
  assert.match(yml, /--run-id current\b/);
});

test('examples/github-actions.yml comments the comparison and fails only on a regression (exit 99)', async () => {
  const yml = await readFile(join(EX, 'github-actions.yml'), 'utf8');
  assert.match(yml, /pull-requests: write/);
  assert.match(yml, /npx cartload compare baseline results\/current --markdown compare\.md/);
  assert.match(yml, /gh pr comment "\$\{\{ github\.event\.pull_request\.number \}\}" --body-file compare\.md/);
  assert.match(yml, /if: steps\.compare\.outputs\.code == '99'\n\s+run: exit 99/);
  // The compare step itself never fails the job: the comment must still be posted.
  assert.match(yml, /set \+e\n\s+npx cartload compare/);
  // docs/compare.md shows the same steps.
  const doc = await readFile(join(EX, '..', 'docs', 'compare.md'), 'utf8');
  const step = yml.slice(
    yml.indexOf('      - name: compare with the baseline'),
    yml.indexOf(
      '      - uses: actions/upload-artifact@v4\n        if: always()\n        with: { name: cartload-results',
    ),
  );
  assert.ok(doc.includes(step), "docs/compare.md holds the workflow's compare and comment steps as they are");
});
