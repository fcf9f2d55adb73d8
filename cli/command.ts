// What every CLI command module exports: yargs options and a function that returns an exit code.
// Commands stay thin: parse options, call one library function, map its outcome to a code.
import type { Argv } from 'yargs';
import { CartloadError, EXIT } from '../model/errors.ts';

export interface CartloadCommand<A = object> {
  command: string | readonly string[];
  describe: string;
  builder: (yargs: Argv) => Argv<A>;
  run: (args: A) => Promise<number>;
}

/** Lets each command module keep its own argument type while the entry point holds a list of them. */
export function defineCommand<A>(command: CartloadCommand<A>): CartloadCommand<A> {
  return command;
}

export { EXIT } from '../model/errors.ts';

/** Bad usage: the message names the option; exit 2 unless another code is given. */
export class UsageError extends CartloadError {
  constructor(message: string, exitCode: number = EXIT.badInput) {
    super(message, { code: 'E_USAGE', exitCode });
  }
}
