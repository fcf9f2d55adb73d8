import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BuildError, buildScenarios, PROJECT_ROOT, scenarioEntries, type BuildReport } from '../bundle/index.ts';
import { checkBundle } from '../bundle/check.ts';
import { wrapLazy } from '../bundle/lazy.ts';
import { runK6Bundle } from './harness/index.ts';
import { runMain } from './helpers/cli.ts';
import { POOL_NAMES } from '../generators/types.ts';
import { compilePlanModel } from '../generators/plan-compile.ts';
import { PRESET_NAMES, PRESETS } from '../generators/profiles.ts';

let dir: string;
let report: BuildReport;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-build-'));
  report = await buildScenarios({ outDir: join(dir, 'dist'), seed: 7 });
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fixture = (name: string): string => join(PROJECT_ROOT, 'test/fixtures/bundle', name);

async function buildError(entry: string): Promise<BuildError> {
  const out = await mkdtemp(join(dir, 'fail-'));
  // What an earlier, good build of the same entry left behind.
  const name = entry.replace(/\.ts$/, '');
  await writeFile(join(out, `${name}.js`), 'export default function () {}');
  await writeFile(join(out, `${name}.js.map`), '{}');
  try {
    await buildScenarios({ outDir: out, entries: [fixture(entry)], writePools: false });
  } catch (err) {
    assert.ok(err instanceof BuildError, `expected a BuildError, got ${String(err)}`);
    assert.deepEqual(await readdir(out), [], 'a failed build leaves no bundle behind, not even an old one');
    return err;
  }
  assert.fail(`building ${entry} should have failed`);
}

test('every scenarios/*.ts entry becomes dist/<name>.js with a linked source map', async () => {
  const entries = (await scenarioEntries()).map((e) => e.slice(e.lastIndexOf('/') + 1, -3));
  assert.deepEqual(
    report.bundles.map((b) => b.name),
    entries,
  );
  for (const name of ['smoke', 'lifecycle', 'capacity', 'big-carts', 'dry-run'])
    assert.ok(entries.includes(name), `scenario ${name} exists`);
  for (const b of report.bundles) {
    const code = await readFile(b.file, 'utf8');
    assert.equal(Buffer.byteLength(code), b.bytes);
    assert.match(code, new RegExp(`//# sourceMappingURL=${b.name}\\.js\\.map\\s*$`));
    const map = JSON.parse(await readFile(b.sourceMap, 'utf8')) as { sources: string[] };
    assert.ok(
      map.sources.some((s) => s.endsWith(`scenarios/${b.name}.ts`)),
      'the map points at the TypeScript source',
    );
  }
});

test('bundles are ESM that import only k6 modules, with no Node globals and no faker, and stay small', async () => {
  for (const b of report.bundles) {
    const code = await readFile(b.file, 'utf8');
    const imports = [...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1] as string);
    assert.ok(imports.length > 0);
    for (const i of imports) assert.ok(i === 'k6' || i.startsWith('k6/'), `${b.name} imports ${i}`);
    assert.match(code, /^export \{/m, 'ESM exports');
    assert.doesNotMatch(code, /@faker-js|faker\.seed|module\.exports/);
    // About 135 KB (capacity 155 KB), most of it lazy modules that each carry what they import: the
    // profile compiler (presets, validation, what-if edits, learned parts) is one of them. Faker alone would be megabytes.
    assert.ok(b.bytes < 200_000, `${b.name} is ${b.bytes} bytes: something large was bundled`);
  }
});

test('pools.json beside the bundles holds every pool, seeded', async () => {
  assert.ok(report.pools);
  assert.equal(report.pools.file, join(dir, 'dist', 'pools.json'));
  assert.equal(report.pools.seed, 7);
  const pools = JSON.parse(await readFile(report.pools.file, 'utf8')) as Record<string, unknown[]>;
  assert.deepEqual(Object.keys(pools), [...POOL_NAMES, 'planModels']);
  assert.ok((pools.products?.length ?? 0) > 0);
  // Every preset compiled against these pools, so that no k6 VU builds a profile's tables itself.
  const sizes = POOL_NAMES.map((name) => pools[name]!.length);
  const models = pools.planModels as { name: string; sizes: number[]; tables: number[] }[];
  assert.deepEqual(
    models.map((m) => m.name),
    PRESET_NAMES,
  );
  for (const m of models) {
    assert.deepEqual(m.sizes, sizes);
    assert.deepEqual(
      m,
      JSON.parse(JSON.stringify(compilePlanModel(PRESETS[m.name]!, sizes))),
      `${m.name}: as compiled in Node`,
    );
  }
  const again = await buildScenarios({ outDir: join(dir, 'again'), seed: 7, entries: [fixture('clean.ts')] });
  assert.equal(
    await readFile(again.pools?.file as string, 'utf8'),
    await readFile(report.pools.file, 'utf8'),
    'same seed, same pools (the text the first build kept)',
  );
});

