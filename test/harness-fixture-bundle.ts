// Bundles a k6 script from test/fixtures/harness/ the way `cartload build` bundles the scenarios
// (ESM, `k6` and `k6/*` external, a linked source map), into a temporary folder that also holds the fixtures' data/,
// so that the harness runs a real bundle and open() resolves relative to it.
import { build } from 'esbuild';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('./fixtures/harness/', import.meta.url));

export interface FixtureBundles {
  dir: string;
  /** Bundles a fixture file (name in test/fixtures/harness/) or inline source; returns the bundle's path. */
  bundle(nameOrSource: string, as?: string): Promise<string>;
  cleanup(): void;
}

export function fixtureBundles(): FixtureBundles {
  const dir = mkdtempSync(join(tmpdir(), 'cartload-harness-'));
  cpSync(join(FIXTURES, 'data'), join(dir, 'data'), { recursive: true });
  let n = 0;
  return {
    dir,
    async bundle(nameOrSource, as) {
      const inline = nameOrSource.includes('\n') || nameOrSource.includes(';');
      let entry = join(FIXTURES, nameOrSource);
      if (inline) {
        entry = join(dir, `inline-${++n}.src.js`);
        writeFileSync(entry, nameOrSource);
      }
      const outfile = join(dir, as ?? (inline ? `inline-${n}.js` : nameOrSource));
      await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        external: ['k6', 'k6/*'],
        sourcemap: 'linked',
        logLevel: 'silent',
      });
      return outfile;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
