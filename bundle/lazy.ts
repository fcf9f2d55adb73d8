// Lazy modules for k6 bundles. k6 evaluates the whole script in every VU, and its engine makes a
// Go object for every function a module declares, whether the VU ever calls it or not: the code
// that builds the options, checks the target in setup() and writes the summary (used by one VU
// each) would cost every VU its functions. A module named `*.lazy.ts` is bundled on its own and
// wrapped in a function that runs on the first call of one of its exports, so only the VU that
// calls it creates its functions. Its exports must be functions (each becomes a forwarder); the k6
// modules it imports stay imports of the bundle; its source map is kept (stack traces point into
// its sources).
import { dirname, isAbsolute, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

export const LAZY_MODULE = /\.lazy\.ts$/;

const K6_IMPORT = /^import .* from "k6(\/[^"]*)?";$/;

const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/**
 * The code with its inline source map's paths made absolute: esbuild reads a relative one from the
 * output's folder when the code comes from a plugin's namespace rather than from a file.
 */
function absoluteSources(code: string, dir: string): string {
  const m = INLINE_MAP.exec(code);
  if (!m) return code;
  const map = JSON.parse(Buffer.from(m[1] as string, 'base64').toString('utf8')) as { sources: string[] };
  map.sources = map.sources.map((s) => (isAbsolute(s) ? s : resolve(dir, s)));
  return `${code.slice(0, m.index)}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}

/** A lazy module's bundled ESM code as a module exporting `__lazyLoad()`, and its export names. */
export function wrapLazy(code: string, file: string): { body: string; exports: string[] } {
  const lines = code.split('\n');
  const imports: string[] = [];
  const exported: [string, string][] = [];
  const body: string[] = [];
  let map = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (K6_IMPORT.test(line)) {
      // Moved to the end (imports are hoisted): every other line keeps its number, for the source map.
      imports.push(line);
      body.push('');
    } else if (line === 'export {') {
      for (i++; i < lines.length && lines[i] !== '};'; i++) {
        const m = /^\s*([\w$]+)(?: as ([\w$]+))?,?$/.exec(lines[i] as string);
        if (!m) throw new Error(`${file}: cannot read the export "${lines[i]}" of the lazy module`);
        exported.push([m[1] as string, m[2] ?? (m[1] as string)]);
      }
      body.push('');
    } else if (line.startsWith('//# sourceMappingURL=')) map = line;
    else if (/^(import|export) /.test(line))
      throw new Error(
        `${file}: a lazy module may import only k6 modules from outside its bundle, and export only functions (found: ${line})`,
      );
    else body.push(line);
  }
  if (exported.length === 0) throw new Error(`${file}: a lazy module must export functions`);
  const api = exported.map(([local, name]) => `${JSON.stringify(name)}: ${local}`).join(', ');
  return {
    // The head shares the first line (an import or a comment in esbuild's output) so that every
    // line of the sources keeps its number.
    body: [
      `let __lazyApi; export function __lazyLoad() { if (__lazyApi === undefined) {${body.join('\n')}`,
      `__lazyApi = { ${api} }; } return __lazyApi; }`,
      ...imports,
      map,
    ].join('\n'),
    exports: exported.map(([, name]) => name),
  };
}

/**
 * The esbuild plugin: a `*.lazy.ts` file loads as forwarders (mapped to that file) to its bundle,
 * which a module of its own (mapped to the sources through the bundle's map) evaluates on the
 * first call. Put it before plugins that resolve every path.
 */
export function lazyModules(options: { target: string }): Plugin {
  return {
    name: 'cartload-lazy-modules',
    setup(b) {
      const bundled = new Map<string, { body: string; exports: string[] }>();
      const bundle = async (path: string): Promise<{ body: string; exports: string[] }> => {
        const done = bundled.get(path);
        if (done) return done;
        const inner = await build({
          entryPoints: [path],
          bundle: true,
          format: 'esm',
          platform: 'neutral',
          mainFields: ['module', 'main'],
          target: options.target,
          external: ['k6', 'k6/*'],
          write: false,
          // Named as the lazy module itself: the map's paths are then relative to its folder.
          outfile: path,
          sourcemap: 'inline',
          sourcesContent: false,
          logLevel: 'silent',
          legalComments: 'none',
          charset: 'utf8',
          // The bundle's other plugins (its guard) check what a lazy module pulls in too.
          plugins: b.initialOptions.plugins?.filter((p) => p.name !== 'cartload-lazy-modules') ?? [],
        });
        const out = inner.outputFiles[0];
        if (!out) throw new Error(`${path}: esbuild produced no output`);
        const wrapped = wrapLazy(absoluteSources(out.text, dirname(path)), path);
        bundled.set(path, wrapped);
        return wrapped;
      };
      b.onLoad({ filter: LAZY_MODULE, namespace: 'file' }, async (args) => {
        const { exports } = await bundle(args.path);
        const forwarders = exports.map(
          (name) => `export function ${name}(...args) { return __lazyLoad()[${JSON.stringify(name)}](...args); }`,
        );
        return {
          contents: [`import { __lazyLoad } from ${JSON.stringify(`cartload-lazy:${args.path}`)};`, ...forwarders].join(
            '\n',
          ),
          loader: 'js',
        };
      });
      b.onResolve({ filter: /^cartload-lazy:/ }, (args) => ({
        path: args.path.slice('cartload-lazy:'.length),
        namespace: 'cartload-lazy',
      }));
      b.onLoad({ filter: /.*/, namespace: 'cartload-lazy' }, async (args) => ({
        contents: (await bundle(args.path)).body,
        loader: 'js',
      }));
    },
  };
}