test('a user pools file is validated and shipped instead of generated pools', async () => {
  const own = join(dir, 'own-pools.json');
  const pools = JSON.parse(await readFile(report.pools?.file as string, 'utf8')) as Record<string, unknown[]>;
  pools.stores = ['store-a', 'store-b'];
  await writeFile(own, JSON.stringify(pools));
  const r = await buildScenarios({ outDir: join(dir, 'own'), pools: own, entries: [fixture('clean.ts')] });
  assert.equal(r.pools?.source, 'file');
  assert.equal(r.pools?.sizes.stores, 2);

  const bad = join(dir, 'bad-pools.json');
  await writeFile(bad, JSON.stringify({ ...pools, products: [{ sku: '' }] }));
  await assert.rejects(
    buildScenarios({ outDir: join(dir, 'bad'), pools: bad, entries: [fixture('clean.ts')] }),
    (err: unknown) => {
      assert.ok(err instanceof BuildError);
      assert.match(err.message, /bad-pools\.json/);
      assert.match(err.message, /products/);
      return true;
    },
  );
});

test('an entry that reaches node:fs fails with the import chain', async () => {
  const err = await buildError('uses-node.ts');
  assert.match(
    err.message,
    /test\/fixtures\/bundle\/uses-node\.ts → test\/fixtures\/bundle\/lib\/reads-file\.ts → node:fs/,
  );
  assert.match(err.message, /Node built-in/);
});

test('an entry that pulls in faker fails with the import chain', async () => {
  const err = await buildError('uses-faker.ts');
  assert.match(
    err.message,
    /test\/fixtures\/bundle\/uses-faker\.ts → test\/fixtures\/bundle\/lib\/fake-name\.ts → @faker-js\/faker/,
  );
  assert.match(err.message, /SharedArray/);
});

test('a Node global in the emitted code fails the build with its line', async () => {
  const err = await buildError('uses-process.ts');
  assert.match(err.message, /uses-process\.js uses the Node global process at line \d+/);
});

test('checkBundle rejects foreign imports, CommonJS and a bundle with nothing to run', () => {
  const output = {
    bytes: 10,
    inputs: {},
    imports: [{ path: 'lodash', kind: 'import-statement' as const, external: true }],
    exports: ['options'],
  };
  const problems = checkBundle('module.exports = {};\nconst b = Buffer.from("x");', output);
  assert.ok(problems.some((p) => p.includes('imports lodash')));
  assert.ok(problems.some((p) => p.includes('CommonJS')));
  assert.ok(problems.some((p) => p.includes('Node global Buffer at line 2')));
  assert.ok(problems.some((p) => p.includes('no default function')));
  assert.ok(
    checkBundle('', { ...output, imports: [], exports: ['options', 'lifecycle'] }).some((p) =>
      p.includes('no default function'),
    ),
    'a scenario exec alone is not enough',
  );
  const fine = { ...output, imports: [], exports: ['options', 'default'] };
  assert.deepEqual(checkBundle('const s = "uses process.env in a string"; // require("x")', fine), []);
  assert.deepEqual(checkBundle('const q = /["\'`]/g; const t = `a ${q} process.env`;', fine), []);
  assert.equal(
    checkBundle('const q = /["\']/g;\nconst e = process.env.X;', fine)[0],
    'uses the Node global process at line 2: process.env.X;',
  );
});

