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
  /**
   * A stack trace with the compiled script's positions replaced by the sources' (through the
   * bundle's own source map when it has one: scenarios/*.ts), as k6 reports them.
   */
  mapStack(stack: string): string;
}

/** Script name in stack traces; mapStack() replaces its positions. */
export const SCRIPT_SUFFIX = ' [k6 harness]';

function stackMapper(map: SourceMap, scriptName: string, bundleDir: string): (stack: string) => string {
  const escaped = scriptName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const frame = new RegExp(`${escaped}:(\\d+):(\\d+)`, 'g');
  return (stack) =>
    stack.replace(frame, (whole, line: string, column: string) => {
      const e = map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
      if (e.originalSource === undefined || e.originalLine === undefined || e.originalColumn === undefined) return whole;
      const source = e.originalSource.startsWith('file://') ? fileURLToPath(e.originalSource) : resolve(bundleDir, e.originalSource);
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
      errors: [{ text: `remote module ${args.path}: k6 would download it at run time; the harness (and many CI networks) cannot. Bundle it instead.` }],
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
  const mapText = result.outputFiles.find((f) => f.path.endsWith('.map'))!.text;
  const scriptName = `${abs}${SCRIPT_SUFFIX}`;
  const compiled: CompiledBundle = {
    file: abs,
    script: new vm.Script(code, { filename: scriptName }),
    bytes: Buffer.byteLength(code),
    mapStack: stackMapper(new SourceMap(JSON.parse(mapText) as ConstructorParameters<typeof SourceMap>[0]), scriptName, dirname(`${abs}.harness.js`)),
  };
  cache.set(abs, { key, compiled });
  return compiled;
}
