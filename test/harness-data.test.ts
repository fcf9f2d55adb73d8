// SharedArray and open() in the harness: made once per test, shared by every VU, read-only, and
// open() relative to the bundle and only in the init context, as in k6.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { runK6Bundle } from './harness/index.ts';
import { fixtureBundles } from './harness-fixture-bundle.ts';

const fx = fixtureBundles();
after(() => fx.cleanup());

test('the SharedArray callback runs once for the whole test, and every VU reads the same frozen items', async () => {
  const bundle = await fx.bundle('shared.js');
  const r = await runK6Bundle({ bundle, vus: 3, iterations: 4 });
  assert.deepEqual(r.errors, []);
  const built = r.console.filter((c) => c.message === 'building items');
  assert.equal(built.length, 1, 'one callback for VU 0 and three VUs');
  assert.equal(built[0]!.vu, 0);
  assert.equal(built[0]!.phase, 'init');
  const seen = r.console
    .filter((c) => c.message.startsWith('{'))
    .map((c) => JSON.parse(c.message) as Record<string, unknown>);
  assert.deepEqual(
    seen.map((s) => s.sku),
    ['SKU-1', 'SKU-2', 'SKU-3', 'SKU-1'],
  );
  for (const s of seen) {
    assert.equal(s.length, 3);
    assert.equal(s.isArray, true);
    assert.deepEqual(s.spread, ['SKU-1', 'SKU-2', 'SKU-3']);
    assert.deepEqual(s.keys, ['0', '1', '2']);
    assert.equal(s.inOperator, true);
    assert.equal(s.frozen, true);
    assert.equal(s.setError, 'TypeError', 'a SharedArray cannot be written');
    assert.equal(s.freezeError, 'TypeError', 'its items are frozen (bundles are strict mode)');
    assert.equal(s.notesLines, 3, 'open() reads text relative to the bundle');
    assert.equal(s.bytesIsArrayBuffer, true);
    assert.equal(s.byteLength, 18);
    assert.match(String(s.openError), /^The "open\(\)" function is only available in the init stage/);
    assert.equal(s.sharedError, 'new SharedArray must be called in the init context');
  }
});

test('open() of a missing file fails the init, naming the file', async () => {
  const bundle = await fx.bundle(
    `/* global open */\nconst x = open('./data/nope.json');\nexport default function () { return x; }\n`,
  );
  await assert.rejects(
    runK6Bundle({ bundle }),
    /init of VU 0 failed: open .*data\/nope\.json: no such file or directory/,
  );
});

test('a SharedArray callback that does not return an array fails as in k6', async () => {
  const bundle = await fx.bundle(
    `import { SharedArray } from 'k6/data';\nconst a = new SharedArray('x', () => ({ not: 'an array' }));\nexport default function () { return a; }\n`,
  );
  await assert.rejects(runK6Bundle({ bundle }), /only arrays can be made into SharedArray/);
});
