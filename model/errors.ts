// One error base class for everything cartload reports to a user: the message is meant to be read
// as it is (it names the option, file, line or field), and the error carries the exit code the
// process should end with. The CLI maps errors to exit codes in one place (cli/main.ts); library
// code throws these and never ends the process. Pure: runs in Node and in k6.

/** Exit codes shared by every command, documented in docs/exit-codes.md. */
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

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CartloadError extends Error {
  /** A stable, greppable name for the kind of failure (e.g. 'E_RECORDING', 'E_USAGE'). */
  readonly code: string;
  readonly exitCode: number;

  constructor(message: string, options: { code?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'E_INPUT';
    this.exitCode = options.exitCode ?? EXIT.badInput;
  }
}
