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

/** Builds `files` (paths under `root`) into `outDir` as `<name>.test.mjs`, with source maps. */
export async function bundleTests(root, files, outDir) {
  await build({
    entryPoints: files.map((f) => join(root, f)),
    outdir: outDir,
    outbase: join(root, 'test'),
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
    plugins: [ownImportMeta],
    logLevel: 'silent',
  });
  return files.map((f) => join(outDir, basename(f).replace(/\.ts$/, '.mjs')));
}
