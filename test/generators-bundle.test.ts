// The planner as k6 gets it: bundled by esbuild for a neutral platform and run in a bare
// JavaScript context (no Node globals, no require), where it must make the same bytes as in Node.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import vm from 'node:vm';
import { build } from 'esbuild';
import { createPlanner } from '../generators/planner.ts';
import { buildPools } from '../generators/pools.ts';

const root = join(import.meta.dirname, '..');

async function bundlePlanner(): Promise<string> {
  const out = await build({
    stdin: {
      contents:
        "export { createPlanner } from './generators/planner.ts'; export { PRESETS, resolveProfile } from './generators/profiles.ts';",
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'cartloadGenerators',
    platform: 'neutral',
    target: 'es2020',
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

test('the planner bundles without faker or Node APIs and is small', async () => {
  const code = await bundlePlanner();
  assert.doesNotMatch(code, /faker|require\(|node:|process\.|Buffer/);
  // About 63 KB: the planner, the profile compiler and the learned profiles' parts; faker alone would be megabytes.
  assert.ok(code.length < 80_000, `bundle is ${code.length} bytes`);
});

test('in a bare context the bundled planner makes byte-identical plans to Node', async () => {
  const code = await bundlePlanner();
  const pools = buildPools({ seed: 4, sizes: { products: 1500 } });
  // Pools cross into the context as JSON text, as k6's SharedArray hands over copies.
  const context = vm.createContext({ poolsJson: JSON.stringify(pools) });
  vm.runInContext(code, context);
  for (const profile of ['default', 'big-carts', 'returns-heavy']) {
    const inVm = vm.runInContext(
      `(() => { const p = cartloadGenerators.createPlanner({ pools: JSON.parse(poolsJson), profile: ${JSON.stringify(profile)}, seed: 77 });
        const out = []; for (let i = 0; i < 40; i++) out.push(JSON.stringify(p.plan(i * 31))); return out.join('\\n'); })()`,
      context,
    ) as string;
    const planner = createPlanner({ pools, profile, seed: 77 });
    const inNode = Array.from({ length: 40 }, (_, i) => JSON.stringify(planner.plan(i * 31))).join('\n');
    assert.equal(inVm, inNode, profile);
  }
  assert.equal(vm.runInContext('typeof process + typeof require', context), 'undefinedundefined');
});
