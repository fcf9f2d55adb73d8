// What every CLI command module exports: yargs options and a function that returns an exit code.
// Commands stay thin: check options, call one library function, map its outcome to a code.
//
// Start time: cli/main.ts imports every command module to build the parser, so a command module
// imports only what its options need (model constants, cli helpers) and loads its library code
// with `await import()` inside run(). `cartload --help` then loads yargs and these small modules,
// not fastify, faker, undici or esbuild (test/cli-main.test.ts checks the built entry point).
// Help texts stay ASCII: yargs measures every help line's width, and a single non-ASCII character
// sends that line through Unicode segmentation, which tripled the cost of `cartload replay --help`.
import type { Argv } from 'yargs';
import { CartloadError, EXIT } from '../model/errors.ts';
import type { CommandContext } from './io.ts';

export interface CartloadCommand<A = object> {
  command: string | readonly string[];
  describe: string;
  builder: (yargs: Argv) => Argv<A>;
  run: (args: A, ctx: CommandContext) => Promise<number>;
}

/** Lets each command module keep its own argument type while the entry point holds a list of them. */
export function defineCommand<A>(command: CartloadCommand<A>): CartloadCommand<A> {
  return command;
}

export { EXIT } from '../model/errors.ts';
export type { CommandContext } from './io.ts';

/** Bad usage: the message names the option; exit 2 unless another code is given. */
export class UsageError extends CartloadError {
  /** Reported by the argument parser (an unknown flag, a missing argument): the message points to --help. */
  fromParser = false;

  constructor(message: string, exitCode: number = EXIT.badInput) {
    super(message, { code: 'E_USAGE', exitCode });
  }

  static fromParser(message: string): UsageError {
    const e = new UsageError(message);
    e.fromParser = true;
    return e;
  }
}
