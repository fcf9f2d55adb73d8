// What every CLI command module exports: yargs options and a function that returns an exit code.
// Commands stay thin: parse options, call one library function, map its outcome to a code.
import type { Argv } from 'yargs';

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

/** Exit codes shared by every command, documented in the README. */
export const EXIT = {
  ok: 0,
  /** An unexpected failure (a bug, or the environment failed). */
  error: 1,
  /** Bad usage or bad input: the message names the option, file, line or field. */
  badInput: 2,
  /** The target could not be reached or refused the API key. */
  targetUnavailable: 3,
  /** The run completed but crossed its thresholds or --max-error-rate (k6 uses 99 for the same). */
  thresholdsCrossed: 99,
  /** Interrupted by SIGINT/SIGTERM after writing what it had (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;

/** An error whose message is meant for the user as it is, with the exit code it should end with. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.badInput,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
