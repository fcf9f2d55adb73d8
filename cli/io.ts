// What a command may touch of the outside world, passed in rather than read from `process`, so
// that tests run the whole CLI in-process (main(argv, io)) with their own streams and environment.
import type { Readable, Writable } from 'node:stream';

export type Env = Record<string, string | undefined>;

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: Env;
  /** Whether someone can answer a question: standard input and standard error are terminals. */
  interactive: boolean;
  /** Asks one question on the terminal and resolves the answer (only called when interactive). */
  ask: (question: string) => Promise<string>;
}

/** The real process's streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
    ask: async (question) => {
      const { createInterface } = await import('node:readline/promises');
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
  };
}

/** What a command's run() gets: the io, and the two ways it prints. */
export interface CommandContext {
  io: CliIo;
  env: Env;
  /** Writes to standard output as it is (reports, JSON, the target's URL line). */
  out: (text: string) => void;
  /** One line to standard error (progress notes, where the results went, warnings). */
  say: (line: string) => void;
}

export function contextOf(io: CliIo): CommandContext {
  return {
    io,
    env: io.env,
    out: (text) => void io.stdout.write(text),
    say: (line) => void io.stderr.write(`${line}\n`),
  };
}
