// Turns a k6 bundle (ESM importing `k6` and `k6/*`) into one script that a node:vm context can
// run: esbuild re-bundles it as an IIFE whose `k6/*` imports resolve to the harness's shims
// (harness/shim/), so each VU context gets its own copy of the modules, as each k6 VU does.
// The shims' globals (__ENV, __VU, __ITER, open, console) are evaluated before the script's code.
import { build, type Plugin } from 'esbuild';
import { statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const SHIM_DIR = resolve(dirname(fileURLToPath(import.meta.url)), 'shim');

/** k6 modules the harness emulates, and the shim that stands in for each. */
export const EMULATED_MODULES: Readonly<Record<string, string>> = {
  k6: 'k6.ts',
  'k6/http': 'http.ts',
  'k6/metrics': 'metrics.ts',
  'k6/data': 'data.ts',
  'k6/execution': 'execution.ts',
  'k6/crypto': 'crypto.ts',
  'k6/encoding': 'encoding.ts',
};

/** The global the compiled script leaves its exports in. */
export const EXPORTS_GLOBAL = '__cartloadK6Exports';

export interface CompiledBundle {
  file: string;
  script: vm.Script;
  /** Size of the compiled script (bundle plus shims), in bytes. */
  bytes: number;
  /** The script's code and source map, to compile it again in another thread (compiledFromCode). */
  code: string;
  map: string;
  /**
   * A stack trace with the compiled script's positions replaced by the sources' (through the
   * bundle's own source map when it has one: scenarios/*.ts), as k6 reports them.
   */
  mapStack(stack: string): string;
  /**
   * The source file (relative to the working folder) that a position of the compiled script
   * comes from: the script's own sources through its source map, or the harness's shims; 0-based.
   */
  sourceAt(line: number, column: number): string | undefined;
  /** The compiled script's name in stack traces and CPU profiles. */
  scriptName: string;
}

/** Script name in stack traces; mapStack() replaces its positions. */
export const SCRIPT_SUFFIX = ' [k6 harness]';

function stackMapper(map: SourceMap, scriptName: string, bundleDir: string): (stack: string) => string {
  const escaped = scriptName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g');
  return (stack) =>
    stack.replace(frame, (whole, line: string, column: string) => {
      const e = map.findEntry(Number(line) - 1, Number(column) - 1) as {
        originalSource?: string;
        originalLine?: number;
        originalColumn?: number;
      };
      if (e.originalSource === undefined || e.originalLine === undefined || e.originalColumn === undefined)
        return whole;
      const source = e.originalSource.startsWith('file://')
        ? fileURLToPath(e.originalSource)
        : resolve(bundleDir, e.originalSource);
      return `${relative(process.cwd(), source) || source}:${e.originalLine + 1}:${e.originalColumn + 1}`;
    });
}

const k6Shims: Plugin = {
  name: 'cartload-k6-shims',
  setup(b) {
    b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => {
      const shim = EMULATED_MODULES[args.path];
      return shim ? { path: resolve(SHIM_DIR, shim) } : { path: args.path, namespace: 'k6-missing' };
    });
    // A module k6 has but the harness does not emulate fails when the script loads it, by name.
    b.onLoad({ filter: /.*/, namespace: 'k6-missing' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not emulated by the cartload k6 harness (emulated: ${Object.keys(EMULATED_MODULES).join(', ')})`)});`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^https?:\/\// }, (args) => ({
      errors: [
        {
          text: `remote module ${args.path}: k6 would download it at run time; the harness (and many CI networks) cannot. Bundle it instead.`,
        },
      ],
    }));
  },
};

const cache = new Map<string, { key: string; compiled: CompiledBundle }>();

/** Compiles a bundle for the harness (cached while the file's size and mtime stay the same). */
export async function compileBundle(file: string): Promise<CompiledBundle> {
  const abs = resolve(file);
  const st = statSync(abs);
  const key = `${st.size}:${st.mtimeMs}`;
  const hit = cache.get(abs);
  if (hit?.key === key) return hit.compiled;
  const { code, map } = await compileBundleCode(abs);
  const compiled = compiledFromCode(abs, code, map);
  cache.set(abs, { key, compiled });
  return compiled;
}

/** A compiled bundle from code compileBundleCode made (in another thread: a vm.Script cannot be passed). */
export function compiledFromCode(file: string, code: string, map: string): CompiledBundle {
  const abs = resolve(file);
  const scriptName = `${abs}${SCRIPT_SUFFIX}`;
  const mapDir = dirname(`${abs}.harness.js`);
  // The source map is parsed only when a stack or a position needs it: a VU thread of the paced
  // stand-in compiles the script again and would parse it for nothing.
  let parsed: SourceMap | undefined;
  const sourceMap = (): SourceMap =>
    (parsed ??= new SourceMap(JSON.parse(map) as ConstructorParameters<typeof SourceMap>[0]));
  let mapper: ((stack: string) => string) | undefined;
  return {
    file: abs,
    script: new vm.Script(code, { filename: scriptName }),
    bytes: Buffer.byteLength(code),
    code,
    map,
    mapStack: (stack) => (mapper ??= stackMapper(sourceMap(), scriptName, mapDir))(stack),
    sourceAt: (line, column) => {
      const e = sourceMap().findEntry(line, column) as { originalSource?: string };
      if (e.originalSource === undefined) return undefined;
      const source = e.originalSource.startsWith('file://')
        ? fileURLToPath(e.originalSource)
        : resolve(mapDir, e.originalSource);
      return relative(process.cwd(), source) || source;
    },
    scriptName,
  };
}

/** The script a VU context runs for a bundle, and its source map (text). */
export async function compileBundleCode(file: string): Promise<{ code: string; map: string }> {
  const abs = resolve(file);
  const entry = [
    `import ${JSON.stringify(resolve(SHIM_DIR, 'globals.ts'))};`,
    `import * as script from ${JSON.stringify(abs)};`,
    `globalThis.${EXPORTS_GLOBAL} = script;`,
  ].join('\n');
  const result = await build({
    stdin: { contents: entry, resolveDir: dirname(abs), sourcefile: 'cartload-harness-entry.js', loader: 'js' },
    outfile: `${abs}.harness.js`,
    bundle: true,
    write: false,
    // esbuild follows the bundle's own sourceMappingURL, so positions map to the TypeScript sources.
    sourcemap: 'external',
    sourcesContent: false,
    format: 'iife',
    platform: 'neutral',
    target: 'es2022',
    logLevel: 'silent',
    // k6 evaluates ES modules, which are strict code; the IIFE must stay strict too.
    banner: { js: '"use strict";' },
    plugins: [k6Shims],
  });
  const code = result.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))!.text;
  return { code, map };
}
