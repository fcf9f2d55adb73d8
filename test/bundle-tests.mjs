// Builds the test files into plain JavaScript for `npm test` (test/run.mjs): one esbuild pass over
// all of them (shared modules split into common chunks), npm packages left to Node. Loading a test
// through the TypeScript loader (tsx) costs each test process about half a second of CPU, most of
// the suite's fixed cost on a 2-core machine; the built files start like any JavaScript. The
// sources stay what runs everywhere else (`node --import tsx --test test/<file>.test.ts`), and a
// failure's stack points at them through the source maps.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Each module keeps its own import.meta (its URL, folder and file): code finds the files beside
 * it (fixtures, the bin, the scenarios, package.json) through them, and in a bundle they would name
 * the bundle. esbuild's define replaces only real uses, never the words inside a string, with names
 * each module declares on its first line (so no line number moves).
 */
const ownImportMeta = {
  name: 'own-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mjs)$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.')) return undefined;
      const own =
        `const __meta_url = ${JSON.stringify(pathToFileURL(args.path).href)}, ` +
        `__meta_dirname = ${JSON.stringify(dirname(args.path))}, __meta_filename = ${JSON.stringify(args.path)};`;
      return { contents: own + text, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/**
 * The entry of a shard: several test files run one after another in one process, as if each had
 * its own (the tests of one file are registered, and its top-level await settled, before the next
 * file loads). A file that fails to load is reported as a failing test of its name, and the files
 * after it still run.
 */
function shardEntry(root, files) {
  const lines = ["import { test } from 'node:test';"];
  for (const f of files) {
    lines.push(
      `try { await import(${JSON.stringify(join(root, f))}); } ` +
        `catch (err) { test(${JSON.stringify(`${f} loads`)}, () => { throw err; }); }`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Resolves the shard entries (`shard:<n>`), whose text shardEntry writes. */
function shards(root, groups) {
  return {
    name: 'shards',
    setup(b) {
      b.onResolve({ filter: /^shard:\d+$/ }, (args) => ({ path: args.path, namespace: 'shard' }));
      b.onLoad({ filter: /.*/, namespace: 'shard' }, (args) => ({
        contents: shardEntry(root, groups[Number(args.path.slice('shard:'.length))]),
        resolveDir: join(root, 'test'),
        loader: 'js',
      }));
    },
  };
}

/**
 * Builds the test files (paths under `root`) into `outDir`, with source maps: each group of one file
 * as `<name>.test.mjs`, each group of several as one `shard-<n>.test.mjs` that runs them in turn
 * (see shardEntry). Returns the built entries, one per group.
 */
export async function bundleTests(root, groups, outDir) {
  const entries = groups.map((group, i) =>
    group.length === 1
      ? { in: join(root, group[0]), out: basename(group[0]).replace(/\.ts$/, '') }
      : { in: `shard:${i}`, out: `shard-${i + 1}.test` },
  );
  await build({
    entryPoints: entries,
    outdir: outDir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    define: {
      'import.meta.url': '__meta_url',
      'import.meta.dirname': '__meta_dirname',
      'import.meta.filename': '__meta_filename',
    },
    plugins: [ownImportMeta, shards(root, groups)],
    logLevel: 'silent',
  });
  return entries.map((e) => join(outDir, `${e.out}.mjs`));
}
