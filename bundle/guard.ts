// An esbuild plugin that keeps Node and faker out of the k6 bundles. k6 has no Node APIs, and faker
// costs megabytes per VU (every VU evaluates the bundle), so an import of either fails the build with the whole
// import chain from the scenario down to the offending specifier: the fix is usually in the middle.
import { builtinModules } from 'node:module';
import { relative, sep } from 'node:path';
import type { Plugin } from 'esbuild';

const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

/** Why a bare import specifier may not appear in a k6 bundle, or undefined when it may. */
export function forbiddenReason(specifier: string): string | undefined {
  if (specifier.startsWith('node:')) return 'a Node built-in module (k6 has no Node APIs)';
  const top = specifier.split('/')[0] ?? specifier;
  if (NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(top)) return 'a Node built-in module (k6 has no Node APIs)';
  if (specifier === '@faker-js/faker' || specifier.startsWith('@faker-js/')) {
    return 'faker (build data pools in Node with generators/pools.ts and load them with SharedArray)';
  }
  return undefined;
}

/** Marks the resolutions this plugin asks esbuild for itself, so that it does not see them twice. */
const SELF = Symbol('cartload-guard');

export interface GuardOptions {
  /** Paths in messages are shown relative to this folder. */
  rootDir: string;
}

/**
 * Records which file first imported each resolved file, and rejects forbidden specifiers with
 * the chain `scenarios/x.ts → generators/y.ts → node:fs`.
 */
export function k6Guard({ rootDir }: GuardOptions): Plugin {
  return {
    name: 'cartload-k6-guard',
    setup(build) {
      const importedBy = new Map<string, string>();
      const show = (file: string): string => relative(rootDir, file).split(sep).join('/');
      const chainTo = (file: string): string[] => {
        const chain = [show(file)];
        const seen = new Set([file]);
        for (let at = importedBy.get(file); at !== undefined && !seen.has(at); at = importedBy.get(at)) {
          chain.unshift(show(at));
          seen.add(at);
        }
        return chain;
      };

      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === SELF || args.kind === 'entry-point') return undefined;
        if (args.path === 'k6' || args.path.startsWith('k6/')) return { path: args.path, external: true };
        const reason = forbiddenReason(args.path);
        if (reason !== undefined) {
          const chain = [...chainTo(args.importer), args.path].join(' → ');
          return { errors: [{ text: `k6 bundle imports ${reason}: ${chain}` }] };
        }
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          namespace: args.namespace,
          pluginData: SELF,
          with: args.with,
        });
        if (resolved.errors.length === 0 && !importedBy.has(resolved.path))
          importedBy.set(resolved.path, args.importer);
        return resolved;
      });
    },
  };
}
