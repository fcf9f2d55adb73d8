// The CLI's commands, one module each. Add a command by adding its module here, under its name.
// Modules are loaded on demand: a command pulls in what it needs (fastify for `target`, faker for
// `generate`, esbuild for `build`), and loading every one for `replay` would cost tens of MB.
import type { CartloadCommand } from '../command.ts';

type Loader = () => Promise<{ default: unknown }>;

export const commandModules: Readonly<Record<string, Loader>> = {
  generate: () => import('./generate.ts'),
  pools: () => import('./pools.ts'),
  target: () => import('./target.ts'),
  build: () => import('./build.ts'),
  'capacity-report': () => import('./capacity-report.ts'),
  replay: () => import('./replay.ts'),
  run: () => import('./run.ts'),
  compare: () => import('./compare.ts'),
  convert: () => import('./convert.ts'),
  merge: () => import('./merge.ts'),
  report: () => import('./report.ts'),
};

/** The commands to register: only the one named first on the command line, or all of them (help, typos). */
export async function loadCommands(argv: readonly string[]): Promise<CartloadCommand<never>[]> {
  const first = argv.find((a) => !a.startsWith('-'));
  const names = first !== undefined && first in commandModules ? [first] : Object.keys(commandModules);
  const modules = await Promise.all(names.map((n) => (commandModules[n] as Loader)()));
  return modules.map((m) => m.default as CartloadCommand<never>);
}
