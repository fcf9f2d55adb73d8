// Compiles the TypeScript CLI (cli/main.ts and what it imports) into dist-cli/ with esbuild, so that
// `cartload` starts without compiling TypeScript at each start. Run by `npm ci` / `npm install`
// (the `prepare` script) and by the bin itself when a source file changed since the last build,
// so neither tests nor developers ever run stale code. dist-cli/ is git-ignored.
//
// Code splitting keeps the CLI's lazy imports lazy: the entry chunk holds the parser and the
// command modules' options; each command's library code (engine, emulator, generators, esbuild,
// ...) is its own chunk, loaded only when that command runs. Packages stay in node_modules.
//
// Concurrent builds (tests spawning many CLIs after an edit) are safe: file names carry a content
// hash, each file is written to a temporary name and renamed, and the manifest that names the
// entry is written last, the same way.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The compiled CLI; a module that finds files beside it still does (see sourceMetaUrl). */
export const OUT_DIR = join(ROOT, 'dist-cli');
export const MANIFEST = join(OUT_DIR, 'manifest.json');

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const DEPENDENCIES = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];

/**
 * The compiled entry's path when dist-cli/ is fresh (no input changed since it was built), else
 * undefined. Costs one small read and one stat per source file (about 160 files: 5 ms of CPU).
 */
export function freshEntry() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
  for (const input of manifest.inputs) {
    try {
      if (statSync(join(ROOT, input)).mtimeMs > manifest.builtAt) return undefined;
    } catch {
      return undefined;
    }
  }
  return join(OUT_DIR, manifest.entry);
}

/**
 * yargs' help layout (cliui, wrap-ansi) measures every line with string-width 7, which segments
 * each string into graphemes and tests each against an emoji pattern: most of the cost of
 * `cartload <command> --help`. string-width 8, which yargs itself depends on, returns the same
 * widths with a fast path for ASCII; the bundle uses it for all three.
 */
function oneStringWidth() {
  let path;
  try {
    path = fileURLToPath(import.meta.resolve('string-width'));
  } catch {
    return {
      name: 'one-string-width',
      setup() {
        // Nothing to unify: string-width is not installed.
      },
    };
  }
  return { name: 'one-string-width', setup: (b) => b.onResolve({ filter: /^string-width$/ }, () => ({ path })) };
}

/**
 * Modules find files beside them with `new URL('./client.js', import.meta.url)` (the HTML report's
 * script, package.json, the project root). In a bundle import.meta.url is the chunk's, in
 * dist-cli/; this gives each project module its own source file's URL again, relative to the
 * chunk, so such paths resolve as they do from the sources, wherever the project folder is.
 */
function sourceMetaUrl() {
  return {
    name: 'source-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const rel = relative(ROOT, args.path);
        if (rel.startsWith('..') || rel.startsWith('node_modules')) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const own = `new URL(${JSON.stringify(`../${rel.split(sep).join('/')}`)}, import.meta.url).href`;
        return { contents: text.replaceAll('import.meta.url', own), loader: 'ts' };
      });
    },
  };
}

function writeAtomically(file, contents) {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(tmp, contents);
  renameSync(tmp, file);
}

/** Builds dist-cli/ and returns the entry's path. `clean` removes earlier builds first (prepare does). */
export async function compileCli({ clean = false } = {}) {
  const { build } = await import('esbuild');
  // Taken before reading the sources: a file saved during the build counts as changed after it.
  const builtAt = Date.now();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'cli/main.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Packages load from node_modules, except yargs, which every start needs: bundled, it loads
    // in about half the time (one file instead of dozens, resolved once).
    external: DEPENDENCIES.filter((d) => d !== 'yargs'),
    outdir: OUT_DIR,
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    plugins: [oneStringWidth(), sourceMetaUrl()],
    logLevel: 'silent',
  });
  if (clean) rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  let entry;
  for (const file of result.outputFiles) {
    const name = relative(OUT_DIR, file.path);
    if (/^main-[^/]*\.js$/.test(name)) entry = name;
    // Content-hashed: a file already there holds these bytes.
    try {
      statSync(file.path);
      continue;
    } catch {
      writeAtomically(file.path, file.contents);
    }
  }
  if (!entry) throw new Error('esbuild produced no main-*.js entry');
  const inputs = [...Object.keys(result.metafile.inputs), 'package.json', 'bin/compile.mjs'].sort();
  writeAtomically(MANIFEST, `${JSON.stringify({ entry, builtAt, inputs }, null, 1)}\n`);
  return join(OUT_DIR, entry);
}

// `node bin/compile.mjs`: a clean build (the prepare script).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const entry = await compileCli({ clean: true });
  console.error(`compiled the CLI into ${relative(process.cwd(), entry)} in ${Date.now() - started} ms`);
}