test('cartload build prints each bundle size and exits 0; a forbidden import exits 2', async () => {
  // main() in this process for the output and the exit codes; the bin once, for its working folder.
  const out = join(dir, 'cli');
  const ok = await runMain(['build', '--out-dir', out, '--entry', fixture('clean.ts')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /clean\.js\s+\d+(\.\d)? (B|kB)/);
  assert.match(ok.stdout, /pools\.json .*generated, seed 1/);
  assert.notEqual(
    await readFile(join(out, 'pools.json'), 'utf8'),
    await readFile(report.pools?.file as string, 'utf8'),
    'another seed, other pools: nothing kept from the seed 7 build',
  );
  assert.match(ok.stdout, /results\/ .*k6 runs write their results here/);
  const bad = await runMain(['build', '--out-dir', out, '--entry', fixture('uses-node.ts')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /uses-node\.ts → .*reads-file\.ts → node:fs/);
  // Relative paths are the user's: taken from where cartload runs, not from the project.
  await copyFile(report.pools?.file as string, join(dir, 'rel-pools.json'));
  const elsewhere = spawnSync(
    process.execPath,
    [
      join(PROJECT_ROOT, 'bin/cartload.mjs'),
      'build',
      '--out-dir',
      'rel-out',
      '--pools',
      'rel-pools.json',
      '--entry',
      fixture('clean.ts'),
    ],
    { cwd: dir, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(elsewhere.status, 0, elsewhere.stderr);
  assert.match(elsewhere.stdout, /rel-out\/clean\.js/);
  assert.match(elsewhere.stdout, /pools\.json .*rel-pools\.json/);
  assert.ok(
    existsSync(join(dir, 'results')),
    'the results folder is made where cartload build runs: where k6 runs from',
  );
});

test('a *.lazy.ts module is evaluated on the first call of one of its exports, keeps its k6 imports, and maps its stack frames to its sources', async () => {
  const out = join(dir, 'lazy');
  const r = await buildScenarios({ outDir: out, entries: [fixture('lazy-entry.ts')], writePools: false });
  const file = r.bundles[0]!.file;
  const code = await readFile(file, 'utf8');
  assert.match(code, /^import http from "k6\/http";$/m, 'the lazy module’s k6 import stays an import of the bundle');
  assert.doesNotMatch(
    code,
    /^function double\d*\(n\)/m,
    "the lazy module's own functions are not at the top level (its forwarders are)",
  );

  // Its top level runs only when an export is first called, once.
  const evaluated = (): number => (globalThis as { lazyEvaluations?: number }).lazyEvaluations ?? 0;
  await writeFile(join(out, 'k6-http-stub.mjs'), 'export default { get: () => ({ status: 200 }) };');
  const runnable = join(out, 'lazy-node.mjs');
  await writeFile(
    runnable,
    code.replace('from "k6/http"', 'from "./k6-http-stub.mjs"').replace(/^\/\/# sourceMappingURL=.*$/m, ''),
  );
  (globalThis as { __ENV?: Record<string, string> }).__ENV = {};
  const before = evaluated();
  const m = (await import(runnable)) as { default: () => void; evaluations: () => number };
  assert.equal(evaluated(), before, 'loading the bundle evaluates nothing of the lazy module');
  m.default();
  m.default();
  assert.equal(evaluated(), before + 1, 'the first call evaluates it, once');
  delete (globalThis as { __ENV?: unknown }).__ENV;

  const failed = await runK6Bundle({ bundle: file, env: { FAIL: '1' } });
  assert.match(
    failed.errors[0]?.stack ?? '',
    /test\/fixtures\/bundle\/lib\/lazy-impl\.ts:\d+:\d+/,
    failed.errors[0]?.stack,
  );
  assert.match(
    failed.errors[0]?.stack ?? '',
    /test\/fixtures\/bundle\/lib\/tools\.lazy\.ts/,
    'the forwarder is named by the lazy module',
  );
});

test('wrapLazy refuses what a lazy module cannot be: no exports, or imports from outside k6', () => {
  assert.throws(() => wrapLazy('// x.ts\nconst a = 1;\n', 'x.lazy.ts'), /must export functions/);
  assert.throws(() => wrapLazy('import x from "lodash";\nexport {\n  x\n};\n', 'x.lazy.ts'), /import only k6 modules/);
  const { exports } = wrapLazy(
    '// x.ts\nfunction a() {}\nfunction b2() {}\nexport {\n  a,\n  b2 as b\n};\n',
    'x.lazy.ts',
  );
  assert.deepEqual(exports, ['a', 'b']);
});
